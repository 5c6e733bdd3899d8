using Shared.Contracts;

namespace Lobby.Rows;

/// <summary>
/// The rows above the catalogue's category rows (placements, then the player's own), made distinct so the first screen
/// never repeats itself. A row that would show the same games in the same order as a row above it is left out (a new
/// player's "Popular with players like you" is often their "Recommended for you"); every other row loses the games a
/// row above it already shows and fills up from further down its list; a row left with no game is not shown. Pure: no I/O.
/// </summary>
public static class FirstView
{
    /// <param name="rows">Best first, each with the games it could show (more than it shows, so it can fill up).</param>
    /// <param name="length">How many games a row shows.</param>
    public static IReadOnlyList<LobbyRow> Distinct(IReadOnlyList<LobbyRow> rows, Func<LobbyRow, int> length)
    {
        var shown = new HashSet<string>(StringComparer.Ordinal);
        var above = new List<string[]>(rows.Count);
        var distinct = new List<LobbyRow>(rows.Count);
        foreach (var row in rows)
        {
            var limit = length(row);
            var wouldShow = row.Items.Take(limit).Select(i => i.GameId).ToArray();
            var sameAsAbove = above.Any(a => a.AsSpan().SequenceEqual(wouldShow));
            above.Add(wouldShow);
            if (sameAsAbove) continue;
            var items = row.Items.Where(i => !shown.Contains(i.GameId)).DistinctBy(i => i.GameId, StringComparer.Ordinal).Take(limit).ToList();
            if (items.Count == 0) continue;
            shown.UnionWith(items.Select(i => i.GameId));
            distinct.Add(row with { Items = items });
        }
        return distinct;
    }
}
