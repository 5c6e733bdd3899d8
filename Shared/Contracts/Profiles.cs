using System.Text.Json.Serialization;

namespace Shared.Contracts;

/// <summary>The unified player profile of <c>GET /v1/players/{playerId}/profile</c>. Amounts are in base currency.</summary>
public sealed record PlayerProfile(
    string PlayerId,
    DateTimeOffset? RegisteredAt,
    string? Country,
    string? Market,
    string? Currency,
    string KycStatus,
    string? AffiliateId,
    string? Campaign,
    string? Channel,
    int? BirthYear,
    string? VipTier,
    IReadOnlyDictionary<string, bool> Consents,
    ResponsibleGambling Rg,
    LifetimeTotals Lifetime,
    IReadOnlyDictionary<string, ActivityTotals> Windows,
    GameAffinity Games,
    string? Btag = null,
    string? ClickId = null,
    Verification? Verification = null,
    HarmFlag? Harm = null);

/// <summary>
/// What the harm-risk score last decided for the player (Intelligence sets it when it rescores; see the README's
/// safer-gambling section): the band, and the action the player's market takes at that band.
/// </summary>
/// <param name="Band"><c>elevated</c> or <c>high</c> (a <c>low</c> band keeps no flag).</param>
/// <param name="Action"><c>suppress</c> (no marketing on any channel), <c>reduce</c> (no bonus-led content) or <c>none</c>.</param>
public sealed record HarmFlag(string Band, string Action)
{
    public const string Suppress = "suppress", Reduce = "reduce", None = "none";

    /// <summary>The profile-hash field Intelligence keeps it in: "band|action".</summary>
    public const string Field = "hr";

    public static HarmFlag? Parse(string? stored) => stored?.Split('|') is [var band, var action] && band.Length > 0 ? new HarmFlag(band, action) : null;

    public string Stored => Band + "|" + Action;
}

/// <summary>The latest verdict of each verification (contract 1b: <c>player.kyc</c>, <c>player.aml</c>, <c>player.geo</c>); null: none received.</summary>
public sealed record Verification(KycCheck? Kyc, AmlCheck? Aml, GeoCheck? Geo);

/// <param name="Final">The provider said the rejection is final (no resubmission).</param>
public sealed record KycCheck(string Status, string? Provider, string? Level, IReadOnlyList<string> Reasons, bool Final, DateTimeOffset At);

public sealed record AmlCheck(string RiskLevel, string? Provider, IReadOnlyList<string> Reasons, DateTimeOffset At);

/// <param name="Result"><c>allowed</c>, <c>blocked</c> or <c>error</c>.</param>
public sealed record GeoCheck(string Result, string? Country, string? Region, IReadOnlyList<string> Reasons, DateTimeOffset At);

public sealed record ResponsibleGambling(
    DateTimeOffset? SelfExcludedUntil,
    DateTimeOffset? CoolingOffUntil,
    bool Blocked,
    DepositLimit? DepositLimit);

public sealed record DepositLimit(decimal Amount, string? Period);

/// <summary>Money and play totals over a window of days.</summary>
/// <param name="DeclinedDepositCount">Deposits whose latest state is <c>rejected</c> (declined), on the decline's day.</param>
/// <param name="ChargebackCount">Deposits charged back, on the chargeback's day (their money leaves <see cref="DepositAmount"/>).</param>
/// <param name="ReversedDepositCount">Credited deposits the bank did not settle (e.g. a Trustly debit), on the reversal's day.</param>
/// <param name="ReversedWithdrawalCount">Withdrawals returned to the player, on the reversal's day.</param>
/// <param name="RefundCount">Deposits refunded to the player, on the refund's day.</param>
/// <param name="PaymentMethods">Methods of the approved deposits and withdrawals (contract 1b's names, in its order).</param>
public sealed record ActivityTotals(
    long DepositCount,
    decimal DepositAmount,
    long WithdrawalCount,
    decimal WithdrawalAmount,
    long BetCount,
    decimal StakeAmount,
    decimal WinAmount,
    decimal Ggr,
    decimal BonusStakeAmount,
    decimal BonusAmount,
    long SessionCount,
    long LoginCount,
    int ActiveDays,
    long DeclinedDepositCount = 0,
    DeclineReasons? DeclinedDepositReasons = null,
    long ChargebackCount = 0,
    decimal ChargebackAmount = 0,
    long ReversedDepositCount = 0,
    decimal ReversedDepositAmount = 0,
    long ReversedWithdrawalCount = 0,
    decimal ReversedWithdrawalAmount = 0,
    long RefundCount = 0,
    decimal RefundAmount = 0,
    int PaymentMethodCount = 0,
    IReadOnlyList<string>? PaymentMethods = null);

/// <summary>Declined deposits by normalised reason (contract 1b); the vendor's own code stays in the event's <c>vendorCode</c>.</summary>
public sealed record DeclineReasons(
    [property: JsonPropertyName("insufficient_funds")] long InsufficientFunds,
    [property: JsonPropertyName("limit_exceeded")] long LimitExceeded,
    [property: JsonPropertyName("suspected_fraud")] long SuspectedFraud,
    [property: JsonPropertyName("authentication_failed")] long AuthenticationFailed,
    [property: JsonPropertyName("expired_or_invalid")] long ExpiredOrInvalid,
    [property: JsonPropertyName("other")] long Other)
{
    public static readonly DeclineReasons None = new(0, 0, 0, 0, 0, 0);

    public long Total => InsufficientFunds + LimitExceeded + SuspectedFraud + AuthenticationFailed + ExpiredOrInvalid + Other;
}

/// <summary>
/// A set of payment methods as a list of contract 1b's names in its order. One list instance per set, so records that
/// hold one compare by value.
/// </summary>
public static class PaymentMethodSets
{
    public static readonly IReadOnlyList<string> Names = ["card", "e_wallet", "bank_transfer", "open_banking", "crypto", "voucher", "mobile", "other"];

    private static readonly IReadOnlyList<string>[] BySet = [.. Enumerable.Range(0, 256).Select(m => (IReadOnlyList<string>)[.. Names.Where((_, i) => (m >> i & 1) == 1)])];

    /// <summary>The methods of a set held as bits (bit i: <see cref="Names"/>[i]).</summary>
    public static IReadOnlyList<string> Of(long bits) => BySet[bits & 0xFF];

    /// <summary>The bit of a method, or 0 for an unknown one.</summary>
    public static int Bit(string? method)
    {
        for (var i = 0; i < Names.Count; i++)
        {
            if (Names[i] == method) return 1 << i;
        }
        return 0;
    }
}

/// <summary>Lifetime totals: the windows' figures over every day, and when things first and last happened.</summary>
/// <param name="FirstPaymentMethod">Method of the earliest approved deposit that named one.</param>
/// <param name="LastPaymentMethod">Method of the latest approved deposit that named one.</param>
public sealed record LifetimeTotals(
    long DepositCount,
    decimal DepositAmount,
    long WithdrawalCount,
    decimal WithdrawalAmount,
    long BetCount,
    decimal StakeAmount,
    decimal WinAmount,
    decimal Ggr,
    decimal BonusStakeAmount,
    decimal BonusAmount,
    long SessionCount,
    long LoginCount,
    int ActiveDays,
    DateTimeOffset? FirstDepositAt,
    DateTimeOffset? LastDepositAt,
    DateTimeOffset? LastBetAt,
    DateTimeOffset? LastActiveAt,
    long DeclinedDepositCount = 0,
    DeclineReasons? DeclinedDepositReasons = null,
    long ChargebackCount = 0,
    decimal ChargebackAmount = 0,
    long ReversedDepositCount = 0,
    decimal ReversedDepositAmount = 0,
    long ReversedWithdrawalCount = 0,
    decimal ReversedWithdrawalAmount = 0,
    long RefundCount = 0,
    decimal RefundAmount = 0,
    int PaymentMethodCount = 0,
    IReadOnlyList<string>? PaymentMethods = null,
    string? FirstPaymentMethod = null,
    string? LastPaymentMethod = null);

/// <param name="Top">Most-played games by rounds.</param>
/// <param name="Recent">Games by when they were last played, newest first.</param>
/// <param name="Categories">Stake per game category (from the catalogue).</param>
/// <param name="Providers">Stake per game provider (from the catalogue).</param>
public sealed record GameAffinity(
    IReadOnlyList<GamePlay> Top,
    IReadOnlyList<GamePlay> Recent,
    IReadOnlyDictionary<string, decimal> Categories,
    IReadOnlyDictionary<string, decimal> Providers);

/// <summary>A player's play of one game: rounds, stake and when they last played it.</summary>
public sealed record GamePlay(string GameId, long Rounds, decimal StakeAmount, DateTimeOffset? LastPlayedAt);
