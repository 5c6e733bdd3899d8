using Lobby.Rows;
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
        recs.GetAsync("p-1", Arg.Any<string>(), Arg.Any<int>(), Arg.Any<CancellationToken>())
            .Returns(ci => (string)ci[1] switch
            {
                RecommendationLists.ForYou => List(RecommendationLists.ForYou, ("g-b", "Popular in your country"), ("g-off", "x")),
                RecommendationLists.BecauseYouPlayed => List(RecommendationLists.BecauseYouPlayed, ("g-c", "Because you played Book of Ra")),
                RecommendationLists.ContinuePlaying => List(RecommendationLists.ContinuePlaying, ("g-a", "You played this 5 minutes ago")),
                string l => List(l),
            });
        var catalog = Substitute.For<IGameCatalog>();
        catalog.FindAsync(Arg.Any<IReadOnlyList<string>>(), Arg.Any<CancellationToken>())
            .Returns(Catalog(Game("g-a", "Alpha"), Game("g-b", "Beta"), Game("g-c", "Gamma"), Game("g-off", "Off", enabled: false)));
        var source = new RecommendationRowSource(recs, catalog, new ProfileRowSource(Substitute.For<IPlayerProfiles>(), catalog), NullLogger<RecommendationRowSource>.Instance);

        var rows = await source.GetRowsAsync("p-1", TestContext.Current.CancellationToken);

        Assert.Equal(["continue-playing", "for-you", "because-you-played"], rows.Select(r => r.List));
        Assert.Equal(["Continue playing", "Recommended for you", "Because you played Book of Ra"], rows.Select(r => r.Title));
        // A disabled game is never offered, whatever a list says.
        Assert.Equal([Item("g-b", "Beta")], rows[1].Items);
    }

    [Fact]
    public async Task WhenIntelligenceCannotAnswer_TheProfileRowsAreShown()
    {
        var recs = Substitute.For<IRecommendations>();
        recs.GetAsync(Arg.Any<string>(), Arg.Any<string>(), Arg.Any<int>(), Arg.Any<CancellationToken>()).ThrowsAsync(new HttpRequestException("down"));
        var profiles = Substitute.For<IPlayerProfiles>();
        profiles.GetProfileAsync("p-1", Arg.Any<CancellationToken>()).Returns(Profile("p-1", Played("g-a", Now)));
        var catalog = Substitute.For<IGameCatalog>();
        catalog.FindAsync(Arg.Any<IReadOnlyList<string>>(), Arg.Any<CancellationToken>()).Returns(Catalog(Game("g-a", "Alpha")));
        var source = new RecommendationRowSource(recs, catalog, new ProfileRowSource(profiles, catalog), NullLogger<RecommendationRowSource>.Instance);

        var rows = await source.GetRowsAsync("p-1", TestContext.Current.CancellationToken);

        Assert.Equal([RowBuilder.ContinuePlayingList], rows.Select(r => r.List));
    }
}
