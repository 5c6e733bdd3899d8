namespace Simulator.Population;

public enum ActivityKind
{
    Registered,
    Updated,
    Login,
    Consent,
    Rg,
    Deposit,
    Withdrawal,
    Bet,
    Win,
    Rollback,
    Bonus,
    Session,
    Kyc,
    Aml,
    Geo,
}

/// <summary>
/// One thing a player did, in the simulator's own terms; the history writer and the live stream render it in the
/// canonical or a vendor format. Amounts are in the player's currency.
/// </summary>
/// <param name="Id">The transaction id of a wallet activity, or the event id of any other.</param>
public sealed record Activity(ActivityKind Kind, DateTimeOffset Time, string Id)
{
    public string? GameId { get; init; }
    public string? RoundId { get; init; }
    public decimal Amount { get; init; }
    public decimal? BonusAmount { get; init; }
    /// <summary>The transaction a rollback cancels.</summary>
    public string? Reference { get; init; }
    /// <summary>Device (login, session), channel (consent), kind (rg, bonus), method (payment), KYC status (update, kyc), risk level (aml), result (geo).</summary>
    public string? Text { get; init; }
    /// <summary>Consent granted; win closes the round.</summary>
    public bool Flag { get; init; }
    /// <summary>Session end; end of an exclusion.</summary>
    public DateTimeOffset? Until { get; init; }
    public string? VipTier { get; init; }
    public string Status { get; init; } = "approved";
    /// <summary>The payment service provider (payment), the verification vendor (kyc, aml), or the game provider (bet, win,
    /// rollback; only in histories made fit for reconciliation, see <c>IntegrationFaults</c>).</summary>
    public string? Provider { get; init; }
    /// <summary>A declined payment's normalised reason (contract 1b).</summary>
    public string? DeclineReason { get; init; }
    /// <summary>The PSP's own code for a declined payment, as it sent it.</summary>
    public string? VendorCode { get; init; }
    /// <summary>Why a check came out as it did (kyc, aml, geo): the vendor's labels.</summary>
    public IReadOnlyList<string>? Reasons { get; init; }
    /// <summary>The verdict is final (kyc).</summary>
    public bool? Final { get; init; }

    /// <summary>
    /// Done by the operator or a vendor rather than the player (a KYC or AML verdict, a chargeback, a returned payment),
    /// so it may come after the player has left.
    /// </summary>
    public bool FromOperator => Kind is ActivityKind.Updated or ActivityKind.Kyc or ActivityKind.Aml
        || Status is "chargeback" or "reversed";

    /// <summary>Ground truth: this bet is cancelled by a rollback, so it is not in any total.</summary>
    public bool RolledBack { get; init; }
    /// <summary>The event's time when it is not <see cref="Time"/>: a session reported when it ended (planted histories).</summary>
    public DateTimeOffset? ReportedAt { get; init; }
}
