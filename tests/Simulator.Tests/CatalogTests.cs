using Shared.Contracts;
using Simulator.Catalog;

namespace Simulator.Tests;

/// <summary>The demo catalogue reads like a real lobby: no two games share a title.</summary>
public sealed class CatalogTests
{
    private static readonly DateTimeOffset End = new(2026, 12, 6, 0, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(42)]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(2026)]
    public void EveryTitle_IsUnique(int seed)
    {
        var games = CatalogGenerator.Generate(seed, End);
        var repeated = games.GroupBy(g => g.Title, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1).Select(g => $"{g.Key} ×{g.Count()}").ToList();
        Assert.True(repeated.Count == 0, $"seed {seed}: repeated titles {string.Join(", ", repeated)}");
        // Renamed from each category's own words, not numbered like sequels ("Lotto 90 2").
        Assert.DoesNotContain(games, g => g.Category != "live" && System.Text.RegularExpressions.Regex.IsMatch(g.Title, " [0-9]+ [0-9]+$|[a-z] [2-9]$"));
        Assert.Equal(games.Count, games.Select(g => g.Id).Distinct().Count());
    }

    [Fact]
    public void ARepeatedTitle_IsReplacedByAnotherOfItsCategory_AndNothingElseChanges()
    {
        static Game Game(string id, string title, string category) =>
            new(id, title, "Redfox Gaming", category, ["classic"], 97m, "low", 0.1m, 100m, false, ["*"], End, true);
        var games = new List<Game>
        {
            Game("g-a", "American Roulette", "table"), Game("g-b", "American Roulette", "table"), Game("g-c", "Book of Riches", "slots"),
            Game("g-d", "Book of Riches", "slots"), Game("g-e", "Lotto 90", "bingo"),
        };

        var unique = CatalogGenerator.UniqueTitles([.. games]);

        Assert.Equal(games.Select(g => g.Id), unique.Select(g => g.Id));
        Assert.Equal(["American Roulette", "Book of Riches", "Lotto 90"], [unique[0].Title, unique[2].Title, unique[4].Title]);
        Assert.Equal(5, unique.Select(g => g.Title).Distinct().Count());
        // Renamed in the words of their own category, and only the title changed.
        Assert.Matches("(Roulette|Blackjack|Baccarat|Poker|Hold'em|Red Dog)$", unique[1].Title);
        Assert.Equal(games[1] with { Title = unique[1].Title }, unique[1]);
        Assert.Equal(games[3] with { Title = unique[3].Title }, unique[3]);
    }
}
