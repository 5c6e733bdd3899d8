using Bunit;
using Lobby.Components.Games;
using Shared.Contracts;
using static Lobby.UnitTests.TestData;

namespace Lobby.UnitTests.Games;

public sealed class GameRowTests : ComponentTest
{
    [Fact]
    public void Row_ShowsItsTitle_AndItsTilesInOrder()
    {
        var row = new LobbyRow("continue-playing", "Continue playing",
            [Item("g-b", "Book of Dead", "Play'n GO"), Item("g-a", "Aviator", "Spribe", "crash")]);

        var cut = Render<GameRow>(p => p.Add(r => r.Row, row));

        var section = cut.Find("[data-testid='row-continue-playing']");
        Assert.Equal("Continue playing", section.QuerySelector("h2")!.TextContent.Trim());
        Assert.Equal(["tile-g-b", "tile-g-a"], cut.FindAll("[data-testid^='tile-']").Select(t => t.GetAttribute("data-testid")));
        Assert.Equal(["Book of Dead, slots game by Play'n GO", "Aviator, crash game by Spribe"], cut.FindAll("img").Select(i => i.GetAttribute("alt")));
    }

    [Fact]
    public void RowWithoutGames_SaysSo()
    {
        var cut = Render<GameRow>(p => p.Add(r => r.Row, new LobbyRow("trending", "Trending", [])));

        Assert.NotNull(cut.Find("[data-testid='row-trending-empty']"));
        Assert.Empty(cut.FindAll("[data-testid^='tile-']"));
    }
}

public sealed class LobbyRowsTests : ComponentTest
{
    [Fact]
    public void LobbyWithoutRows_ShowsTheEmptyState()
    {
        var cut = Render<LobbyRows>(p => p.Add(r => r.Rows, []));

        Assert.NotNull(cut.Find("[data-testid='lobby-empty']"));
    }

    [Fact]
    public void RowsWithoutGames_AreLeftOut()
    {
        IReadOnlyList<LobbyRow> rows =
        [
            new("trending", "Trending", []),
            new("continue-playing", "Continue playing", [Item("g-1", "One")]),
        ];

        var cut = Render<LobbyRows>(p => p.Add(r => r.Rows, rows));

        Assert.Equal(["row-continue-playing"], cut.FindAll("section[data-testid]").Select(s => s.GetAttribute("data-testid")));
        Assert.Empty(cut.FindAll("[data-testid='lobby-empty']"));
    }
}
