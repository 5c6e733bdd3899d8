using System.Globalization;
using System.Text;
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

    /// <summary>
    /// The same plays as <see cref="Parse(HashEntry[])"/>, in the same order (a game's first field in the hash), read
    /// straight from the reply's bytes: a catalogue game's id is the catalogue's own string, so only games the
    /// catalogue does not know cost a string. <paramref name="index"/> gets each play's catalogue index, -1 if none.
    /// </summary>
    public static List<GameInteraction> Parse(HashEntry[] fields, CatalogModel view, out int[] index)
    {
        var slots = new List<(int Game, string Id, long N, long S, long T)>(fields.Length / 3 + 1);
        var slotOf = new int[view.Games.Length]; // slot + 1, 0 = not seen yet
        Dictionary<string, int>? unknown = null;
        Span<char> buffer = stackalloc char[128];
        foreach (var e in fields)
        {
            ReadOnlyMemory<byte> nameBytes = e.Name;
            var name = nameBytes.Span;
            var colon = name.LastIndexOf((byte)':');
            ReadOnlyMemory<byte> valueBytes = e.Value;
            if (colon <= 0 || !long.TryParse(valueBytes.Span, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v)) continue;
            var idBytes = name[..colon];
            var chars = idBytes.Length <= buffer.Length ? buffer : new char[idBytes.Length];
            var id = chars[..Encoding.UTF8.GetChars(idBytes, chars)];
            var g = view.Find(id);
            int slot;
            if (g >= 0)
            {
                slot = slotOf[g] - 1;
                if (slot < 0)
                {
                    slot = slots.Count;
                    slotOf[g] = slot + 1;
                    slots.Add((g, view.Games[g].Id, 0, 0, 0));
                }
            }
            else
            {
                var text = id.ToString();
                unknown ??= new Dictionary<string, int>(StringComparer.Ordinal);
                if (!unknown.TryGetValue(text, out slot))
                {
                    slot = slots.Count;
                    unknown[text] = slot;
                    slots.Add((-1, text, 0, 0, 0));
                }
            }
            var suffix = name[(colon + 1)..];
            var cur = slots[slot];
            if (suffix.Length == 1)
            {
                switch (suffix[0])
                {
                    case (byte)'n': cur.N = v; break;
                    case (byte)'s': cur.S = v; break;
                    case (byte)'t': cur.T = v; break;
                }
                slots[slot] = cur;
            }
        }
        var plays = new List<GameInteraction>(slots.Count);
        index = new int[slots.Count];
        for (var i = 0; i < slots.Count; i++)
        {
            var (game, id, n, s, t) = slots[i];
            index[i] = game;
            plays.Add(new GameInteraction(id, n, s / 10_000m, t > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(t) : null));
        }
        return plays;
    }
}
