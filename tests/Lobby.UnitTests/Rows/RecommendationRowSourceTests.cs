using System.Net;
using System.Text;
using Lobby.Rows;
using Lobby.Upstream;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using NSubstitute;
using NSubstitute.ExceptionExtensions;
using Shared.Contracts;
using static Lobby.UnitTests.TestData;

namespace Lobby.UnitTests.Rows;

public sealed class RecommendationRowSourceTests
{
    private static RecommendationList List(string list, params (string Game, string Reason)[] items) =>
        new("p-1", list, [.. items.Select(i => new RecommendedGame(i.Game, 1, i.Reason))], "recs-1", Now);

    [Fact]
    public async Task Rows_FollowTheLobbyOrder_NameTheGameBehindBecauseYouPlayed_AndLeaveOutEmptyLists()
    {
        var recs = Substitute.For<IRecommendations>();
        Serve(recs, "p-1", list => list switch
        {
            RecommendationLists.ForYou => List(RecommendationLists.ForYou, ("g-b", "Popular in your country"), ("g-off", "x")),
            RecommendationLists.BecauseYouPlayed => List(RecommendationLists.BecauseYouPlayed, ("g-c", "Because you played Book of Ra")),
            RecommendationLists.ContinuePlaying => List(RecommendationLists.ContinuePlaying, ("g-a", "You played this 5 minutes ago")),
            string l => List(l),
        });
        var catalog = Substitute.For<IGameCatalog>();
        catalog.FindAsync(Arg.Any<IReadOnlyList<string>>(), Arg.Any<CancellationToken>())
            .Returns(Catalog(Game("g-a", "Alpha"), Game("g-b", "Beta"), Game("g-c", "Gamma"), Game("g-off", "Off", enabled: false)));
        var source = new RecommendationRowSource(recs, catalog, new ProfileRowSource(Substitute.For<IPlayerProfiles>(), catalog, TestData.Clock()), new HttpContextAccessor(), NullLogger<RecommendationRowSource>.Instance, Substitute.For<Lobby.Experiments.ILobbyExperiment>());

        var rows = await source.GetRowsAsync("p-1", TestContext.Current.CancellationToken);

        Assert.Equal(["continue-playing", "for-you", "because-you-played"], rows.Select(r => r.List));
        Assert.Equal(["Continue playing", "Recommended for you", "Because you played Book of Ra"], rows.Select(r => r.Title));
        // A disabled game is never offered, whatever a list says.
        Assert.Equal([Item("g-b", "Beta")], rows[1].Items);
    }

    [Theory]
    [InlineData(ExperimentGroups.Control, new[] { "continue-playing", "popular-in-market" })]
    [InlineData(ExperimentGroups.Treatment, new[] { "continue-playing", "for-you", "because-you-played", "popular-in-segment", "new-for-you", "trending" })]
    [InlineData(ExperimentGroups.Excluded, new[] { "continue-playing", "for-you", "because-you-played", "popular-in-segment", "new-for-you", "trending" })]
    public async Task TheLobbyExperimentsControlGroup_SeesItsOwnGamesAndWhatIsPopularInItsMarket_NothingChosenForIt(string group, string[] lists)
    {
        var recs = Substitute.For<IRecommendations>();
        Serve(recs, "p-1", list => List(list, ("g-" + list, "x")));
        var catalog = Substitute.For<IGameCatalog>();
        catalog.FindAsync(Arg.Any<IReadOnlyList<string>>(), Arg.Any<CancellationToken>())
            .Returns(Catalog([.. RecommendationRowSource.Rows.Concat(RecommendationRowSource.ControlRows).DistinctBy(r => r.List).Select(r => Game("g-" + r.List, r.Title))]));
        var experiment = Substitute.For<Lobby.Experiments.ILobbyExperiment>();
        experiment.GroupAsync("p-1", Arg.Any<CancellationToken>()).Returns(group);
        var source = new RecommendationRowSource(recs, catalog, new ProfileRowSource(Substitute.For<IPlayerProfiles>(), catalog, TestData.Clock()), new HttpContextAccessor(), NullLogger<RecommendationRowSource>.Instance, experiment);

        var rows = await source.GetRowsAsync("p-1", TestContext.Current.CancellationToken);

        Assert.Equal(lists, rows.Select(r => r.List));
        await recs.Received(1).GetListsAsync("p-1", Arg.Is<IReadOnlyList<string>>(l => l.SequenceEqual(lists)), Arg.Any<int>(), Arg.Any<string?>(), Arg.Any<CancellationToken>());
    }

    public static TheoryData<string> Unavailabilities => ["refused", "timed out", "circuit open", "cancelled by the client"];

    private static Exception Unavailability(string kind) => kind switch
    {
        "refused" => new HttpRequestException("down"),
        // What the standard resilience handler throws: not HttpRequestExceptions.
        "timed out" => new Polly.Timeout.TimeoutRejectedException("attempt timed out"),
        "circuit open" => new Polly.CircuitBreaker.BrokenCircuitException("open"),
        _ => new TaskCanceledException("HttpClient.Timeout"),
    };

    [Theory]
    [MemberData(nameof(Unavailabilities))]
    public async Task WhenIntelligenceCannotAnswer_TheProfileRowsAreShown(string kind)
    {
        var recs = Substitute.For<IRecommendations>();
        recs.GetListsAsync(Arg.Any<string>(), Arg.Any<IReadOnlyList<string>>(), Arg.Any<int>(), Arg.Any<string?>(), Arg.Any<CancellationToken>()).ThrowsAsync(Unavailability(kind));
        var profiles = Substitute.For<IPlayerProfiles>();
        profiles.GetProfileAsync("p-1", Arg.Any<CancellationToken>()).Returns(Profile("p-1", Played("g-a", Now)));
        var catalog = Substitute.For<IGameCatalog>();
        catalog.FindAsync(Arg.Any<IReadOnlyList<string>>(), Arg.Any<CancellationToken>()).Returns(Catalog(Game("g-a", "Alpha")));
        var source = new RecommendationRowSource(recs, catalog, new ProfileRowSource(profiles, catalog, TestData.Clock()), new HttpContextAccessor(), NullLogger<RecommendationRowSource>.Instance, Substitute.For<Lobby.Experiments.ILobbyExperiment>());

        var rows = await source.GetRowsAsync("p-1", TestContext.Current.CancellationToken);

        Assert.Equal([RowBuilder.ContinuePlayingList], rows.Select(r => r.List));
    }

    [Fact]
    public async Task WhenTheCallerGivesUp_NoFallbackIsBuilt_TheCancellationGoesThrough()
    {
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        var recs = Substitute.For<IRecommendations>();
        recs.GetListsAsync(Arg.Any<string>(), Arg.Any<IReadOnlyList<string>>(), Arg.Any<int>(), Arg.Any<string?>(), Arg.Any<CancellationToken>()).ThrowsAsync(new TaskCanceledException());
        var profiles = Substitute.For<IPlayerProfiles>();
        var catalog = Substitute.For<IGameCatalog>();
        var source = new RecommendationRowSource(recs, catalog, new ProfileRowSource(profiles, catalog, TestData.Clock()), new HttpContextAccessor(), NullLogger<RecommendationRowSource>.Instance, Substitute.For<Lobby.Experiments.ILobbyExperiment>());

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => source.GetRowsAsync("p-1", cts.Token));
        await profiles.DidNotReceiveWithAnyArgs().GetProfileAsync(default!, default);
    }

    private const string IPhone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1";
    private const string AndroidPhone = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36";
    private const string IPad = "Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1";
    private const string AndroidTablet = "Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36";
    private const string Windows = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36";

    [Theory]
    [InlineData(IPhone, "mobile")]
    [InlineData(AndroidPhone, "mobile")]
    [InlineData(IPad, "tablet")]
    [InlineData(AndroidTablet, "tablet")]
    [InlineData(Windows, "desktop")]
    [InlineData("", null)]
    [InlineData(null, null)]
    public void TheDevice_IsReadFromTheUserAgent(string? userAgent, string? device) =>
        Assert.Equal(device, RecommendationRowSource.DeviceOf(userAgent));

    [Theory]
    [InlineData(IPhone, "mobile")]
    [InlineData(IPad, "tablet")]
    [InlineData(Windows, "desktop")]
    [InlineData(null, null)]
    public async Task EveryListIsAskedFor_InOneCall_OnTheDeviceOfTheRequestsUserAgent(string? userAgent, string? device)
    {
        var recs = Substitute.For<IRecommendations>();
        recs.GetListsAsync(default!, default!, default, default, TestContext.Current.CancellationToken).ReturnsForAnyArgs((IReadOnlyList<RecommendationList>?)null);
        var context = new DefaultHttpContext();
        if (userAgent is not null) context.Request.Headers.UserAgent = userAgent;
        var catalog = Substitute.For<IGameCatalog>();
        var source = new RecommendationRowSource(recs, catalog, new ProfileRowSource(Substitute.For<IPlayerProfiles>(), catalog, TestData.Clock()),
            new HttpContextAccessor { HttpContext = context }, NullLogger<RecommendationRowSource>.Instance, Substitute.For<Lobby.Experiments.ILobbyExperiment>());

        await source.GetRowsAsync("p-1", TestContext.Current.CancellationToken);

        await recs.Received(1).GetListsAsync("p-1", Arg.Is<IReadOnlyList<string>>(l => l.SequenceEqual(RecommendationRowSource.Rows.Select(r => r.List))),
            RecommendationRowSource.ListLength, device, Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task WithoutARequestAtHand_NoDeviceIsSent_SoIntelligenceUsesTheProfiles()
    {
        var recs = Substitute.For<IRecommendations>();
        var catalog = Substitute.For<IGameCatalog>();
        var source = new RecommendationRowSource(recs, catalog, new ProfileRowSource(Substitute.For<IPlayerProfiles>(), catalog, TestData.Clock()),
            new HttpContextAccessor(), NullLogger<RecommendationRowSource>.Instance, Substitute.For<Lobby.Experiments.ILobbyExperiment>());

        await source.GetRowsAsync("p-1", TestContext.Current.CancellationToken);

        await recs.Received(1).GetListsAsync("p-1", Arg.Any<IReadOnlyList<string>>(), Arg.Any<int>(), Arg.Is<string?>(d => d == null), Arg.Any<CancellationToken>());
    }

    [Theory]
    [InlineData("mobile", "v1/players/p%201/recommendations/lists?lists=continue-playing,for-you&limit=12&device=mobile")]
    [InlineData(null, "v1/players/p%201/recommendations/lists?lists=continue-playing,for-you&limit=12")]
    public async Task TheIntelligenceClient_PassesTheDeviceAsAQueryParameter(string? device, string expected)
    {
        var handler = new Recording();
        var factory = Substitute.For<IHttpClientFactory>();
        factory.CreateClient(ServiceCalls.Intelligence).Returns(_ => new HttpClient(handler) { BaseAddress = new Uri("http://intelligence/") });

        await new IntelligenceRecommendations(factory).GetListsAsync("p 1", [RecommendationLists.ContinuePlaying, RecommendationLists.ForYou], 12, device, TestContext.Current.CancellationToken);

        Assert.Equal("http://intelligence/" + expected, handler.Uri?.AbsoluteUri);
    }

    private sealed class Recording : HttpMessageHandler
    {
        public Uri? Uri { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Uri = request.RequestUri;
            var body = """{"playerId":"p 1","list":"for-you","items":[],"modelVersion":"v","generatedAt":"2026-11-24T00:00:00Z"}""";
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(body, Encoding.UTF8, "application/json") });
        }
    }
}
