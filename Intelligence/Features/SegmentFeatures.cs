using Shared.Contracts;
using Shared.Store;
using static Intelligence.Features.Words;

namespace Intelligence.Features;

/// <summary>
/// How a player plays, for segmentation: stake size, frequency, money in, bonus reliance, recency, and where their
/// stake goes by game category. Segments describe the present, so these are computed as of now (the last 90 days
/// and the lifetime game mix).
/// </summary>
public static class SegmentFeatures
{
    public static readonly IReadOnlyList<string> Categories = GameCategories.All;

    public static readonly FeatureSet Set = new("segment-v1",
    [
        new("averageStake", v => $"average stake {Money(Unlog(v))}"),
        new("activeDays90", v => $"active {v:0} of 90 days"),
        new("betsPerActiveDay", v => $"{Unlog(v):0} bets a day"),
        new("depositAmount90", v => $"deposited {Money(Unlog(v))} in 90 days"),
        new("daysSinceLastActive", v => $"last seen {v:0} days ago"),
        new("bonusShare", v => $"{Percent(v)} bonus stake"),
        .. Categories.Select(c => new Feature("share." + c, v => $"{Percent(v)} of stake on {c}")),
    ]);

    public static float[] At(PlayerHistory h, GameAffinity games, long today)
    {
        var cutoff = today + 1;
        var w = h.Sum(cutoff - 90, cutoff);
        static double M(long units) => (double)ProfileReader.Money(units);
        var stake = M(w[DayField.Stake]);
        var active = w[DayField.Active];
        var total = games.Categories.Values.Sum();
        var features = new float[Set.Count];
        features[0] = w[DayField.Bets] > 0 ? Log(stake / w[DayField.Bets]) : 0;
        features[1] = active;
        features[2] = active > 0 ? Log((double)w[DayField.Bets] / active) : 0;
        features[3] = Log(M(w[DayField.DepositAmount]));
        features[4] = h.LastDay(cutoff, PlayerHistory.Active) is { } d ? Math.Min(ChurnFeatures.RecencyCap, today - d) : ChurnFeatures.RecencyCap;
        features[5] = stake > 0 ? (float)(M(w[DayField.BonusStake]) / stake) : 0;
        for (var i = 0; i < Categories.Count; i++)
        {
            features[6 + i] = total > 0 ? (float)(games.Categories.GetValueOrDefault(Categories[i]) / total) : 0;
        }
        return features;
    }
}
