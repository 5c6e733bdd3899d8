using Lobby.Players;
using Lobby.Rows;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Shared.Contracts;

namespace Lobby.Live;

/// <summary>
/// <c>/hubs/lobby</c>: a player connects with their player token and is sent their rows at once, then again whenever
/// their profile changes. Messages go to the player's user id (the token's <c>sub</c>), so nobody sees another's lobby.
/// The hub has no methods: a client cannot ask for anything, least of all another player's stream.
/// </summary>
[Authorize(Policy = PlayerSignIn.HubPolicy)]
public sealed class LobbyHub(
    ILobbyRowSource rows, HubRowReads reads, HubViewers viewers, LobbyMetrics metrics, TimeProvider time, ILogger<LobbyHub> logger)
    : Hub<ILobbyClient>
{
    public const string ConnectedReason = "connected";

    public override async Task OnConnectedAsync()
    {
        var playerId = Context.UserIdentifier ?? throw new HubException("The player token carries no player id.");
        // Counted before the first read, so a change made while it runs is still pushed.
        viewers.Enter(playerId);
        metrics.HubConnected();
        try
        {
            var current = await reads.ReadAsync(rows, playerId, Context.ConnectionAborted);
            await Clients.Caller.LobbyUpdated(new LobbyUpdated(playerId, current, ConnectedReason, time.GetUtcNow()));
        }
        catch (OperationCanceledException) when (Context.ConnectionAborted.IsCancellationRequested)
        {
            // The client went away while its rows were read.
            Left(playerId);
            throw;
        }
        catch (Exception e)
        {
            // Intelligence down, slow (a resilience timeout) or shedding load (an open circuit): the connection stays,
            // and the rows arrive with the player's next change. Dropping it would only bring the client back at once.
            metrics.ConnectRowsFailed();
            logger.LogWarning(e, "Could not load the rows of player {PlayerId} on connect", playerId);
        }
        await base.OnConnectedAsync();
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        if (Context.UserIdentifier is { } playerId) Left(playerId);
        return base.OnDisconnectedAsync(exception);
    }

    private void Left(string playerId)
    {
        viewers.Leave(playerId);
        metrics.HubDisconnected();
    }
}

/// <summary>A connection's user is the player the token names, so <c>Clients.User(playerId)</c> reaches exactly them.</summary>
public sealed class PlayerUserIdProvider : IUserIdProvider
{
    public string? GetUserId(HubConnectionContext connection) => connection.User.FindFirst(PlayerTokens.SubjectClaim)?.Value;
}
