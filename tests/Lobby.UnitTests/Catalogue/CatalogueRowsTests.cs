using Lobby.Catalogue;
using Shared.Contracts;
using static Lobby.UnitTests.TestData;

namespace Lobby.UnitTests.Catalogue;

public sealed class CatalogueRowsTests
{
    private static readonly Dictionary<string, Game> Games = Catalog(
        Game("g-starburst", "Starburst", "NetEnt") with { Tags = ["space", "gems"] },
        Game("g-book", "Book of Dead", "Play'n GO") with { Tags = ["egypt"] },
        Game("g-gonzo", "Gonzo's Quest", "NetEnt"),
        Game("g-lightning", "Lightning Roulette", "Evolution", "live"),
        Game("g-aviator", "Aviator", "Spribe", "crash"),
        Game("g-off", "Disabled Slot", enabled: false),
        Game("g-soon", "Coming Soon") with { ReleasedAt = Now.AddDays(3) },
        Game("g-uk", "Britannia", "NetEnt") with { Markets = ["GB"] },
        Game("g-eclair", "Éclair Fortune", "Pragmatic Play"));

    [Fact]
    public void CategoryRows_FollowTheLobbyOrder_WithGamesAToZ_AndOnlyGamesThePlayerMayBeOffered()
    {
        var rows = CatalogueRows.ByCategory(Games, "MT", Now, rowLength: 24);

        Assert.Equal(["category-slots", "category-live", "category-crash"], rows.Select(r => r.List));
        Assert.Equal(["Slots", "Live casino", "Crash games"], rows.Select(r => r.Title));
        // Disabled, not yet released and other markets' games are left out.
        Assert.Equal(["Book of Dead", "Éclair Fortune", "Gonzo's Quest", "Starburst"], rows[0].Items.Select(i => i.Title));
    }

    [Fact]
    public void CategoryRows_IncludeGamesOfThePlayersMarket_AndStopAtTheRowLength()
    {
        var rows = CatalogueRows.ByCategory(Games, "GB", Now, rowLength: 2);

        Assert.Equal(["Book of Dead", "Britannia"], rows[0].Items.Select(i => i.Title));
    }

    [Fact]
    public void Search_PutsTitlesStartingWithTheQueryFirst_ThenTitleWords_ThenOtherMatches()
    {
        var net = CatalogueRows.Search(Games, "netent", "MT", Now, limit: 10);
        Assert.Equal(["g-gonzo", "g-starburst"], net.Select(h => h.GameId));

        var book = CatalogueRows.Search(Games, "de", "MT", Now, limit: 10);
        // "Book of Dead" has a word starting with "de"; nothing starts with it.
        Assert.Equal("g-book", book[0].GameId);
    }

    [Fact]
    public void Search_MatchesTagsAndCategories_IgnoresCaseAndAccents_AndNeedsEveryWord()
    {
        Assert.Equal(["g-starburst"], CatalogueRows.Search(Games, "SPACE", "MT", Now, 10).Select(h => h.GameId));
        Assert.Equal(["g-eclair"], CatalogueRows.Search(Games, "eclair", "MT", Now, 10).Select(h => h.GameId));
        Assert.Equal(["g-lightning"], CatalogueRows.Search(Games, "live casino", "MT", Now, 10).Select(h => h.GameId));
        Assert.Equal(["g-book"], CatalogueRows.Search(Games, "egypt play", "MT", Now, 10).Select(h => h.GameId));
        Assert.Empty(CatalogueRows.Search(Games, "egypt netent", "MT", Now, 10));
    }

    [Fact]
    public void Search_WithAnEmptyQuery_FindsNothing_AndNeverOffersUnavailableGames()
    {
        Assert.Empty(CatalogueRows.Search(Games, "   ", "MT", Now, 10));
        Assert.Empty(CatalogueRows.Search(Games, "Disabled", "MT", Now, 10));
        Assert.Empty(CatalogueRows.Search(Games, "Coming", "MT", Now, 10));
        Assert.Empty(CatalogueRows.Search(Games, "Britannia", "MT", Now, 10));
        Assert.Single(CatalogueRows.Search(Games, "Britannia", "GB", Now, 10));
    }

    [Theory]
    [InlineData("Éclair Fortune", "eclair fortune")]
    [InlineData("ŻÓŁW Ærø Ñandú", "zolw æro nandu")]
    [InlineData("", "")]
    public void Fold_LowersAndDropsAccents(string text, string folded) => Assert.Equal(folded, CatalogueRows.Fold(text));
}
