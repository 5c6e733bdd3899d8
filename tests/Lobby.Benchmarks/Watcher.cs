using System.Diagnostics;
using Lobby.Live;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Shared.Contracts;

namespace Lobby.Benchmarks;

/// <summary>
/// One player's hub connection (WebSockets, the official .NET client) that notes when the updates it waits for arrive,
/// and counts any update addressed to someone else.
/// </summary>
internal sealed class Watcher : IAsyncDisposable
{
    private readonly HubConnection _connection;
    private readonly TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _lock = new();
    private TaskCompletionSource<long>? _waiting;
    private string? _waitingFor;
    private int _misaddressed;
    private int _updates;

    public Watcher(Uri lobby, string playerId, string token)
    {
        PlayerId = playerId;
        _connection = new HubConnectionBuilder()
            .WithUrl(new Uri(lobby, LiveLobby.HubPath), o =>
            {
                o.AccessTokenProvider = () => Task.FromResult<string?>(token);
                o.Transports = HttpTransportType.WebSockets;
            })
            .Build();
        _connection.On<LobbyUpdated>(nameof(ILobbyClient.LobbyUpdated), Receive);
        _connection.Closed += error =>
        {
            ClosedBecause = error?.Message ?? "closed";
            return Task.CompletedTask;
        };
    }

    /// <summary>Why the connection closed, if it did.</summary>
    public string? ClosedBecause { get; private set; }

    public string PlayerId { get; }

    /// <summary>Completes when the hub has sent the rows it sends on connect.</summary>
    public Task Connected => _connected.Task;

    public bool IsConnected => _connection.State == HubConnectionState.Connected;

    public int Misaddressed => Volatile.Read(ref _misaddressed);

    public int Updates => Volatile.Read(ref _updates);

    public Task StartAsync(CancellationToken ct) => _connection.StartAsync(ct);

    /// <summary>Arms the watcher for the next update with this reason: the task gives its arrival (Stopwatch timestamp).</summary>
    public Task<long> Expect(string reason)
    {
        lock (_lock)
        {
            _waiting = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waitingFor = reason;
            return _waiting.Task;
        }
    }

    private void Receive(LobbyUpdated update)
    {
        var at = Stopwatch.GetTimestamp();
        Interlocked.Increment(ref _updates);
        if (update.PlayerId != PlayerId)
        {
            Interlocked.Increment(ref _misaddressed);
            return;
        }
        if (update.Reason == LobbyHub.ConnectedReason)
        {
            _connected.TrySetResult();
            return;
        }
        lock (_lock)
        {
            if (_waitingFor != update.Reason) return;
            _waiting?.TrySetResult(at);
            _waiting = null;
            _waitingFor = null;
        }
    }

    public ValueTask DisposeAsync() => _connection.DisposeAsync();
}

/// <summary>Percentiles of a set of figures (nearest rank).</summary>
internal static class Figures
{
    public static double Percentile(IReadOnlyList<double> sorted, double q) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Count) - 1, 0, sorted.Count - 1)];

    public static string Summary(IEnumerable<double> values, string unit = "ms")
    {
        var sorted = values.Order().ToList();
        if (sorted.Count == 0) return "no samples";
        return $"n={sorted.Count}  p50 {Percentile(sorted, 0.50):0.0} {unit}  p90 {Percentile(sorted, 0.90):0.0} {unit}  " +
               $"p99 {Percentile(sorted, 0.99):0.0} {unit}  max {sorted[^1]:0.0} {unit}";
    }

    public static double Milliseconds(long from, long to) => Stopwatch.GetElapsedTime(from, to).TotalMilliseconds;
}
