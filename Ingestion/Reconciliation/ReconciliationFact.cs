namespace Ingestion.Reconciliation;

/// <summary>
/// What reconciliation keeps of one wallet or payment event (see reconcile.lua's ARGV): <paramref name="Op"/> is
/// <c>bet</c>, <c>win</c>, <c>rb</c> or <c>pay</c>; <paramref name="Reference"/> the round (bet, win), the referenced
/// transaction (rollback) or <c>dep</c>/<c>wd</c> (payment); <paramref name="Flag"/> <c>1</c> for a win that closes
/// its round, a payment's status. Amounts are in base-currency units (<see cref="Events.EventParser.UnitsPerCurrency"/>).
/// </summary>
public sealed record ReconciliationFact(string Op, string Source, string PlayerId, string TransactionId, string Reference, string GameId,
    long Units, string Currency, long TimeMs, string Flag, string Provider)
{
    /// <summary>Payment states that move money back: what reconciliation reports as reversed.</summary>
    public static bool IsReversal(bool deposit, string status) =>
        deposit ? status is "chargeback" or "reversed" : status is "reversed" or "cancelled";
}
