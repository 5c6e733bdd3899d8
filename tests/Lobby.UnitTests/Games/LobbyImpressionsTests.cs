using Bunit;
using Lobby.Components.Pages;
using NSubstitute;
using Shared.Contracts;
using static Lobby.UnitTests.TestData;

namespace Lobby.UnitTests.Games;

/// <summary>The lobby page reports the rows it shows (once each) as impressions, asking the player's group first.</summary>
public sealed class LobbyImpressionsTests : LobbyComponentTest
{
    [Fact]
    public void TheRowsOnScreen_AreQueuedOnce_AndAPushOfTheSameRowsAddsNone_ButAChangedRowDoes()
    {
        SignIn("p-1");
        Experiment.GroupAsync("p-1", Arg.Any<CancellationToken>()).Returns(ExperimentGroups.Control);
        RowSource.GetRowsAsync("p-1", Arg.Any<CancellationToken>()).Returns(
        [
            new LobbyRow("continue-playing", "Continue playing", [Item("g-1", "Starburst")]),
            new LobbyRow("popular-in-market", "Popular in your country", [Item("g-2", "Book of Dead"), Item("g-3", "Sweet Bonanza")]),
        ]);

        var cut = Render<LobbyPage>();

        cut.WaitForAssertion(() => Assert.Equal(2, Impressions.Waiting));
        Experiment.Received().GroupAsync("p-1", Arg.Any<CancellationToken>());

        cut.InvokeAsync(() => Notifier.PublishAsync(new LobbyUpdated("p-1",
        [
            new LobbyRow("continue-playing", "Continue playing", [Item("g-1", "Starburst")]),
            new LobbyRow("popular-in-market", "Popular in your country", [Item("g-2", "Book of Dead"), Item("g-3", "Sweet Bonanza")]),
        ], "wallet.bet", Now)));
        cut.InvokeAsync(() => Notifier.PublishAsync(new LobbyUpdated("p-1",
        [
            new LobbyRow("continue-playing", "Continue playing", [Item("g-3", "Sweet Bonanza"), Item("g-1", "Starburst")]),
            new LobbyRow("popular-in-market", "Popular in your country", [Item("g-2", "Book of Dead"), Item("g-3", "Sweet Bonanza")]),
        ], "wallet.bet", Now)));

        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid='tile-g-3']")));
        cut.WaitForAssertion(() => Assert.Equal(3, Impressions.Waiting));
    }
}
