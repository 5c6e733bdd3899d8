namespace Shared.Contracts;

/// <summary>
/// A player's scores (<c>GET /v1/players/{playerId}/scores</c>). <see cref="Churn"/> and <see cref="Vip"/> are always
/// there (by the kind's rule until a trained model beats it; VIP says <c>none</c> before a first deposit);
/// <see cref="Segment"/> is null until the first segmentation has been trained. <see cref="Harm"/> is the harm-risk score
/// (bands <c>low</c>, <c>elevated</c>, <c>high</c>; source <c>rule</c>, the weighted behavioural markers).
/// </summary>
public sealed record PlayerScores(
    string PlayerId,
    DateTimeOffset ScoredAt,
    ProbabilityScore? Churn,
    ProbabilityScore? Vip,
    SegmentRef? Segment,
    IReadOnlyList<SegmentRef> Segments,
    MarketingStatus Marketing,
    IReadOnlyDictionary<string, string> ModelVersions,
    ProbabilityScore? Harm = null);

/// <param name="Band">churn: <c>low</c>, <c>medium</c>, <c>high</c>, or <c>lapsed</c> (no activity in the churn
/// definition's active window); vip: <c>low</c>, <c>medium</c>, <c>high</c>, <c>none</c> (never deposited) or
/// <c>vip</c> (a VIP tier in the PAM).</param>
/// <param name="Drivers">The inputs that moved this player's probability most, in words (positive: towards the event).</param>
/// <param name="Source"><c>model</c> (a trained model, <paramref name="Version"/>) or <c>rule</c> (the kind's rule,
/// named by <paramref name="Rule"/>, as a probability calibrated on outcomes; <paramref name="Version"/> is that calibration).</param>
public sealed record ProbabilityScore(double Probability, string Band, IReadOnlyList<ScoreDriver> Drivers, string Source = "model", string? Version = null, string? Rule = null);

public sealed record ScoreDriver(string Feature, double Contribution, string Description);

public sealed record SegmentRef(string Id, string Name);

public sealed record BatchScoresRequest(IReadOnlyList<string>? PlayerIds);

public sealed record BatchScoresResponse(IReadOnlyList<PlayerScores> Items, IReadOnlyList<string> NotFound);
