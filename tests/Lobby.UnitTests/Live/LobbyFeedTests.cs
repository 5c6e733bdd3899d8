using Lobby.Live;
using Lobby.Rows;
using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NSubstitute;
using Shared.Contracts;
using Shared.Store;
using StackExchange.Redis;
using static Lobby.UnitTests.TestData;

namespace Lobby.UnitTests.Live;

public sealed class LobbyFeedTests : IDisposable
{
    private readonly ILobbyRowSource _rows = Substitute.For<ILobbyRowSource>();
    private readonly LobbyNotifier _notifier = new(NullLogger<LobbyNotifier>.Instance);
    private readonly HubViewers _hubViewers = new();
    private readonly IHubContext<LobbyHub, ILobbyClient> _hub = Substitute.For<IHubContext<LobbyHub, ILobbyClient>>();
    private readonly ILobbyClient _player1Client = Substitute.For<ILobbyClient>();
    private readonly ServiceProvider _metricsServices = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly LobbyFeed _feed;

    public LobbyFeedTests()
    {
        _rows.GetRowsAsync("p-1", Arg.Any<CancellationToken>())
            .Returns([new LobbyRow("continue-playing", "Continue playing", [Item("g-1", "One")])]);
        _hub.Clients.User("p-1").Returns(_player1Client);
        _feed = new LobbyFeed(
            Substitute.For<IConnectionMultiplexer>(), new StoreKeys(), _rows, _notifier, _hubViewers, _hub,
            Options.Create(new LobbyOptions { Coalesce = TimeSpan.FromMilliseconds(30) }), TimeProvider.System,
            new LobbyMetrics(_metricsServices.GetRequiredService<IMeterFactory>()), NullLogger<LobbyFeed>.Instance);
    }

    [Fact]
    public async Task BurstOfChangesForOnePlayer_IsRebuiltOnce()
    {
        var pushed = new List<LobbyUpdated>();
        using var page = _notifier.Subscribe("p-1", u => { pushed.Add(u); return Task.CompletedTask; });

        var rebuild = _feed.Observe("p-1|wallet.bet|g-1", CancellationToken.None);
        var second = _feed.Observe("p-1|wallet.win|g-1", CancellationToken.None);
        var third = _feed.Observe("p-1|wallet.bet|g-1", CancellationToken.None);
        await rebuild!;

        Assert.Null(second);
        Assert.Null(third);
        await _rows.Received(1).GetRowsAsync("p-1", Arg.Any<CancellationToken>());
        var update = Assert.Single(pushed);
        Assert.Equal("p-1", update.PlayerId);
        Assert.Equal("wallet.bet", update.Reason);
        Assert.Equal("g-1", update.Rows.Single().Items.Single().GameId);
    }

    [Fact]
    public async Task ChangeAfterARebuild_StartsAnother()
    {
        using var page = _notifier.Subscribe("p-1", _ => Task.CompletedTask);

        await _feed.Observe("p-1|wallet.bet|g-1", CancellationToken.None)!;
        await _feed.Observe("p-1|wallet.bet|g-1", CancellationToken.None)!;

        await _rows.Received(2).GetRowsAsync("p-1", Arg.Any<CancellationToken>());
    }

    [Fact]
    public void ChangeOfAPlayerNobodyWatchesHere_IsIgnored()
    {
        Assert.Null(_feed.Observe("p-1|wallet.bet|g-1", CancellationToken.None));
        Assert.Null(_feed.Observe("garbage", CancellationToken.None));
    }

    [Fact]
    public async Task PlayerWithAHubConnection_IsSentTheUpdateByUserId()
    {
        _hubViewers.Enter("p-1");

        await _feed.Observe("p-1|game.session|g-1", CancellationToken.None)!;

        await _player1Client.Received(1).LobbyUpdated(Arg.Is<LobbyUpdated>(u => u.PlayerId == "p-1" && u.Reason == "game.session"));
        _ = _hub.Clients.DidNotReceive().All;
    }

    [Fact]
    public async Task PlayerWhoLeftDuringTheWait_IsNotRebuilt()
    {
        var page = _notifier.Subscribe("p-1", _ => Task.CompletedTask);

        var rebuild = _feed.Observe("p-1|wallet.bet|g-1", CancellationToken.None);
        page.Dispose();
        await rebuild!;

        await _rows.DidNotReceiveWithAnyArgs().GetRowsAsync(default!, TestContext.Current.CancellationToken);
    }

    public void Dispose()
    {
        _feed.Dispose();
        _metricsServices.Dispose();
    }
}

public sealed class HubViewersTests
{
    [Fact]
    public void PlayerIsWatched_UntilTheirLastConnectionLeaves()
    {
        var viewers = new HubViewers();
        viewers.Enter("p-1");
        viewers.Enter("p-1");

        viewers.Leave("p-1");
        Assert.True(viewers.IsWatching("p-1"));

        viewers.Leave("p-1");
        Assert.False(viewers.IsWatching("p-1"));
    }
}
