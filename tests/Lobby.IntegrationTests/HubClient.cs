using System.Threading.Channels;
using Lobby.Live;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Shared.Contracts;

namespace Lobby.IntegrationTests;

/// <summary>A .NET SignalR client of one lobby's hub, connected as one player, keeping every update it is sent.</summary>
public sealed class HubClient : IAsyncDisposable
{
    private readonly HubConnection _connection;
    private readonly Channel<LobbyUpdated> _updates = Channel.CreateUnbounded<LobbyUpdated>();
    private readonly List<LobbyUpdated> _received = [];

    private HubClient(HubConnection connection)
    {
        _connection = connection;
        _connection.On<LobbyUpdated>(nameof(ILobbyClient.LobbyUpdated), update =>
        {
            lock (_received) _received.Add(update);
            _updates.Writer.TryWrite(update);
        });
        _connection.Closed += e =>
        {
            _closed.TrySetResult(e);
            return Task.CompletedTask;
        };
    }

    private readonly TaskCompletionSource<Exception?> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the server (or the client) closes the connection, with the error if any.</summary>
    public Task<Exception?> Closed => _closed.Task;

    /// <summary>Everything received so far.</summary>
    public IReadOnlyList<LobbyUpdated> Received
    {
        get { lock (_received) return [.. _received]; }
    }

    public static Task<HubClient> ConnectAsync(LobbyInstance lobby, string playerId, CancellationToken cancellationToken) =>
        ConnectAsync(lobby.Url, lobby.PlayerToken(playerId), cancellationToken);

    /// <summary>Connects to the hub of the lobby at <paramref name="lobbyUrl"/> with a player token signed for it.</summary>
    public static async Task<HubClient> ConnectAsync(Uri lobbyUrl, string token, CancellationToken cancellationToken)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(lobbyUrl, LiveLobby.HubPath), o =>
            {
                o.AccessTokenProvider = () => Task.FromResult<string?>(token);
                o.Transports = HttpTransportType.WebSockets;
            })
            .Build();
        var client = new HubClient(connection);
        await connection.StartAsync(cancellationToken);
        return client;
    }

    /// <summary>The first update (received or still to come) with this reason.</summary>
    public async Task<LobbyUpdated> WaitForAsync(string reason, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            await foreach (var update in _updates.Reader.ReadAllAsync(limit.Token))
            {
                if (update.Reason == reason) return update;
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
        }
        throw new TimeoutException($"No update with reason '{reason}' within {timeout}; received: {string.Join(", ", Received.Select(u => u.Reason))}");
    }

    public ValueTask DisposeAsync() => _connection.DisposeAsync();
}
