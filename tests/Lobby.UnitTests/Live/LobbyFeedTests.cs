using Lobby.Live;
using Lobby.Rows;
using System.Diagnostics.Metrics;
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

public sealed class LobbyFeedTests : IDisposable
{
    private readonly ILobbyRowSource _rows = Substitute.For<ILobbyRowSource>();
    private readonly LobbyNotifier _notifier = new(NullLogger<LobbyNotifier>.Instance);
    private readonly HubViewers _hubViewers = new();
    private readonly IHubContext<LobbyHub, ILobbyClient> _hub = Substitute.For<IHubContext<LobbyHub, ILobbyClient>>();
    private readonly ILobbyClient _player1Client = Substitute.For<ILobbyClient>();
    private readonly ServiceProvider _metricsServices = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly LobbyFeed _feed;
    private static readonly TimeSpan Window = TimeSpan.FromMilliseconds(30);
    private readonly CancellationTokenSource _stop = new();
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));

    public LobbyFeedTests()
    {
        _rows.GetRowsAsync("p-1", Arg.Any<CancellationToken>())
            .Returns([new LobbyRow("continue-playing", "Continue playing", [Item("g-1", "One")])]);
        _hub.Clients.User("p-1").Returns(_player1Client);
        _feed = new LobbyFeed(
            Substitute.For<IConnectionMultiplexer>(), new StoreKeys(), _rows, _notifier, _hubViewers, _hub,
            Options.Create(new LobbyOptions { Coalesce = Window }), _clock,
            new LobbyMetrics(_metricsServices.GetRequiredService<IMeterFactory>()), NullLogger<LobbyFeed>.Instance);
    }

    [Fact]
    public async Task ALoneChange_IsPushedAtOnce_WithoutWaitingOutTheWindow()
    {
        var pushed = new List<LobbyUpdated>();
        using var page = _notifier.Subscribe("p-1", u => { lock (pushed) pushed.Add(u); return Task.CompletedTask; });

        var loop = _feed.Observe("p-1|wallet.bet|g-1", _stop.Token);

        // The clock has not moved: nothing waited.
        var update = Assert.Single(pushed);
        Assert.Equal(("p-1", "wallet.bet", "g-1"), (update.PlayerId, update.Reason, update.Rows.Single().Items.Single().GameId));
        await StopAsync(loop);
        await _rows.Received(1).GetRowsAsync("p-1", Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task ABurst_IsPushedAtItsFirstChange_AndOnceMoreAtTheWindowsEnd_NotOneTickBefore()
    {
        var pushed = new List<LobbyUpdated>();
        using var page = _notifier.Subscribe("p-1", u => { lock (pushed) pushed.Add(u); return Task.CompletedTask; });

        var loop = _feed.Observe("p-1|wallet.bet|g-1", _stop.Token);
        var second = _feed.Observe("p-1|wallet.win|g-1", _stop.Token);
        var third = _feed.Observe("p-1|game.session|g-2", _stop.Token);

        Assert.Null(second);
        Assert.Null(third);
        Assert.Equal(["wallet.bet"], Reasons(pushed));
        _clock.Advance(Window - TimeSpan.FromTicks(1));
        await Task.Delay(50, TestContext.Current.CancellationToken);
        Assert.Equal(["wallet.bet"], Reasons(pushed));

        _clock.Advance(TimeSpan.FromTicks(1));
        await WaitAsync(() => Reasons(pushed).Count == 2);
        Assert.Equal(["wallet.bet", "game.session"], Reasons(pushed));   // the burst's last change
        await StopAsync(loop);
        await _rows.Received(2).GetRowsAsync("p-1", Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task AChangeAfterAQuietWindow_IsPushedAtOnce_Again()
    {
        using var page = _notifier.Subscribe("p-1", _ => Task.CompletedTask);

        var first = _feed.Observe("p-1|wallet.bet|g-1", _stop.Token);
        _clock.Advance(Window);
        await first!;
        var second = _feed.Observe("p-1|wallet.bet|g-1", _stop.Token);

        Assert.NotNull(second);
        await _rows.Received(2).GetRowsAsync("p-1", Arg.Any<CancellationToken>());
        await StopAsync(second);
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

        var loop = _feed.Observe("p-1|game.session|g-1", _stop.Token);

        await _player1Client.Received(1).LobbyUpdated(Arg.Is<LobbyUpdated>(u => u.PlayerId == "p-1" && u.Reason == "game.session"));
        _ = _hub.Clients.DidNotReceive().All;
        await StopAsync(loop);
    }

    [Fact]
    public async Task PlayerWhoLeftDuringTheWindow_IsNotRebuiltAtItsEnd()
    {
        var page = _notifier.Subscribe("p-1", _ => Task.CompletedTask);

        var loop = _feed.Observe("p-1|wallet.bet|g-1", _stop.Token);
        Assert.Null(_feed.Observe("p-1|wallet.win|g-1", _stop.Token));
        page.Dispose();
        _clock.Advance(Window);
        await loop!;   // ends by itself: nobody to push to

        await _rows.Received(1).GetRowsAsync("p-1", Arg.Any<CancellationToken>());
    }

    private static List<string> Reasons(List<LobbyUpdated> pushed)
    {
        lock (pushed) return [.. pushed.Select(u => u.Reason)];
    }

    /// <summary>A continuation the fake clock released may run on the thread pool: wait for what it does (10 s at most).</summary>
    private static async Task WaitAsync(Func<bool> done)
    {
        for (var i = 0; i < 1000 && !done(); i++) await Task.Delay(10, TestContext.Current.CancellationToken);
        Assert.True(done());
    }

    /// <summary>Ends a player's rebuild loop however far its window has come (the fake clock need not reach it).</summary>
    private async Task StopAsync(Task? loop)
    {
        await _stop.CancelAsync();
        await loop!;
    }

    public void Dispose()
    {
        _stop.Dispose();
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
