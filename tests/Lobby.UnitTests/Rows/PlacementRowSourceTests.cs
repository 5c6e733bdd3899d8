using Lobby.Catalogue;
using Lobby.Rows;
using Microsoft.Extensions.Logging.Abstractions;
using NSubstitute;
using NSubstitute.ExceptionExtensions;
using Shared.Contracts;
using static Lobby.UnitTests.TestData;

namespace Lobby.UnitTests.Rows;

public sealed class PlacementRowSourceTests
{
    private readonly IPlayerPlacements _placements = Substitute.For<IPlayerPlacements>();
    private readonly IPlayerProfiles _profiles = Substitute.For<IPlayerProfiles>();
    private readonly IGameLibrary _catalog = Substitute.For<IGameLibrary>();

    public PlacementRowSourceTests()
    {
        _profiles.GetProfileAsync("p-1", Arg.Any<CancellationToken>()).Returns(Profile("p-1")); // market MT
        _catalog.AllAsync(Arg.Any<CancellationToken>()).Returns(Catalog(
            Game("g-a", "Alpha"),
            Game("g-b", "Beta"),
            Game("g-off", "Off", enabled: false),
            Game("g-live", "Roulette", "Evolution", "live"),
            Game("g-live2", "Blackjack", "Evolution", "live") with { ReleasedAt = Now },
            Game("g-se", "Only in Sweden") with { Markets = ["SE"] }));
    }

    private PlacementRowSource Source() => new(_placements, _profiles, _catalog, NullLogger<PlacementRowSource>.Instance);

    private static Placement Placement(string id, int priority, string kind, string[]? games = null, string? category = null) =>
        new(id, "seg-1", $"Title {id}", kind, games ?? [], category, priority, Now.AddDays(-1), Now.AddDays(1), "ann", Now, "ann", Now);

    [Fact]
    public async Task ChosenGames_ShowInTheMarketersOrder_LeavingOutDisabledUnknownAndOtherMarketsGames()
    {
        _placements.GetAsync("p-1", Arg.Any<CancellationToken>()).Returns(new PlayerPlacements("p-1",
            [Placement("pl-1", 5, PlacementKinds.Games, ["g-b", "g-off", "g-unknown", "g-se", "g-a", "g-b"])], Now));

        var rows = await Source().GetRowsAsync("p-1", TestContext.Current.CancellationToken);

        var row = Assert.Single(rows);
        Assert.Equal("placement-pl-1", row.List);
        Assert.Equal("Title pl-1", row.Title);
        Assert.Equal(["g-b", "g-a"], row.Items.Select(i => i.GameId));
    }

    [Fact]
    public async Task Category_ShowsItsEnabledGames_NewestFirst_AndPlacementsGoByPriority()
    {
        _placements.GetAsync("p-1", Arg.Any<CancellationToken>()).Returns(new PlayerPlacements("p-1",
            [Placement("low", 1, PlacementKinds.Games, ["g-a"]), Placement("high", 9, PlacementKinds.Category, category: "live")], Now));

        var rows = await Source().GetRowsAsync("p-1", TestContext.Current.CancellationToken);

        Assert.Equal(["placement-high", "placement-low"], rows.Select(r => r.List));
        Assert.Equal([Item("g-live2", "Blackjack", "Evolution", "live"), Item("g-live", "Roulette", "Evolution", "live")], rows[0].Items);
    }

    [Fact]
    public async Task PlacementWithNothingToShow_GivesNoRow()
    {
        _placements.GetAsync("p-1", Arg.Any<CancellationToken>()).Returns(new PlayerPlacements("p-1",
            [Placement("pl-1", 1, PlacementKinds.Games, ["g-off"]), Placement("pl-2", 1, PlacementKinds.Category, category: "bingo")], Now));

        Assert.Empty(await Source().GetRowsAsync("p-1", TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task PlayerWithoutPlacements_CostsNoFurtherCalls()
    {
        _placements.GetAsync("p-1", Arg.Any<CancellationToken>()).Returns(new PlayerPlacements("p-1", [], Now));

        Assert.Empty(await Source().GetRowsAsync("p-1", TestContext.Current.CancellationToken));
        await _profiles.DidNotReceiveWithAnyArgs().GetProfileAsync(default!, TestContext.Current.CancellationToken);
        await _catalog.DidNotReceiveWithAnyArgs().AllAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task IntelligenceDown_MeansNoPlacementRows_NotAnError()
    {
        _placements.GetAsync("p-1", Arg.Any<CancellationToken>()).ThrowsAsync(new HttpRequestException("refused"));

        Assert.Empty(await Source().GetRowsAsync("p-1", TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Lobby_PutsPlacementRowsAboveThePlayersOwn()
    {
        _placements.GetAsync("p-1", Arg.Any<CancellationToken>()).Returns(new PlayerPlacements("p-1", [Placement("pl-1", 1, PlacementKinds.Games, ["g-a"])], Now));
        var recommendations = Substitute.For<IRecommendations>();
        Serve(recommendations, "p-1", list => new RecommendationList("p-1", list, [new RecommendedGame("g-" + list, 1, "Popular")], "recs-1", Now));
        var games = Substitute.For<IGameCatalog>();
        games.FindAsync(Arg.Any<IReadOnlyList<string>>(), Arg.Any<CancellationToken>())
            .Returns(Catalog([.. RecommendationRowSource.Rows.Select(r => Game("g-" + r.List, r.Title))]));
        var own = new RecommendationRowSource(recommendations, games, new ProfileRowSource(_profiles, games, TestData.Clock()), new Microsoft.AspNetCore.Http.HttpContextAccessor(), NullLogger<RecommendationRowSource>.Instance, Substitute.For<Lobby.Experiments.ILobbyExperiment>());

        var rows = await new PlacedRowSource(Source(), own).GetRowsAsync("p-1", TestContext.Current.CancellationToken);

        Assert.Equal("placement-pl-1", rows[0].List);
        Assert.Equal(RecommendationRowSource.Rows.Select(r => r.List), rows.Skip(1).Select(r => r.List));
    }

    [Fact]
    public async Task APlacedGame_IsNotShownAgainInThePlayersOwnRows()
    {
        _placements.GetAsync("p-1", Arg.Any<CancellationToken>()).Returns(new PlayerPlacements("p-1", [Placement("pl-1", 1, PlacementKinds.Games, ["g-a"])], Now));
        var recommendations = Substitute.For<IRecommendations>();
        Serve(recommendations, "p-1", list => list == RecommendationLists.ForYou
            ? new RecommendationList("p-1", list, [new RecommendedGame("g-a", 1, "Popular"), new RecommendedGame("g-b", 0.9, "Popular")], "recs-1", Now)
            : null);
        var games = Substitute.For<IGameCatalog>();
        games.FindAsync(Arg.Any<IReadOnlyList<string>>(), Arg.Any<CancellationToken>()).Returns(Catalog(Game("g-a", "Alpha"), Game("g-b", "Beta")));
        var own = new RecommendationRowSource(recommendations, games, new ProfileRowSource(_profiles, games, TestData.Clock()), new Microsoft.AspNetCore.Http.HttpContextAccessor(), NullLogger<RecommendationRowSource>.Instance, Substitute.For<Lobby.Experiments.ILobbyExperiment>());

        var rows = await new PlacedRowSource(Source(), own).GetRowsAsync("p-1", TestContext.Current.CancellationToken);

        Assert.Equal(["placement-pl-1", RecommendationLists.ForYou], rows.Select(r => r.List));
        Assert.Equal(["g-b"], rows[1].Items.Select(i => i.GameId));
    }
}
