using Bunit;
using Lobby.Components.Pages;
using Lobby.Rows;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using MudBlazor;
using NSubstitute;
using Shared.Contracts;
using static Lobby.UnitTests.TestData;

namespace Lobby.UnitTests.Games;

public sealed class LobbyPageTests : LobbyComponentTest
{
    private static readonly Game Starburst = Game("g-starburst", "Starburst") with { Tags = ["space"] };
    private static readonly Game MegaPot = Game("g-pot", "Mega Moolah", "Games Global") with { Jackpot = true };
    private static readonly Game Roulette = Game("g-roulette", "Lightning Roulette", "Evolution", "live");

    private static IReadOnlyList<LobbyRow> PersonalRows() =>
    [
        new("continue-playing", "Continue playing", [Item("g-starburst", "Starburst")]),
        new("for-you", "Recommended for you", [Item("g-pot", "Mega Moolah", "Games Global")]),
        new("trending", "Trending now", [Item("g-roulette", "Lightning Roulette", "Evolution", "live")]),
        new("new-for-you", "New for you", [Item("g-starburst", "Starburst")]),
    ];

    [Fact]
    public void SignedInPlayer_SeesTheirRows()
    {
        SignIn("p-1");
        RowSource.GetRowsAsync("p-1", Arg.Any<CancellationToken>())
            .Returns([new LobbyRow("continue-playing", "Continue playing", [Item("g-1", "Starburst")])]);

        var cut = Render<LobbyPage>();

        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid='tile-g-1']")));
        Assert.Equal("p-1", cut.Find("[data-testid='player-id']").TextContent.Trim());
    }

    [Fact]
    public void PushedUpdate_ReplacesTheRowsOnScreen()
    {
        SignIn("p-1");
        var cut = Render<LobbyPage>();
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid='lobby-empty']")));

        cut.InvokeAsync(() => Notifier.PublishAsync(new LobbyUpdated("p-1",
            [new LobbyRow("continue-playing", "Continue playing", [Item("g-9", "Gates of Olympus")])], "wallet.bet", Now)));

        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid='tile-g-9']")));
    }

    [Fact]
    public void IntelligenceDown_ShowsAGentleMessage_NotAnError()
    {
        SignIn("p-1");
        RowSource.GetRowsAsync("p-1", Arg.Any<CancellationToken>()).Returns<IReadOnlyList<LobbyRow>>(_ => throw new HttpRequestException("refused"));

        var cut = Render<LobbyPage>();

        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid='lobby-unavailable']")));
    }

    [Fact]
    public void SignedOutVisitorInDevelopment_IsOfferedKnownPlayers()
    {
        Auth.SetNotAuthorized();
        KnownPlayers.SampleAsync(12, Arg.Any<CancellationToken>()).Returns(["p-1", "p-2"]);

        var cut = Render<LobbyPage>();

        cut.WaitForAssertion(() => Assert.Equal("/dev/enter/p-2", cut.Find("[data-testid='known-player-p-2']").GetAttribute("href")));
        Assert.NotNull(cut.Find("[data-testid='player-id-input']"));
    }

    [Fact]
    public void SignedOutVisitorElsewhere_IsSentToTheOperatorsSite()
    {
        Auth.SetNotAuthorized();
        Environment.EnvironmentName.Returns(Environments.Production);

        var cut = Render<LobbyPage>();

        Assert.NotNull(cut.Find("[data-testid='sign-in-operator']"));
        Assert.Empty(cut.FindAll("[data-testid='player-id-input']"));
        KnownPlayers.DidNotReceiveWithAnyArgs().SampleAsync(default, Xunit.TestContext.Current.CancellationToken);
    }

    [Fact]
    public void CategoryRows_FollowThePersonalRows_AndTilesCarryTheirBadges()
    {
        SignIn("p-1");
        Catalogue(Starburst, MegaPot, Roulette);
        HotGames.GetAsync(Arg.Any<CancellationToken>()).Returns(new HashSet<string> { "g-roulette" });
        RowSource.GetRowsAsync("p-1", Arg.Any<CancellationToken>()).Returns(PersonalRows());

        var cut = Render<LobbyPage>();

        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid='row-category-live']")));
        Assert.Equal(["row-continue-playing", "row-for-you", "row-trending", "row-new-for-you", "row-category-slots", "row-category-live"],
            cut.FindAll("section[data-testid^='row-']").Select(s => s.GetAttribute("data-testid")));
        var slots = cut.Find("[data-testid='row-category-slots']");
        Assert.Equal("Slots", slots.QuerySelector("h2")!.TextContent.Trim());
        Assert.NotNull(slots.QuerySelector("[data-testid='tile-g-pot'] [data-testid='badge-jackpot']"));
        Assert.NotNull(cut.Find("[data-testid='row-category-live'] [data-testid='tile-g-roulette'] [data-testid='badge-hot']"));
        Assert.Null(slots.QuerySelector("[data-testid='tile-g-starburst'] .game-badge"));
    }

    [Fact]
    public void Search_ShowsTheMatchingGames_AndSaysSoWhenNothingMatches()
    {
        SignIn("p-1");
        Catalogue(Starburst, MegaPot, Roulette);
        var cut = Render<LobbyPage>();

        cut.Find("input[data-testid='search']").Input("SPACE");

        cut.WaitForAssertion(() => Assert.Equal(["tile-g-starburst"],
            cut.FindAll("[data-testid='row-search'] [data-testid^='tile-']").Select(t => t.GetAttribute("data-testid"))));

        cut.Find("input[data-testid='search']").Input("nothing like this");

        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid='search-empty']")));
    }

    [Fact]
    public void SelfExcludedPlayer_GetsTheNeutralLobby_AMessage_AndNoPromotion()
    {
        SignIn("p-1", SelfExcluded("p-1", Now.AddDays(180)));
        PlayOptions.SaferGamblingUrl = "https://operator.example/safer-gambling";
        Catalogue(Starburst, MegaPot, Roulette);
        HotGames.GetAsync(Arg.Any<CancellationToken>()).Returns(new HashSet<string> { "g-roulette" });
        RowSource.GetRowsAsync("p-1", Arg.Any<CancellationToken>()).Returns(PersonalRows());

        var cut = Render<LobbyPage>();

        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid='safer-gambling']")));
        Assert.Contains("until 22 May 2027", cut.Find("[data-testid='safer-gambling-message']").TextContent, StringComparison.Ordinal);
        Assert.Equal("https://operator.example/safer-gambling", cut.Find("[data-testid='safer-gambling-help']").GetAttribute("href"));
        // Nothing pushes play: no recommendation rows, no badges; the catalogue stays browsable, A to Z.
        Assert.Equal(["row-category-slots", "row-category-live"], cut.FindAll("section[data-testid^='row-']").Select(s => s.GetAttribute("data-testid")));
        Assert.Empty(cut.FindAll(".game-badge"));
        Assert.Equal("true", cut.Find(".lobby").GetAttribute("data-neutral"));
    }

    [Fact]
    public void APlayerWhoSelfExcludesWhileTheLobbyIsOpen_SeesItTurnNeutral()
    {
        SignIn("p-1");
        Catalogue(Starburst);
        RowSource.GetRowsAsync("p-1", Arg.Any<CancellationToken>()).Returns(PersonalRows());
        var cut = Render<LobbyPage>();
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid='row-trending']")));

        Profiles.GetProfileAsync("p-1", Arg.Any<CancellationToken>()).Returns(SelfExcluded("p-1", Now.AddDays(7)));
        cut.InvokeAsync(() => Notifier.PublishAsync(new LobbyUpdated("p-1", PersonalRows(), "player.rg", Now)));

        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid='safer-gambling']")));
        Assert.Empty(cut.FindAll("[data-testid='row-trending']"));
    }

    [Fact]
    public async Task TheLobby_NeverShowsScoresOrTheReasonsBehindThem()
    {
        SignIn("p-1");
        Catalogue(Starburst, MegaPot, Roulette);
        // Real rows from Intelligence-shaped lists: every item carries a score and a reason.
        var recs = Substitute.For<IRecommendations>();
        Serve(recs, "p-1", list => new RecommendationList("p-1", list,
            [new RecommendedGame("g-roulette", 0.8731, "Trending: 3 players in the last 6 hours"), new RecommendedGame("g-pot", 0.4219, "Popular in your country")],
            "recs-1", Now));
        var catalog = Substitute.For<IGameCatalog>();
        catalog.FindAsync(Arg.Any<IReadOnlyList<string>>(), Arg.Any<CancellationToken>()).Returns(Catalog(Starburst, MegaPot, Roulette));
        var source = new RecommendationRowSource(recs, catalog, new ProfileRowSource(Profiles, catalog, TestData.Clock()), new Microsoft.AspNetCore.Http.HttpContextAccessor(), NullLogger<RecommendationRowSource>.Instance, Substitute.For<Lobby.Experiments.ILobbyExperiment>());
        RowSource.GetRowsAsync("p-1", Arg.Any<CancellationToken>()).Returns(ci => source.GetRowsAsync("p-1"));
        Similar.GetAsync("g-roulette", Arg.Any<int>(), Arg.Any<CancellationToken>()).Returns(["g-pot"]);
        var cut = Render(b =>
        {
            b.OpenComponent<MudDialogProvider>(0);
            b.CloseComponent();
            b.OpenComponent<LobbyPage>(1);
            b.CloseComponent();
        });
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid='row-trending']")));
        await cut.Find("[data-testid='row-trending'] [data-testid='tile-g-roulette']").ClickAsync(new());
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid='similar-games'] [data-testid='tile-g-pot']")));

        var text = cut.Markup;
        foreach (var secret in new[] { "0.8731", "0.87", "0.4219", "0.42", "Trending: 3 players", "Popular in your country", "score", "probability", "churn" })
        {
            Assert.DoesNotContain(secret, text, StringComparison.OrdinalIgnoreCase);
        }
    }
}
