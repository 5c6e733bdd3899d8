using System.Globalization;
using Intelligence.Recommendations.Model;
using StackExchange.Redis;

namespace Intelligence.Recommendations;

/// <summary>Decodes a player's per-game hash (<c>g:{pid}</c>: <c>{gameId}:n</c> rounds, <c>:s</c> stake units, <c>:t</c> last played, unix ms).</summary>
public static class GamePlays
{
    public static List<GameInteraction> Parse(HashEntry[] fields)
    {
        var byGame = new Dictionary<string, (long N, long S, long T)>(StringComparer.Ordinal);
        foreach (var e in fields)
        {
            var name = e.Name.ToString();
            var colon = name.LastIndexOf(':');
            if (colon <= 0 || !long.TryParse(e.Value.ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v)) continue;
            var id = name[..colon];
            var cur = byGame.GetValueOrDefault(id);
            byGame[id] = name[(colon + 1)..] switch
            {
                "n" => cur with { N = v },
                "s" => cur with { S = v },
                "t" => cur with { T = v },
                _ => cur,
            };
        }
        var plays = new List<GameInteraction>(byGame.Count);
        foreach (var (id, (n, s, t)) in byGame)
        {
            plays.Add(new GameInteraction(id, n, s / 10_000m, t > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(t) : null));
        }
        return plays;
    }
}
