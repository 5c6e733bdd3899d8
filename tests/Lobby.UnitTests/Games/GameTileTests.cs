using Bunit;
using Lobby.Catalogue;
using Lobby.Components.Games;
using Shared.Contracts;
using static Lobby.UnitTests.TestData;

namespace Lobby.UnitTests.Games;

public sealed class GameTileTests : ComponentTest
{
    [Fact]
    public void Tile_ShowsTitleAndProvider_UnderItsTestId()
    {
        var cut = Render<GameTile>(p => p.Add(t => t.Item, Item("g-starburst", "Starburst", "NetEnt")));

        var tile = cut.Find("[data-testid='tile-g-starburst']");
        Assert.Contains("Starburst", tile.TextContent, StringComparison.Ordinal);
        Assert.Contains("NetEnt", tile.TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Tile_ArtIsAGeneratedPicture_WithAltTextNamingTheGame()
    {
        var cut = Render<GameTile>(p => p.Add(t => t.Item, Item("g-starburst", "Starburst", "NetEnt", "slots")));

        var img = cut.Find("img");
        Assert.Equal("Starburst, slots game by NetEnt", img.GetAttribute("alt"));
        Assert.StartsWith("data:image/svg+xml;base64,", img.GetAttribute("src"), StringComparison.Ordinal);
    }

    [Fact]
    public void Tile_IsAButton_SoTabReachesIt_AndEnterOpensTheGame()
    {
        LobbyItem? opened = null;
        var actions = new TileActions(GameBadges.None, item => { opened = item; return Task.CompletedTask; });
        var cut = Render<GameTile>(p => p.Add(t => t.Item, Item("g-1", "One")).AddCascadingValue(actions));

        var tile = cut.Find("[data-testid='tile-g-1']");
        Assert.Equal("BUTTON", tile.TagName);
        Assert.Equal("button", tile.GetAttribute("type"));
        Assert.Equal("One by NetEnt", tile.GetAttribute("aria-label"));
        tile.Click();
        Assert.Equal("g-1", opened?.GameId);
    }

    [Fact]
    public void Tile_ShowsItsBadges_AndSaysThemToScreenReaders()
    {
        var games = Catalog(Game("g-pot", "Mega Pot") with { Jackpot = true, ReleasedAt = Now.AddDays(-2) });
        var actions = new TileActions(new GameBadges(games, new HashSet<string> { "g-pot" }, Now, 30), _ => Task.CompletedTask);

        var cut = Render<GameTile>(p => p.Add(t => t.Item, Item("g-pot", "Mega Pot")).AddCascadingValue(actions));

        Assert.Equal(["Jackpot", "Hot", "New"], cut.FindAll(".game-badge").Select(b => b.TextContent));
        Assert.NotNull(cut.Find("[data-testid='badge-jackpot']"));
        Assert.Equal("Mega Pot by NetEnt (Jackpot, Hot, New)", cut.Find("button").GetAttribute("aria-label"));
    }

    [Fact]
    public void Tile_WithoutBadges_ShowsNone()
    {
        var games = Catalog(Game("g-old", "Old Classic"));
        var actions = new TileActions(new GameBadges(games, new HashSet<string>(), Now, 30), _ => Task.CompletedTask);

        var cut = Render<GameTile>(p => p.Add(t => t.Item, Item("g-old", "Old Classic")).AddCascadingValue(actions));

        Assert.Empty(cut.FindAll(".game-badge"));
    }

    [Fact]
    public void TileOfAGameMissingFromTheCatalogue_ShowsItsId_AndNoProvider()
    {
        var cut = Render<GameTile>(p => p.Add(t => t.Item, Item("g-mystery", "g-mystery", "", "")));

        Assert.Equal("g-mystery, game", cut.Find("img").GetAttribute("alt"));
        Assert.Empty(cut.FindAll(".game-tile__provider"));
    }
}
