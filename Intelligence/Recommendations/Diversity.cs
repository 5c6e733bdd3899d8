namespace Intelligence.Recommendations;

/// <summary>
/// Keeps one provider from crowding a row: at most <c>maxPerTen</c> games of one provider in any ten consecutive items.
/// Greedy by score: a game that would break the rule waits until the window has moved on, and takes its place as soon
/// as it fits, so the order stays as close to the scores as the rule allows. A game that never fits is left out.
/// </summary>
public static class Diversity
{
    public const int Window = 10;

    public static List<int> Arrange(IEnumerable<int> ranked, Func<int, string> provider, int maxPerTen, int limit)
    {
        var result = new List<int>(Math.Min(limit, 64));
        var waiting = new List<int>();
        bool Fits(int g)
        {
            var p = provider(g);
            var count = 0;
            for (var i = Math.Max(0, result.Count - (Window - 1)); i < result.Count; i++)
            {
                if (string.Equals(provider(result[i]), p, StringComparison.Ordinal)) count++;
            }
            return count < maxPerTen;
        }
        bool PlaceWaiting()
        {
            for (var i = 0; i < waiting.Count; i++)
            {
                if (!Fits(waiting[i])) continue;
                result.Add(waiting[i]);
                waiting.RemoveAt(i);
                return true;
            }
            return false;
        }
        foreach (var g in ranked)
        {
            while (result.Count < limit && PlaceWaiting())
            {
            }
            if (result.Count >= limit) break;
            if (Fits(g)) result.Add(g);
            else waiting.Add(g);
        }
        while (result.Count < limit && PlaceWaiting())
        {
        }
        return result;
    }

    /// <summary>True when no ten consecutive items hold more than <paramref name="maxPerTen"/> of one provider.</summary>
    public static bool Holds(IReadOnlyList<string> providers, int maxPerTen)
    {
        for (var start = 0; start < Math.Max(1, providers.Count - Window + 1); start++)
        {
            var window = providers.Skip(start).Take(Window);
            if (window.GroupBy(p => p, StringComparer.Ordinal).Any(g => g.Count() > maxPerTen)) return false;
        }
        return true;
    }
}
