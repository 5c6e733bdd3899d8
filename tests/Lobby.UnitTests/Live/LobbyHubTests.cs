using System.Diagnostics.Metrics;
using Lobby.Live;
using Lobby.Rows;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using NSubstitute;
using NSubstitute.ExceptionExtensions;
using Polly.Timeout;
using Shared.Contracts;
using static Lobby.UnitTests.TestData;

namespace Lobby.UnitTests.Live;

public sealed class LobbyHubTests : IDisposable
{
    private readonly ILobbyRowSource _rows = Substitute.For<ILobbyRowSource>();
    private readonly HubViewers _viewers = new();
    private readonly HubRowReads _reads = new();
    private readonly ILobbyClient _caller = Substitute.For<ILobbyClient>();
    private readonly ServiceProvider _metricsServices = new ServiceCollection().AddMetrics().BuildServiceProvider();

    [Fact]
    public async Task Connect_SendsThePlayerTheirRows_AndCountsThemAsWatching()
    {
        _rows.GetRowsAsync("p-1", Arg.Any<CancellationToken>()).Returns([new LobbyRow("continue-playing", "Continue playing", [Item("g-1", "One")])]);

        await Hub("p-1").OnConnectedAsync();

        await _caller.Received(1).LobbyUpdated(Arg.Is<LobbyUpdated>(u =>
            u.PlayerId == "p-1" && u.Reason == LobbyHub.ConnectedReason && u.Rows.Single().Items.Single().GameId == "g-1"));
        Assert.True(_viewers.IsWatching("p-1"));
    }

    [Fact]
    public async Task RowsThatCannotBeLoaded_LeaveTheConnectionOpen_ForTheNextUpdate()
    {
        // What the resilience pipeline throws when Intelligence is too slow: not an HttpRequestException.
        _rows.GetRowsAsync("p-1", Arg.Any<CancellationToken>()).ThrowsAsync(new TimeoutRejectedException());

        await Hub("p-1").OnConnectedAsync();

        await _caller.DidNotReceiveWithAnyArgs().LobbyUpdated(default!);
        Assert.True(_viewers.IsWatching("p-1"));
    }

    [Fact]
    public async Task ClientGoneWhileItsRowsAreRead_IsNoLongerCountedAsWatching()
    {
        using var aborted = new CancellationTokenSource();
        _rows.GetRowsAsync("p-1", Arg.Any<CancellationToken>()).Returns(async call =>
        {
            await aborted.CancelAsync();
            call.Arg<CancellationToken>().ThrowIfCancellationRequested();
            return (IReadOnlyList<LobbyRow>)[];
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Hub("p-1", aborted.Token).OnConnectedAsync());

        Assert.False(_viewers.IsWatching("p-1"));
    }

    [Fact]
    public async Task Disconnect_StopsCountingThePlayer_OnlyWhenTheirLastConnectionGoes()
    {
        _rows.GetRowsAsync("p-1", Arg.Any<CancellationToken>()).Returns([]);
        var phone = Hub("p-1");
        var laptop = Hub("p-1");
        await phone.OnConnectedAsync();
        await laptop.OnConnectedAsync();

        await phone.OnDisconnectedAsync(null);
        Assert.True(_viewers.IsWatching("p-1"));
        await laptop.OnDisconnectedAsync(null);
        Assert.False(_viewers.IsWatching("p-1"));
    }

    [Fact]
    public async Task ConnectingClients_ReadNoMoreRowsAtOnceThanTheLimit()
    {
        using var reads = new HubRowReads(2);
        var pending = new List<TaskCompletionSource<IReadOnlyList<LobbyRow>>>();
        _rows.GetRowsAsync(Arg.Any<string>(), Arg.Any<CancellationToken>()).Returns(_ =>
        {
            var read = new TaskCompletionSource<IReadOnlyList<LobbyRow>>(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (pending) pending.Add(read);
            return read.Task;
        });

        var first = reads.ReadAsync(_rows, "p-1", CancellationToken.None);
        var second = reads.ReadAsync(_rows, "p-2", CancellationToken.None);
        var third = reads.ReadAsync(_rows, "p-3", CancellationToken.None);

        Assert.Equal(2, reads.Reading);
        await _rows.Received(2).GetRowsAsync(Arg.Any<string>(), Arg.Any<CancellationToken>());
        Assert.False(third.IsCompleted);
        pending[0].SetResult([]);
        await first;
        // The third connection's read starts once a slot is free.
        await WaitUntilAsync(() => pending.Count == 3);
        pending[1].SetResult([]);
        pending[2].SetResult([]);
        await Task.WhenAll(second, third);
        Assert.Equal(0, reads.Reading);
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 500 && !condition(); i++) await Task.Delay(10);
        Assert.True(condition());
    }

    private LobbyHub Hub(string playerId, CancellationToken aborted = default)
    {
        var hub = new LobbyHub(_rows, _reads, _viewers, new LobbyMetrics(_metricsServices.GetRequiredService<IMeterFactory>()),
            TimeProvider.System, NullLogger<LobbyHub>.Instance);
        var context = Substitute.For<HubCallerContext>();
        context.UserIdentifier.Returns(playerId);
        context.ConnectionAborted.Returns(aborted);
        var clients = Substitute.For<IHubCallerClients<ILobbyClient>>();
        clients.Caller.Returns(_caller);
        hub.Context = context;
        hub.Clients = clients;
        return hub;
    }

    public void Dispose()
    {
        _reads.Dispose();
        _metricsServices.Dispose();
    }
}
