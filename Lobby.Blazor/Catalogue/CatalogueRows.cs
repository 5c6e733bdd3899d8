using System.Globalization;
using Shared.Contracts;

namespace Lobby.Catalogue;

/// <summary>Rows and search over the whole catalogue, limited to what a player may be offered. Pure: no I/O.</summary>
public static class CatalogueRows
{
    public const string CategoryListPrefix = "category-";
    public const string SearchList = "search";

    /// <summary>Category rows in the order a lobby shows them, with the words a player knows them by.</summary>
    public static readonly IReadOnlyList<(string Category, string Title)> Categories =
    [
        ("slots", "Slots"),
        ("live", "Live casino"),
        ("table", "Table games"),
        ("crash", "Crash games"),
        ("instant", "Instant wins"),
        ("bingo", "Bingo"),
    ];


    /// <summary>Enabled, released, and available in the player's market (games for every market are <c>*</c>).</summary>
    public static bool Offerable(Game game, string? market, DateTimeOffset now) =>
        game.Enabled && game.ReleasedAt <= now
        && (game.Markets.Contains("*") || (market is not null && game.Markets.Contains(market, StringComparer.OrdinalIgnoreCase)));

    public static string CategoryTitle(string category) =>
        Categories.FirstOrDefault(c => c.Category == category).Title ?? CultureInfo.InvariantCulture.TextInfo.ToTitleCase(category);

    /// <summary>One row per category that has games for the player, A to Z within a row.</summary>
    public static IReadOnlyList<LobbyRow> ByCategory(IReadOnlyDictionary<string, Game> games, string? market, DateTimeOffset now, int rowLength)
    {
        var offered = games.Values.Where(g => Offerable(g, market, now)).ToList();
        var rows = new List<LobbyRow>(Categories.Count);
        foreach (var (category, title) in Categories)
        {
            var items = offered.Where(g => g.Category == category)
                .OrderBy(g => Fold(g.Title), StringComparer.Ordinal).ThenBy(g => g.Id, StringComparer.Ordinal)
                .Take(rowLength).Select(ToItem).ToList();
            if (items.Count > 0) rows.Add(new LobbyRow(CategoryListPrefix + category, title, items));
        }
        return rows;
    }

    /// <summary>
    /// Games whose title, provider, category or tags contain every word of the query (ignoring case and accents):
    /// titles that start with the query first, then titles with a word starting with it, then the rest, each A to Z.
    /// </summary>
    public static IReadOnlyList<LobbyItem> Search(IReadOnlyDictionary<string, Game> games, string? query, string? market, DateTimeOffset now, int limit)
    {
        var words = Fold(query ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (words.Length == 0) return [];
        var phrase = string.Join(' ', words);
        return games.Values
            .Where(g => Offerable(g, market, now))
            .Select(g => (Game: g, Rank: Rank(g, phrase, words)))
            .Where(m => m.Rank >= 0)
            .OrderBy(m => m.Rank).ThenBy(m => Fold(m.Game.Title), StringComparer.Ordinal).ThenBy(m => m.Game.Id, StringComparer.Ordinal)
            .Take(limit)
            .Select(m => ToItem(m.Game))
            .ToList();
    }

    public static LobbyItem ToItem(Game game) => new(game.Id, game.Title, game.Provider, game.Category);

    /// <summary>0 title starts with the query, 1 a title word does, 2 any other match; -1 when a word matches nothing.</summary>
    private static int Rank(Game game, string phrase, string[] words)
    {
        var title = Fold(game.Title);
        foreach (var word in words)
        {
            var found = title.Contains(word, StringComparison.Ordinal) || Fold(game.Provider).Contains(word, StringComparison.Ordinal)
                || Fold(game.Category).Contains(word, StringComparison.Ordinal) || Fold(CategoryTitle(game.Category)).Contains(word, StringComparison.Ordinal)
                || game.Tags.Any(t => Fold(t).Contains(word, StringComparison.Ordinal));
            if (!found) return -1;
        }
        if (title.StartsWith(phrase, StringComparison.Ordinal)) return 0;
        return title.Split(' ', StringSplitOptions.RemoveEmptyEntries).Any(w => w.StartsWith(words[0], StringComparison.Ordinal)) ? 1 : 2;
    }

    private const string Accented = "àáâãäåāăąçćčďèéêëēėęěìíîïīįłñńňòóôõöøōőŕřśšşťţùúûüūůűųýÿźżž";
    private const string Plain = "aaaaaaaaacccdeeeeeeeeiiiiiilnnnoooooooorrsssttuuuuuuuuyyzzz";

    /// <summary>
    /// Lower case without accents ("Éclair" → "eclair"), so a player finds a game however they type it. By table: the
    /// services run with invariant globalization, where neither culture-aware comparison nor normalisation drops accents.
    /// </summary>
    internal static string Fold(string? text)
    {
        if (string.IsNullOrEmpty(text)) return "";
        return string.Create(text.Length, text, static (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                var c = char.ToLowerInvariant(source[i]);
                var at = c < 'à' ? -1 : Accented.IndexOf(c, StringComparison.Ordinal);
                span[i] = at < 0 ? c : Plain[at];
            }
        });
    }
}
