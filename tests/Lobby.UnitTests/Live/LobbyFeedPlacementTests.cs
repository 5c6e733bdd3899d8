using System.Diagnostics.Metrics;
using Lobby.Live;
using Lobby.Rows;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NSubstitute;
using Shared.Contracts;
using Shared.Store;
using StackExchange.Redis;

namespace Lobby.UnitTests.Live;

/// <summary>The feed's answers to segment membership and placement changes: the rows of whom it rebuilds, and why.</summary>
public sealed class LobbyFeedPlacementTests : IDisposable
{
    private readonly ILobbyRowSource _rows = Substitute.For<ILobbyRowSource>();
    private readonly LobbyNotifier _notifier = new(NullLogger<LobbyNotifier>.Instance);
    private readonly HubViewers _hubViewers = new();
    private readonly IHubContext<LobbyHub, ILobbyClient> _hub = Substitute.For<IHubContext<LobbyHub, ILobbyClient>>();
    private readonly ServiceProvider _metricsServices = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly List<LobbyUpdated> _pushed = [];
    private readonly LobbyFeed _feed;

    public LobbyFeedPlacementTests()
    {
        _rows.GetRowsAsync(Arg.Any<string>(), Arg.Any<CancellationToken>()).Returns([]);
        _hub.Clients.User(Arg.Any<string>()).Returns(Substitute.For<ILobbyClient>());
        _feed = new LobbyFeed(
            Substitute.For<IConnectionMultiplexer>(), new StoreKeys(), _rows, _notifier, _hubViewers, _hub,
            Options.Create(new LobbyOptions { Coalesce = TimeSpan.FromMilliseconds(10) }), TimeProvider.System,
            new LobbyMetrics(_metricsServices.GetRequiredService<IMeterFactory>()), NullLogger<LobbyFeed>.Instance);
    }

    private IDisposable Watch(string playerId) => _notifier.Subscribe(playerId, u => { lock (_pushed) _pushed.Add(u); return Task.CompletedTask; });

    [Theory]
    [InlineData("p-1|seg-9|entered", LobbyFeed.MembershipEnteredReason)]
    [InlineData("p-1|seg-9|exited", LobbyFeed.MembershipExitedReason)]
    public async Task PlayerWhoEntersOrLeavesASegment_IsRebuilt(string message, string reason)
    {
        using var page = Watch("p-1");

        await _feed.ObserveMembership(message, CancellationToken.None)!;

        Assert.Equal(reason, Assert.Single(_pushed).Reason);
    }

    [Fact]
    public async Task PlayerIdWithABar_IsReadFromTheRight()
    {
        using var page = Watch("p|odd");

        await _feed.ObserveMembership("p|odd|seg-9|entered", CancellationToken.None)!;

        Assert.Equal("p|odd", Assert.Single(_pushed).PlayerId);
    }

    [Theory]
    [InlineData("p-2|seg-9|entered")]
    [InlineData("p-1|seg-9|joined")]
    [InlineData("p-1|entered")]
    [InlineData("garbage")]
    public void MembershipOfAnUnwatchedPlayer_OrAMalformedMessage_IsIgnored(string message)
    {
        using var page = Watch("p-1");

        Assert.Null(_feed.ObserveMembership(message, CancellationToken.None));
    }

    [Fact]
    public async Task PlacementChange_RebuildsEveryPlayerWatchedHere_PageOrHub_Once()
    {
        using var page1 = Watch("p-1");
        using var page1Again = Watch("p-1");
        _hubViewers.Enter("p-2");

        await _feed.ObservePlacements("seg-9", CancellationToken.None)!;

        await _rows.Received(1).GetRowsAsync("p-1", Arg.Any<CancellationToken>());
        await _rows.Received(1).GetRowsAsync("p-2", Arg.Any<CancellationToken>());
        await _hub.Clients.User("p-2").Received(1).LobbyUpdated(Arg.Is<LobbyUpdated>(u => u.Reason == LobbyFeed.PlacementsChangedReason));
        Assert.All(_pushed, u => Assert.Equal(LobbyFeed.PlacementsChangedReason, u.Reason));
    }

    [Fact]
    public void PlacementChange_WithNobodyWatching_DoesNothing()
    {
        Assert.Null(_feed.ObservePlacements("seg-9", CancellationToken.None));
    }

    public void Dispose()
    {
        _feed.Dispose();
        _metricsServices.Dispose();
    }
}
