using Bunit;
using Lobby.Components.Games;
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
    public void Tile_CanBeReachedWithTheKeyboard()
    {
        var cut = Render<GameTile>(p => p.Add(t => t.Item, Item("g-1", "One")));

        Assert.Equal("0", cut.Find("[data-testid='tile-g-1']").GetAttribute("tabindex"));
    }

    [Fact]
    public void TileOfAGameMissingFromTheCatalogue_ShowsItsId_AndNoProvider()
    {
        var cut = Render<GameTile>(p => p.Add(t => t.Item, Item("g-mystery", "g-mystery", "", "")));

        Assert.Equal("g-mystery, game", cut.Find("img").GetAttribute("alt"));
        Assert.Empty(cut.FindAll(".game-tile__provider"));
    }
}
