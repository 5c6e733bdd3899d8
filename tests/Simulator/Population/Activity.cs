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
    /// <summary>Device (login, session), channel (consent), kind (rg, bonus), method (payment), KYC status (update).</summary>
    public string? Text { get; init; }
    /// <summary>Consent granted; win closes the round.</summary>
    public bool Flag { get; init; }
    /// <summary>Session end; end of an exclusion.</summary>
    public DateTimeOffset? Until { get; init; }
    public string? VipTier { get; init; }
    public string Status { get; init; } = "approved";
    /// <summary>Ground truth: this bet is cancelled by a rollback, so it is not in any total.</summary>
    public bool RolledBack { get; init; }
    /// <summary>The game provider (bet, win, rollback) or PSP (deposit) the event names; null: none (the default history).</summary>
    public string? Provider { get; init; }
    /// <summary>The event's time when it is not <see cref="Time"/>: a session reported when it ended (planted histories).</summary>
    public DateTimeOffset? ReportedAt { get; init; }
}
