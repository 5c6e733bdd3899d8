using Intelligence.Features;

namespace Intelligence.Models;

/// <summary>
/// Names a segment the way a marketer would describe the players in it: stake level against the whole population, the
/// game category that takes most of their stake, how often they come, and whether bonuses drive them. Every word is
/// true of a clear majority (<see cref="Majority"/>) of the segment's members, not just of its centroid: a centroid is
/// an average, and the average of players active today and players gone for months reads "lapsed" for none of them.
/// A word that holds for too few members is left out ("mixed games", "players").
/// </summary>
public static class SegmentNamer
{
    /// <summary>The share of a segment's members a word of its name must be true of.</summary>
    public const double Majority = 0.6;

    /// <summary>Stake quantiles of the players active in the last 90 days: low at or below the first, high at or above the second.</summary>
    public const double LowStakeQuantile = 0.4, HighStakeQuantile = 0.85;

    /// <summary>No play for more than this many days makes a player lapsed; this many active days in 90 a regular.</summary>
    public const float LapsedAfterDays = 45, RegularActiveDays = 25;

    /// <summary>
    /// A category that takes at least <see cref="MainCategoryShare"/> of a player's stake is their main one; two that take
    /// <see cref="PairShare"/> together are their pair; bonus stake at least <see cref="BonusDrivenShare"/> makes them bonus-driven.
    /// </summary>
    public const float MainCategoryShare = 0.5f, PairShare = 0.7f, BonusDrivenShare = 0.3f;

    private static readonly Dictionary<string, string> CategoryWords = new()
    {
        ["slots"] = "slots", ["live"] = "live casino", ["table"] = "table games",
        ["crash"] = "crash games", ["instant"] = "instant games", ["bingo"] = "bingo",
    };

    private static int F(string name) => SegmentFeatures.Set.IndexOf(name);

    /// <summary>The stake thresholds (in the feature's log units) that make a player low- or high-stake in this population.</summary>
    public static (float Low, float High) StakeBands(IReadOnlyList<float[]> population)
    {
        var stakes = population.Where(r => r[F("activeDays90")] > 0).Select(r => r[F("averageStake")]).Order().ToArray();
        float Quantile(double q) => stakes.Length == 0 ? 0 : stakes[Math.Clamp((int)(q * (stakes.Length - 1)), 0, stakes.Length - 1)];
        return (Quantile(LowStakeQuantile), Quantile(HighStakeQuantile));
    }

    /// <summary>
    /// The segment each row belongs to: its nearest centroid, with every feature in standard deviations of the
    /// population, as KMeans over the standardised features assigns it.
    /// </summary>
    public static int[] Members(IReadOnlyList<float[]> centroids, IReadOnlyList<float[]> population)
    {
        var spread = population.Count == 0 ? new double[SegmentFeatures.Set.Count] : SegmentModel.StandardDeviations(population);
        return [.. population.Select(row => Enumerable.Range(0, centroids.Count).MinBy(c => SegmentModel.Distance(row, centroids[c], spread)))];
    }

    public static string[] Name(IReadOnlyList<float[]> centroids, IReadOnlyList<float[]> population)
    {
        var bands = StakeBands(population);
        var members = Members(centroids, population);
        var names = new string[centroids.Count];
        for (var c = 0; c < centroids.Count; c++)
        {
            var rows = population.Where((_, i) => members[i] == c).ToList();
            names[c] = Describe(rows.Count > 0 ? rows : [centroids[c]], bands);
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

    /// <summary>The name of a group of players (rows of <see cref="SegmentFeatures"/>), each word true of a majority of them.</summary>
    public static string Describe(IReadOnlyList<float[]> rows, (float Low, float High) bands)
    {
        bool Most(IEnumerable<float[]> of, Func<float[], bool> test)
        {
            var list = of as IReadOnlyCollection<float[]> ?? [.. of];
            return list.Count > 0 && list.Count(test) >= Majority * list.Count;
        }

        var playing = rows.Where(Played).ToList();
        if (!Most(rows, Played))
        {
            return Most(rows, Lapsed) ? "Registered, lapsed" : Most(rows, r => !Lapsed(r)) ? "Registered, not yet playing" : "Registered, mostly not playing";
        }

        // Stake is read over the players who bet in the last 90 days: a lapsed player's window has no stake at all.
        var betting = playing.Where(r => r[F("activeDays90")] > 0).ToList();
        var stake = betting.Count < Majority * playing.Count ? ""
            : Most(betting, r => r[F("averageStake")] >= bands.High) ? "High-stake "
            : Most(betting, r => r[F("averageStake")] <= bands.Low) ? "Low-stake "
            : Most(betting, r => r[F("averageStake")] > bands.Low && r[F("averageStake")] < bands.High) ? "Mid-stake "
            : "";

        var categories = SegmentFeatures.Categories;
        float Share(float[] r, string category) => r[F("share." + category)];
        // One category taking at least half of most members' stake; else two taking most of it together; else a mix.
        var single = categories.Where(c => Most(playing, r => Share(r, c) >= MainCategoryShare)).OrderByDescending(c => playing.Sum(r => Share(r, c))).FirstOrDefault();
        var pair = single is not null ? null : categories.SelectMany((a, i) => categories.Skip(i + 1).Select(b => (a, b)))
            .Where(p => Most(playing, r => Share(r, p.a) + Share(r, p.b) >= PairShare))
            .OrderByDescending(p => playing.Sum(r => Share(r, p.a) + Share(r, p.b)))
            .Select(p => playing.Sum(r => Share(r, p.a)) >= playing.Sum(r => Share(r, p.b)) ? p : (p.b, p.a))
            .Cast<(string First, string Second)?>().FirstOrDefault();
        var games = single is not null ? CategoryWords[single]
            : pair is { } two ? $"{CategoryWords[two.First]} and {CategoryWords[two.Second]}"
            : "mixed games";

        var who = Most(playing, Lapsed) ? "lapsed players"
            : Most(playing, r => !Lapsed(r) && r[F("activeDays90")] >= RegularActiveDays) ? "regulars"
            : Most(playing, r => !Lapsed(r) && r[F("activeDays90")] < RegularActiveDays) ? "occasional players"
            : Most(playing, r => !Lapsed(r)) ? "active players"
            : "players";
        var bonus = Most(playing, r => r[F("bonusShare")] >= BonusDrivenShare) ? "bonus-driven " : "";
        var name = $"{stake}{bonus}{games} {who}";
        return char.ToUpperInvariant(name[0]) + name[1..];
    }

    /// <summary>Has a game mix: played at least once.</summary>
    public static bool Played(float[] row) => SegmentFeatures.Categories.Any(c => row[F("share." + c)] > 0);

    public static bool Lapsed(float[] row) => row[F("daysSinceLastActive")] > LapsedAfterDays;

}
