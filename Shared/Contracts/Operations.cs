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

/// <summary><c>GET /v1/feeds</c>: every event source's traffic and state, and every payment provider's deposit declines.</summary>
public sealed record FeedsReport(IReadOnlyList<FeedStatus> Items, DateTimeOffset At, IReadOnlyList<PaymentProviderStatus>? Payments = null);

/// <summary>
/// One payment provider's (PSP's) deposit verdicts (<c>wallet.deposit</c> with <c>status</c> <c>approved</c> or
/// <c>rejected</c>, by <c>data.provider</c>) over the last hour, and its usual decline share: its deposits' over the
/// previous Feeds:UsualDays whole UTC days (null without any). <paramref name="Spiking"/>: at least
/// Feeds:MinPaymentAttempts attempts and a decline share Feeds:DeclineSpikeOver or more above the usual one.
/// </summary>
public sealed record PaymentProviderStatus(string Provider, long Attempts, long Declines, double DeclineShare, double? UsualDeclineShare, bool Spiking);

/// <summary>
/// One source's traffic: events a minute over the last five minutes and usually in this hour of the day (null before
/// a day of history), its last arrival, arrival lag (arrival − event time) quantiles over the last hour (upper bounds
/// of histogram buckets), shares of rejected and duplicate events over the last fifteen minutes, dead letters over the
/// last day, and a <c>state</c>: <c>ok</c>, <c>quiet</c>, <c>silent</c> or <c>failing</c>. <paramref name="SignatureFailures"/>:
/// requests of a signed vendor adapter refused for a bad signature over the last day.
/// </summary>
public sealed record FeedStatus(string Source, string State, double EventsPerMinute, double? UsualEventsPerMinute, DateTimeOffset? LastEventAt,
    long? LagP50Ms, long? LagP99Ms, double RejectedShare, double DuplicateShare, long DeadLetters, string Reason, long SignatureFailures = 0)
{
    /// <summary>Of <see cref="SignatureFailures"/>, those of the last fifteen minutes: what the in-product FeedSignatureFailures alert judges (not in the JSON).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public long RecentSignatureFailures { get; init; }
}

/// <summary><c>GET /v1/feeds/history</c>: every source's traffic over the last hours, hour by hour (oldest first).</summary>
public sealed record FeedHistory(IReadOnlyList<FeedSeries> Items, DateTimeOffset At);

/// <summary>One source's hours, each of them present (zero when nothing arrived).</summary>
public sealed record FeedSeries(string Source, IReadOnlyList<FeedHourCounts> Hours);

/// <summary>One hour of a source's events from <paramref name="Hour"/>: accepted, duplicate and rejected events, and dead letters (part of the rejected).</summary>
public sealed record FeedHourCounts(DateTimeOffset Hour, long Accepted, long Duplicates, long Rejected, long DeadLetters);

/// <summary>The states of a feed, judged against its own usual rhythm for the hour.</summary>
public static class FeedStates
{
    public const string Ok = "ok";
    public const string Quiet = "quiet";
    public const string Silent = "silent";
    public const string Failing = "failing";
}

/// <summary>
/// An in-product operations alert: the same conditions as deploy/prometheus/alerts.yml, for operators without
/// Prometheus. <paramref name="Id"/> is the alert and its subject (<c>FeedSilent:/hub88</c>).
/// </summary>
public sealed record OpsAlert(string Id, string Alert, string Severity, string? Source, string Summary, DateTimeOffset FiredAt);

/// <summary>An alert's transition, relayed to webhooks as <c>ops.alert.fired</c> or <c>ops.alert.resolved</c>.</summary>
public sealed record OpsAlertEvent(string EventId, string Type, OpsAlert Alert, DateTimeOffset At);

/// <summary>The webhook event types of operations alerts (contract section 4).</summary>
public static class OpsAlertEventTypes
{
    public const string Fired = "ops.alert.fired";
    public const string Resolved = "ops.alert.resolved";
}
