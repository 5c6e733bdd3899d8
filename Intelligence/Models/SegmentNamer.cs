using Intelligence.Features;

namespace Intelligence.Models;

/// <summary>
/// Names a segment from its centroid the way a marketer would describe the players in it: stake level against the
/// whole population, the game category that takes most of their stake, and how often they come.
/// </summary>
public static class SegmentNamer
{
    private static readonly Dictionary<string, string> CategoryWords = new()
    {
        ["slots"] = "slots", ["live"] = "live casino", ["table"] = "table games",
        ["crash"] = "crash games", ["instant"] = "instant games", ["bingo"] = "bingo",
    };

    public static string[] Name(IReadOnlyList<float[]> centroids, IReadOnlyList<float[]> population)
    {
        var set = SegmentFeatures.Set;
        int F(string name) => set.IndexOf(name);
        var stakes = population.Where(r => r[F("activeDays90")] > 0).Select(r => r[F("averageStake")]).Order().ToArray();
        float Quantile(double q) => stakes.Length == 0 ? 0 : stakes[Math.Clamp((int)(q * (stakes.Length - 1)), 0, stakes.Length - 1)];
        var (low, high) = (Quantile(0.4), Quantile(0.85));
        var names = new string[centroids.Count];
        for (var c = 0; c < centroids.Count; c++)
        {
            var x = centroids[c];
            var stake = x[F("averageStake")] >= high ? "High-stake" : x[F("averageStake")] <= low ? "Low-stake" : "Mid-stake";
            var shares = SegmentFeatures.Categories.Select(cat => (cat, share: x[F("share." + cat)])).OrderByDescending(s => s.share).ToList();
            var games = shares[0].share >= 0.5f ? CategoryWords[shares[0].cat]
                : shares[0].share + shares[1].share >= 0.7f ? $"{CategoryWords[shares[0].cat]} and {CategoryWords[shares[1].cat]}"
                : shares[0].share > 0 ? "mixed games" : "non-playing";
            var who = x[F("daysSinceLastActive")] > 45 ? "lapsed players"
                : x[F("activeDays90")] >= 25 ? "regulars"
                : "occasional players";
            var bonus = x[F("bonusShare")] >= 0.3f ? "bonus-driven " : "";
            names[c] = games == "non-playing" ? $"Registered, {(who == "lapsed players" ? "lapsed" : "not yet playing")}" : $"{stake} {bonus}{games} {who}";
        }
        // Two clusters can read alike; tell them apart by money in.
        foreach (var group in Enumerable.Range(0, names.Length).GroupBy(i => names[i]).Where(g => g.Count() > 1))
        {
            var ordered = group.OrderByDescending(i => centroids[i][F("depositAmount90")]).ToList();
            for (var r = 0; r < ordered.Count; r++)
            {
                names[ordered[r]] += r == 0 ? " (higher deposits)" : r == ordered.Count - 1 ? " (lower deposits)" : $" (deposit tier {r + 1})";
            }
        }
        return names;
    }
}
