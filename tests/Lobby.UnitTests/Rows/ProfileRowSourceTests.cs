using Lobby.Rows;
using NSubstitute;
using Shared.Contracts;
using static Lobby.UnitTests.TestData;

namespace Lobby.UnitTests.Rows;

public sealed class ProfileRowSourceTests
{
    private static readonly string[] GamesPlayed = ["g-a", "g-b"];

    private readonly IPlayerProfiles _profiles = Substitute.For<IPlayerProfiles>();
    private readonly IGameCatalog _catalog = Substitute.For<IGameCatalog>();

    [Fact]
    public async Task UnknownPlayer_HasNoRows()
    {
        _profiles.GetProfileAsync("p-x", Arg.Any<CancellationToken>()).Returns((PlayerProfile?)null);

        var rows = await new ProfileRowSource(_profiles, _catalog, TestData.Clock()).GetRowsAsync("p-x", TestContext.Current.CancellationToken);

        Assert.Empty(rows);
        await _catalog.DidNotReceiveWithAnyArgs().FindAsync(default!, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task PlayerWithPlays_GetsContinuePlaying_JoinedWithTheGamesTheyPlayed()
    {
        _profiles.GetProfileAsync("p-1", Arg.Any<CancellationToken>())
            .Returns(Profile("p-1", Played("g-a", Now), Played("g-b", Now.AddDays(-1))));
        _catalog.FindAsync(Arg.Any<IReadOnlyList<string>>(), Arg.Any<CancellationToken>())
            .Returns(Catalog(Game("g-a", "Alpha")));

        var rows = await new ProfileRowSource(_profiles, _catalog, TestData.Clock()).GetRowsAsync("p-1", TestContext.Current.CancellationToken);

        var row = Assert.Single(rows);
        Assert.Equal(["Alpha", "g-b"], row.Items.Select(i => i.Title));
        await _catalog.Received(1).FindAsync(
            Arg.Is<IReadOnlyList<string>>(ids => ids.Order().SequenceEqual(GamesPlayed)), Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task PlayerWhoNeverPlayed_HasNoRows()
    {
        _profiles.GetProfileAsync("p-2", Arg.Any<CancellationToken>()).Returns(Profile("p-2"));
        _catalog.FindAsync(Arg.Any<IReadOnlyList<string>>(), Arg.Any<CancellationToken>()).Returns(Catalog());

        Assert.Empty(await new ProfileRowSource(_profiles, _catalog, TestData.Clock()).GetRowsAsync("p-2", TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task ASelfExcludedPlayer_HasNoRows_AsIntelligenceGivesNone()
    {
        var profile = Profile("p-3", Played("g-a", Now));
        _profiles.GetProfileAsync("p-3", Arg.Any<CancellationToken>())
            .Returns(profile with { Rg = profile.Rg with { SelfExcludedUntil = Now.AddDays(1) } });
        _catalog.FindAsync(Arg.Any<IReadOnlyList<string>>(), Arg.Any<CancellationToken>()).Returns(Catalog(Game("g-a", "Alpha")));

        Assert.Empty(await new ProfileRowSource(_profiles, _catalog, TestData.Clock()).GetRowsAsync("p-3", TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task OnceTheSelfExclusionHasEnded_ContinuePlayingIsBack()
    {
        var profile = Profile("p-4", Played("g-a", Now.AddDays(-40)));
        _profiles.GetProfileAsync("p-4", Arg.Any<CancellationToken>())
            .Returns(profile with { Rg = profile.Rg with { SelfExcludedUntil = Now.AddSeconds(-1) } });
        _catalog.FindAsync(Arg.Any<IReadOnlyList<string>>(), Arg.Any<CancellationToken>()).Returns(Catalog(Game("g-a", "Alpha")));

        var row = Assert.Single(await new ProfileRowSource(_profiles, _catalog, TestData.Clock()).GetRowsAsync("p-4", TestContext.Current.CancellationToken));
        Assert.Equal(["g-a"], row.Items.Select(i => i.GameId));
    }
}
