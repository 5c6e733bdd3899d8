namespace Shared.Contracts;

/// <summary><c>GET /v1/insights/segments/{id}/size?days=30</c>: a segment's member count over time, oldest first.</summary>
public sealed record SegmentSizeHistory(string SegmentId, IReadOnlyList<SegmentSizePoint> Points);

/// <summary>How many members a segment had at a moment (recorded hourly and whenever its definition changes).</summary>
public sealed record SegmentSizePoint(DateTimeOffset At, long Members);

/// <summary><c>GET /v1/insights/scores</c>: how churn risk and VIP potential are spread over the players now.</summary>
/// <param name="Players">Every player held, scored or not.</param>
public sealed record ScoreDistributions(DateTimeOffset AsOf, long Players, ProbabilityDistribution Churn, ProbabilityDistribution Vip);

/// <param name="Scored">Players with this score (none before the first model of its kind is trained).</param>
/// <param name="Mean">Mean probability over the scored players; null when none is scored.</param>
/// <param name="Bins">Equal-width bins over [0, 1]; the last bin includes 1.</param>
/// <param name="Bands">Scored players per band (churn: low, medium, high, lapsed; VIP: none, low, medium, high, vip).</param>
public sealed record ProbabilityDistribution(long Scored, double? Mean, IReadOnlyList<HistogramBin> Bins, IReadOnlyDictionary<string, long> Bands);

/// <summary>Players whose probability is in [<see cref="From"/>, <see cref="To"/>) (the last bin: [From, 1]).</summary>
public sealed record HistogramBin(double From, double To, long Count);

/// <summary>The registration cohorts of each affiliate and campaign judged by predicted value, over the player index (the cohort part of <see cref="AffiliatesReport"/>).</summary>
public sealed record AffiliateReport(DateTimeOffset AsOf, IReadOnlyList<AffiliateRow> Items);

/// <summary>
/// One affiliate (<see cref="Campaign"/> null: all its players) or one of its campaigns. <see cref="AffiliateId"/> null
/// groups players who came without an affiliate (direct, organic, paid search).
/// </summary>
/// <param name="Depositors">Players with at least one approved deposit.</param>
/// <param name="DepositAmount">Lifetime approved deposits of these players, in the base currency.</param>
/// <param name="PredictedVipShare">Mean VIP-potential probability over the scored players: the share expected to become
/// VIPs (the model is calibrated). 0 for players who never deposited.</param>
/// <param name="MeanChurn">Mean churn probability over the scored players.</param>
/// <param name="HighChurnShare">Share of the scored players in churn band <c>high</c>.</param>
/// <param name="LapsedShare">Share of the scored players in churn band <c>lapsed</c> (no activity in the churn definition's window).</param>
/// <param name="PredictedVipPlayers">The sum of the VIP-potential probabilities: how many of these players are expected to become VIPs.</param>
public sealed record AffiliateRow(
    string? AffiliateId,
    string? Campaign,
    long Players,
    long Depositors,
    decimal DepositAmount,
    long Scored,
    double PredictedVipShare,
    double MeanChurn,
    double HighChurnShare,
    double LapsedShare,
    double PredictedVipPlayers = 0);
