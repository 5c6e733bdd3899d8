using Bunit;
using Lobby.Components.Pages;
using Lobby.Play;
using NSubstitute;
using Shared.Contracts;
using static Lobby.UnitTests.TestData;

namespace Lobby.UnitTests.Games;

public sealed class GamePageTests : LobbyComponentTest
{
    private static readonly Game Starburst = Game("g-starburst", "Starburst") with { MinBet = 0.10m, MaxBet = 100m };

    private IRenderedComponent<GamePage> Open(Restriction? restriction = null, bool canPlay = true)
    {
        SignIn("p-1");
        Rounds.OpenAsync("p-1", "g-starburst", Arg.Any<CancellationToken>())
            .Returns(new GameTable(Starburst, "EUR", restriction, Available: true, CanPlay: canPlay));
        return Render<GamePage>(p => p.Add(g => g.GameId, "g-starburst"));
    }

    [Fact]
    public void GameView_OffersStakesWithinTheGamesLimits_AndStartsAtOne()
    {
        var cut = Open();

        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid='play-round']")));
        Assert.Equal("Starburst", cut.Find("[data-testid='game-title']").TextContent.Trim());
        Assert.Equal(["stake-0.10", "stake-0.20", "stake-0.50", "stake-1.00", "stake-100.00"],
            cut.FindAll("[data-testid^='stake-']").Select(b => b.GetAttribute("data-testid")));
        Assert.Equal("true", cut.Find("[data-testid='stake-1.00']").GetAttribute("aria-pressed"));
        Assert.Contains("Between 0.10 EUR and 100.00 EUR", cut.Markup, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("500", "The stake must be between 0.10 EUR and 100.00 EUR; 500.00 EUR is not.")]
    [InlineData("0.05", "The stake must be between 0.10 EUR and 100.00 EUR; 0.05 EUR is not.")]
    public void AStakeOutsideTheLimits_IsExplained_AndCannotBePlayed(string typed, string error)
    {
        var cut = Open();
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid='play-round']")));

        cut.Find("input[data-testid='stake']").Input(typed);

        cut.WaitForAssertion(() => Assert.Contains(error, cut.Find(".game-view__stake").TextContent, StringComparison.Ordinal));
        Assert.True(cut.Find("[data-testid='play-round']").HasAttribute("disabled"));
        Rounds.DidNotReceiveWithAnyArgs().PlayAsync(default!, default!, default, Xunit.TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task PlayingARound_ShowsItsOutcome_WithoutABalance()
    {
        var cut = Open();
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid='play-round']")));
        Rounds.PlayAsync("p-1", "g-starburst", 2.00m, Arg.Any<CancellationToken>())
            .Returns(PlayAttempt.Played(new RoundResult("r-1", "g-starburst", 2.00m, 2.40m, "EUR", Now)),
                PlayAttempt.Played(new RoundResult("r-2", "g-starburst", 2.00m, 0m, "EUR", Now)));
        await cut.Find("[data-testid='stake-0.50']").ClickAsync(new());
        cut.Find("input[data-testid='stake']").Input("2");

        await cut.Find("[data-testid='play-round']").ClickAsync(new());
        cut.WaitForAssertion(() => Assert.Equal("You won 2.40 EUR", cut.Find("[data-testid='round-result']").TextContent.Trim()));
        await cut.Find("[data-testid='play-round']").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Equal("No win", cut.Find("[data-testid='round-result']").TextContent.Trim()));
        Assert.Equal(2, cut.FindAll("[data-testid='round-history'] li").Count);
        Assert.DoesNotContain("balance", cut.Markup, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task AnError_IsShownPlainly()
    {
        var cut = Open();
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid='play-round']")));
        Rounds.PlayAsync("p-1", "g-starburst", Arg.Any<decimal>(), Arg.Any<CancellationToken>())
            .Returns(PlayAttempt.Failed("Your bet was not placed. The game server could not be reached. Please try again in a moment."));

        await cut.Find("[data-testid='play-round']").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Equal("Your bet was not placed. The game server could not be reached. Please try again in a moment.",
            cut.Find("[data-testid='round-error']").TextContent.Trim()));
    }

    [Fact]
    public void ASelfExcludedPlayer_IsToldWhy_AndHasNoWayToBet()
    {
        var cut = Open(new Restriction(MarketingPolicy.SelfExcluded, Now.AddDays(30)));

        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid='play-refused']")));
        Assert.Contains("excluded yourself from gambling until 23 December 2026", cut.Find("[data-testid='safer-gambling-message']").TextContent, StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("[data-testid='play-round']"));
        Assert.Empty(cut.FindAll("[data-testid='stake']"));
    }

    [Fact]
    public async Task APlayerRestrictedAfterTheViewOpened_IsRefusedAtTheNextRound()
    {
        var cut = Open();
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid='play-round']")));
        Rounds.PlayAsync("p-1", "g-starburst", Arg.Any<decimal>(), Arg.Any<CancellationToken>())
            .Returns(PlayAttempt.Refused(new Restriction(MarketingPolicy.CoolingOff, Now.AddHours(24))));

        await cut.Find("[data-testid='play-round']").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid='play-refused']")));
        Assert.Empty(cut.FindAll("[data-testid='play-round']"));
    }

    [Fact]
    public void WithoutAnIngestionKey_TheViewSaysPlayingIsNotSetUp()
    {
        var cut = Open(canPlay: false);

        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid='play-not-set-up']")));
        Assert.Empty(cut.FindAll("[data-testid='play-round']"));
    }

    [Fact]
    public void BeforeTheCircuitIsUp_PlayIsDisabled()
    {
        SetRendererInfo(new Microsoft.AspNetCore.Components.RendererInfo("Static", isInteractive: false));

        var cut = Open();

        cut.WaitForAssertion(() => Assert.True(cut.Find("[data-testid='play-round']").HasAttribute("disabled")));
        Assert.Equal("false", cut.Find("[data-testid='game-view']").GetAttribute("data-interactive"));
    }
}
