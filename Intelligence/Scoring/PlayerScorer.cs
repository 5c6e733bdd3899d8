using Intelligence.Features;
using Intelligence.Models;
using Intelligence.SaferGambling;
using Intelligence.Training;
using Microsoft.Extensions.Options;
using Shared.Contracts;
using Shared.Store;

namespace Intelligence.Scoring;

/// <summary>
/// Scores a player with the models this instance serves: churn, VIP potential (each by its trained model, or by its
/// rule when no model beats it), harm risk (its trained model, or the weighted-marker rule), segment and marketing status.
/// </summary>
public sealed class PlayerScorer(ModelHost models, IOptions<ScoringOptions> scoring, IOptions<TrainingOptions> training, TimeProvider clock,
    IOptions<SaferGamblingOptions>? saferGamblingOptions = null) : IHarmScorer
{
    private readonly SaferGamblingOptions _saferGambling = saferGamblingOptions?.Value ?? new SaferGamblingOptions();

    public PlayerScores Score(PlayerSnapshot s, IReadOnlyList<SegmentRef>? memberships = null) => ScoreAndFlag(s, memberships).Scores;

    public ProbabilityScore? Harm(PlayerSnapshot snapshot) => Score(snapshot).Harm;

    /// <summary>The scores, and the profile with the harm flag they set (marketing is judged on that profile).</summary>
    public (PlayerScores Scores, PlayerProfile Profile) ScoreAndFlag(PlayerSnapshot s, IReadOnlyList<SegmentRef>? memberships = null)
    {
        var now = clock.GetUtcNow();
        var today = ProfileReader.DayOf(now);
        var o = scoring.Value;
        // One snapshot for every part: the scores and the versions they record come from the same models.
        var served = models.Current;
        var harm = Harm(served.Harm, s, today + 1);
        var profile = s.Profile with { Harm = _saferGambling.Flag(harm.Band, s.Profile.Market ?? s.Profile.Country) };
        var scores = new PlayerScores(s.Profile.PlayerId, now, Churn(served, s, today, o), Vip(served, s, today, o), Segment(served, s, today), memberships ?? [],
            MarketingPolicy.Evaluate(profile, now), served.Versions, harm);
        return (scores, profile);
    }

    /// <summary>The harm-risk score as known before the start of day <paramref name="cutoff"/> (tomorrow for live scores).</summary>
    public ProbabilityScore Harm(PlayerSnapshot s, long cutoff) => Harm(models.Current.Harm, s, cutoff);

    /// <summary>
    /// By the served harm model where a training run promoted one, else by the weighted-marker rule. A model's drivers
    /// are its largest contributions, each in the words of the marker it reads.
    /// </summary>
    private ProbabilityScore Harm(ModelHost.Scorer scorer, PlayerSnapshot s, long cutoff)
    {
        var (row, markers) = HarmFeatures.At(s.History, s.Profile.Country, cutoff);
        if (scorer.Model is not { } model)
        {
            var (rp, ruleDrivers) = HarmRule.Score(markers);
            return new ProbabilityScore(Math.Round(rp, 4), _saferGambling.Band(rp), ruleDrivers, ModelSources.Rule, scorer.Card.Version, HarmRule.Description);
        }
        var (p, drivers) = model.Predict(row, 5);
        var words = markers.ToDictionary(m => m.Name, m => m.Description, StringComparer.Ordinal);
        return Score(scorer, p, _saferGambling.Band(p), [.. drivers.Select(d => new ScoreDriver(d.Feature, d.Contribution, words.GetValueOrDefault(d.Feature) ?? d.Description))]);
    }

    private ProbabilityScore Churn(ModelHost.ServedModels models, PlayerSnapshot s, long today, ScoringOptions o)
    {
        // Live rows include today: the cut-off is the start of tomorrow.
        var (p, drivers) = Predict(models.Churn, ChurnFeatures.At(s.History, today + 1))!.Value;
        var active = s.History.CountDays(today + 1 - training.Value.Churn.ActiveWithinDays, today + 1, PlayerHistory.Active) > 0;
        var band = !active ? "lapsed" : p >= o.ChurnHigh ? "high" : p >= o.ChurnMedium ? "medium" : "low";
        return Score(models.Churn, p, band, Words(drivers));
    }

    private static ProbabilityScore Vip(ModelHost.ServedModels models, PlayerSnapshot s, long today, ScoringOptions o)
    {
        var m = models.Vip;
        var tier = s.Profile.VipTier;
        if (Predict(m, VipFeatures.At(s.History, today + 1)) is not { } predicted)
        {
            return Score(m, 0, tier is null ? "none" : "vip",
                tier is null ? [new ScoreDriver("deposits", 0, "Has not deposited yet")] : [PamTier(tier)]);
        }
        var (p, drivers) = predicted;
        var band = tier is not null ? "vip" : p >= o.VipHigh ? "high" : p >= o.VipMedium ? "medium" : "low";
        var words = Words(drivers);
        return Score(m, p, band, tier is null ? words : [PamTier(tier), .. words]);
    }

    /// <summary>The trained model's or the rule's probability and drivers; null when the player has no row (VIP before a first deposit).</summary>
    private static (double P, IReadOnlyList<Driver> Drivers)? Predict(ModelHost.Scorer scorer, float[]? features) =>
        features is null ? null : scorer.Model is { } model ? model.Predict(features) : scorer.Rule!.Predict(features);

    private static ProbabilityScore Score(ModelHost.Scorer scorer, double p, string band, IReadOnlyList<ScoreDriver> drivers) =>
        new(Math.Round(p, 4), band, drivers, scorer.Source, scorer.Card.Version, scorer.Card.Rule);

    private static SegmentRef? Segment(ModelHost.ServedModels models, PlayerSnapshot s, long today) =>
        models.Segments is { } m && m.Model.Assign(SegmentFeatures.At(s.History, s.Profile.Games, today)) is { } seg ? new SegmentRef(seg.Id, seg.Name) : null;

    private static ScoreDriver PamTier(string tier) => new("pamVipTier", 0, $"VIP tier '{tier}' in the PAM");

    private static List<ScoreDriver> Words(IReadOnlyList<Driver> drivers) => [.. drivers.Select(d => new ScoreDriver(d.Feature, d.Contribution, d.Description))];
}
