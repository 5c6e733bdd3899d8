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
    GameAffinity Games);

public sealed record ResponsibleGambling(
    DateTimeOffset? SelfExcludedUntil,
    DateTimeOffset? CoolingOffUntil,
    bool Blocked,
    DepositLimit? DepositLimit);

public sealed record DepositLimit(decimal Amount, string? Period);

/// <summary>Money and play totals over a window of days.</summary>
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
    int ActiveDays);

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
    DateTimeOffset? LastActiveAt);

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
