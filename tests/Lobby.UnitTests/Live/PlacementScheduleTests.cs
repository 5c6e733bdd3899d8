using System.Diagnostics.Metrics;
using Lobby.Live;
using Lobby.Rows;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using NSubstitute;
using Shared.Contracts;
using Shared.Store;
using StackExchange.Redis;
using static Lobby.UnitTests.TestData;

namespace Lobby.UnitTests.Live;

public sealed class PlacementScheduleTests : IDisposable
{
    private readonly FakeTimeProvider _clock = new(Now);
    private readonly ILobbyRowSource _rows = Substitute.For<ILobbyRowSource>();
    private readonly IPlacementList _placements = Substitute.For<IPlacementList>();
    private readonly LobbyNotifier _notifier = new(NullLogger<LobbyNotifier>.Instance);
    private readonly ServiceProvider _metricsServices = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly LobbyFeed _feed;
    private readonly PlacementSchedule _schedule;

    public PlacementScheduleTests()
    {
        _rows.GetRowsAsync(Arg.Any<string>(), Arg.Any<CancellationToken>()).Returns([]);
        _feed = new LobbyFeed(
            Substitute.For<IConnectionMultiplexer>(), new StoreKeys(), _rows, _notifier, new HubViewers(), Substitute.For<IHubContext<LobbyHub, ILobbyClient>>(),
            Options.Create(new LobbyOptions { Coalesce = TimeSpan.Zero }), _clock,
            new LobbyMetrics(_metricsServices.GetRequiredService<IMeterFactory>()), NullLogger<LobbyFeed>.Instance);
        _schedule = new PlacementSchedule(_placements, _feed, Substitute.For<IConnectionMultiplexer>(), new StoreKeys(), _clock, NullLogger<PlacementSchedule>.Instance);
    }

    private static Placement Placement(DateTimeOffset startsAt, DateTimeOffset endsAt) =>
        new("plc-1", "sgm-1", "Picks", PlacementKinds.Games, ["g-1"], null, 1, startsAt, endsAt, "ann", Now, "ann", Now);

    [Fact]
    public void NextBoundary_IsTheSoonestStartOrEndToCome()
    {
        Assert.Equal(Now.AddHours(1), PlacementSchedule.NextBoundary([Placement(Now.AddHours(-1), Now.AddHours(2)), Placement(Now.AddHours(1), Now.AddHours(3))], Now));
        Assert.Null(PlacementSchedule.NextBoundary([Placement(Now.AddHours(-2), Now.AddHours(-1))], Now));
        Assert.Null(PlacementSchedule.NextBoundary([], Now));
    }

    [Fact]
    public async Task WhenAPlacementStarts_WatchedLobbiesAreRebuilt()
    {
        _placements.ListAsync(Arg.Any<CancellationToken>()).Returns([Placement(Now.AddMinutes(10), Now.AddDays(1))]);
        var pushed = new List<LobbyUpdated>();
        using var page = _notifier.Subscribe("p-1", u => { pushed.Add(u); return Task.CompletedTask; });

        var step = _schedule.StepAsync(CancellationToken.None);
        _clock.Advance(TimeSpan.FromMinutes(10));
        Assert.False(step.IsCompleted, "rebuilt before the slack had passed");
        _clock.Advance(PlacementSchedule.Slack);

        var rebuild = await step.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        await rebuild!;
        Assert.Equal("p-1", Assert.Single(pushed).PlayerId);
    }

    [Fact]
    public async Task ChangeBeforeTheBoundary_RereadsInsteadOfRebuilding()
    {
        _placements.ListAsync(Arg.Any<CancellationToken>()).Returns([Placement(Now.AddMinutes(10), Now.AddDays(1))]);
        using var page = _notifier.Subscribe("p-1", _ => Task.CompletedTask);

        var step = _schedule.StepAsync(CancellationToken.None);
        _schedule.Changed();

        Assert.Null(await step.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        await _rows.DidNotReceiveWithAnyArgs().GetRowsAsync(default!, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task IntelligenceDown_IsTriedAgainAfterTheRecheck()
    {
        _placements.ListAsync(Arg.Any<CancellationToken>()).Returns<IReadOnlyList<Placement>>(_ => throw new HttpRequestException("refused"));

        var step = _schedule.StepAsync(CancellationToken.None);
        _clock.Advance(PlacementSchedule.Recheck);

        Assert.Null(await step.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
    }

    public void Dispose()
    {
        _schedule.Dispose();
        _feed.Dispose();
        _metricsServices.Dispose();
    }
}
