namespace Shared.Contracts;

/// <summary><c>GET /v1/reconciliation</c>: per kind, how many items are outstanding and the newest of them.</summary>
public sealed record ReconciliationReport(
    ReconciliationKind<OpenRound> OpenRounds,
    ReconciliationKind<OrphanRollback> OrphanRollbacks,
    ReconciliationKind<ConflictingDuplicate> ConflictingDuplicates,
    ReconciliationKind<ReversedPayment> ReversedPayments,
    DateTimeOffset At);

/// <summary>The exact count of a kind (items past the retention included) and its newest items.</summary>
public sealed record ReconciliationKind<T>(long Count, IReadOnlyList<T> Items);

/// <summary>A bet whose round was not closed within <c>Reconciliation:OpenRoundAfter</c> of the bet's time.</summary>
public sealed record OpenRound(string Source, string? Provider, string PlayerId, string RoundId, string TransactionId, string GameId,
    DateTimeOffset BetAt, DateTimeOffset DueAt);

/// <summary>A rollback whose referenced transaction has not arrived within <c>Reconciliation:OrphanRollbackAfter</c> of its arrival.</summary>
public sealed record OrphanRollback(string Source, string? Provider, string PlayerId, string TransactionId, string ReferenceTransactionId,
    DateTimeOffset RollbackAt, DateTimeOffset ArrivedAt);

/// <summary>One version of a wallet transaction, as a conflicting duplicate shows it.</summary>
public sealed record TransactionVersion(string Type, string PlayerId, string? RoundId, string? GameId, string? ReferenceTransactionId,
    decimal? Amount, string? Currency);

/// <summary>A known <c>transactionId</c> resent with other content: the first version stays counted.</summary>
public sealed record ConflictingDuplicate(string Source, string TransactionId, TransactionVersion First, TransactionVersion Conflicting,
    DateTimeOffset ArrivedAt);

/// <summary>Money that moved back: a chargeback, a reversed deposit or withdrawal, a cancelled withdrawal.</summary>
public sealed record ReversedPayment(string Source, string? Provider, string PlayerId, string TransactionId, string Type, string Status,
    decimal Amount, DateTimeOffset At);
