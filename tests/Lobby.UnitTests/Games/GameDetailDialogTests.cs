using Bunit;
using Lobby.Catalogue;
using Lobby.Components.Games;
using Lobby.Play;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using NSubstitute;
using NSubstitute.ExceptionExtensions;
using Shared.Contracts;
using static Lobby.UnitTests.TestData;

namespace Lobby.UnitTests.Games;

public sealed class GameDetailDialogTests : LobbyComponentTest
{
    private static readonly Game Book = Game("g-book", "Book of Dead", "Play'n GO") with { Rtp = 96.21m, Volatility = "high", MinBet = 0.10m, MaxBet = 250m, Jackpot = true };

    private async Task<IRenderedComponent<MudDialogProvider>> OpenAsync(string gameId, Restriction? restriction = null, GameBadges? badges = null, string? market = "MT")
    {
        var provider = Render<MudDialogProvider>();
        var parameters = new DialogParameters<GameDetailDialog>
        {
            { d => d.GameId, gameId },
            { d => d.Market, market },
            { d => d.BadgeSet, badges ?? GameBadges.None },
            { d => d.Restriction, restriction },
        };
        await provider.InvokeAsync(() => Services.GetRequiredService<IDialogService>().ShowAsync<GameDetailDialog>("Game", parameters));
        return provider;
    }

    [Fact]
    public async Task Dialog_ShowsTheGamesFacts_AndItsSimilarGames_MostAlikeFirst_OnlyThoseOffered()
    {
        Catalogue(Book, Game("g-legacy", "Legacy of Dead", "Play'n GO"), Game("g-rise", "Rise of Merlin", "Play'n GO"),
            Game("g-gb", "British Only") with { Markets = ["GB"] });
        Similar.GetAsync("g-book", Arg.Any<int>(), Arg.Any<CancellationToken>()).Returns(["g-rise", "g-gb", "g-legacy", "g-unknown"]);

        var cut = await OpenAsync("g-book", badges: new GameBadges(Catalog(Book), new HashSet<string>(), Now, 30));

        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid='similar-games'] [data-testid='tile-g-rise']")));
        Assert.Equal("Book of Dead", cut.Find("[data-testid='game-detail-title']").TextContent.Trim());
        Assert.Equal("Play'n GO", cut.Find("[data-testid='game-detail-provider']").TextContent.Trim());
        var facts = cut.Find("[data-testid='game-detail-facts']").TextContent;
        Assert.Contains("Slots", facts, StringComparison.Ordinal);
        Assert.Contains("High: rarer, bigger wins", facts, StringComparison.Ordinal);
        Assert.Contains("96.21%", facts, StringComparison.Ordinal);
        Assert.Contains("0.10 to 250.00", facts, StringComparison.Ordinal);
        Assert.NotNull(cut.Find(".game-detail [data-testid='badge-jackpot']"));
        Assert.Equal("Book of Dead by Play'n GO", cut.Find(".game-detail__art").GetAttribute("alt"));
        Assert.Equal(["tile-g-rise", "tile-g-legacy"],
            cut.FindAll("[data-testid='similar-games'] [data-testid^='tile-']").Select(t => t.GetAttribute("data-testid")));
    }

    [Fact]
    public async Task ASimilarGame_OpensInTheSameDialog_AndPlayOpensTheGameView()
    {
        Catalogue(Book, Game("g-legacy", "Legacy of Dead", "Play'n GO"));
        Similar.GetAsync("g-book", Arg.Any<int>(), Arg.Any<CancellationToken>()).Returns(["g-legacy"]);
        Similar.GetAsync("g-legacy", Arg.Any<int>(), Arg.Any<CancellationToken>()).Returns(["g-book"]);
        var cut = await OpenAsync("g-book");
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid='tile-g-legacy']")));

        await cut.Find("[data-testid='tile-g-legacy']").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Equal("Legacy of Dead", cut.Find("[data-testid='game-detail-title']").TextContent.Trim()));
        await cut.Find("[data-testid='game-detail-play']").ClickAsync(new());
        Assert.EndsWith("/play/g-legacy", Services.GetRequiredService<NavigationManager>().Uri, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WhenIntelligenceCannotAnswer_TheDialogStillShowsTheGame_AndSaysSimilarGamesAreUnavailable()
    {
        Catalogue(Book);
        Similar.GetAsync("g-book", Arg.Any<int>(), Arg.Any<CancellationToken>()).ThrowsAsync(new HttpRequestException("down"));

        var cut = await OpenAsync("g-book");

        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid='similar-unavailable']")));
        Assert.NotNull(cut.Find("[data-testid='game-detail-play']"));
    }

    [Fact]
    public async Task ARestrictedPlayer_IsNotOfferedPlay()
    {
        Catalogue(Book);
        Similar.GetAsync("g-book", Arg.Any<int>(), Arg.Any<CancellationToken>()).Returns([]);

        var cut = await OpenAsync("g-book", new Restriction(MarketingPolicy.CoolingOff, Now.AddDays(1)));

        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid='game-detail-refusal']")));
        Assert.Empty(cut.FindAll("[data-testid='game-detail-play']"));
    }
}
