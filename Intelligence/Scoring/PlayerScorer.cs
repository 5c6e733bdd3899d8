using Intelligence.Features;
using Intelligence.Models;
using Intelligence.Training;
using Microsoft.Extensions.Options;
using Shared.Contracts;
using Shared.Store;

namespace Intelligence.Scoring;

/// <summary>Scores a player with the models this instance serves: churn, VIP potential, segment and marketing status.</summary>
public sealed class PlayerScorer(ModelHost models, IOptions<ScoringOptions> scoring, IOptions<TrainingOptions> training, TimeProvider clock)
{
    public PlayerScores Score(PlayerSnapshot s, IReadOnlyList<SegmentRef>? memberships = null)
    {
        var now = clock.GetUtcNow();
        var today = ProfileReader.DayOf(now);
        var o = scoring.Value;
        // One snapshot for every part: the scores and the versions they record come from the same models.
        var served = models.Current;
        return new PlayerScores(s.Profile.PlayerId, now, Churn(served, s, today, o), Vip(served, s, today, o), Segment(served, s, today), memberships ?? [],
            MarketingPolicy.Evaluate(s.Profile, now), served.Versions);
    }

    private ProbabilityScore? Churn(ModelHost.ServedModels models, PlayerSnapshot s, long today, ScoringOptions o)
    {
        if (models.Churn is not { } m) return null;
        // Live rows include today: the cut-off is the start of tomorrow.
        var (p, drivers) = m.Model.Predict(ChurnFeatures.At(s.History, today + 1));
        var active = s.History.CountDays(today + 1 - training.Value.Churn.ActiveWithinDays, today + 1, PlayerHistory.Active) > 0;
        var band = !active ? "lapsed" : p >= o.ChurnHigh ? "high" : p >= o.ChurnMedium ? "medium" : "low";
        return new ProbabilityScore(Math.Round(p, 4), band, Words(drivers));
    }

    private static ProbabilityScore? Vip(ModelHost.ServedModels models, PlayerSnapshot s, long today, ScoringOptions o)
    {
        if (models.Vip is not { } m) return null;
        var tier = s.Profile.VipTier;
        if (VipFeatures.At(s.History, today + 1) is not { } features)
        {
            return new ProbabilityScore(0, tier is null ? "none" : "vip",
                tier is null ? [new ScoreDriver("deposits", 0, "Has not deposited yet")] : [PamTier(tier)]);
        }
        var (p, drivers) = m.Model.Predict(features);
        var band = tier is not null ? "vip" : p >= o.VipHigh ? "high" : p >= o.VipMedium ? "medium" : "low";
        var words = Words(drivers);
        return new ProbabilityScore(Math.Round(p, 4), band, tier is null ? words : [PamTier(tier), .. words]);
    }

    private static SegmentRef? Segment(ModelHost.ServedModels models, PlayerSnapshot s, long today) =>
        models.Segments is { } m && m.Model.Assign(SegmentFeatures.At(s.History, s.Profile.Games, today)) is { } seg ? new SegmentRef(seg.Id, seg.Name) : null;

    private static ScoreDriver PamTier(string tier) => new("pamVipTier", 0, $"VIP tier '{tier}' in the PAM");

    private static List<ScoreDriver> Words(IReadOnlyList<Driver> drivers) => [.. drivers.Select(d => new ScoreDriver(d.Feature, d.Contribution, d.Description))];
}
