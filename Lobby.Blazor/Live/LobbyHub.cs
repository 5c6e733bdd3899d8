using Lobby.Players;
using Lobby.Rows;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Shared.Contracts;

namespace Lobby.Live;

/// <summary>
/// <c>/hubs/lobby</c>: a player connects with their player token and is sent their rows at once, then again whenever
/// their profile changes. Messages go to the player's user id (the token's <c>sub</c>), so nobody sees another's lobby.
/// </summary>
[Authorize(Policy = PlayerSignIn.HubPolicy)]
public sealed class LobbyHub(ILobbyRowSource rows, HubViewers viewers, TimeProvider time, ILogger<LobbyHub> logger) : Hub<ILobbyClient>
{
    public const string ConnectedReason = "connected";

    public override async Task OnConnectedAsync()
    {
        var playerId = Context.UserIdentifier ?? throw new HubException("The player token carries no player id.");
        // Counted before the first read, so a change made while it runs is still pushed.
        viewers.Enter(playerId);
        try
        {
            var current = await rows.GetRowsAsync(playerId, Context.ConnectionAborted);
            await Clients.Caller.LobbyUpdated(new LobbyUpdated(playerId, current, ConnectedReason, time.GetUtcNow()));
        }
        catch (HttpRequestException e)
        {
            // The connection stays: the rows arrive with the next change once Intelligence answers again.
            logger.LogWarning(e, "Could not load the rows of player {PlayerId} on connect", playerId);
        }
        catch
        {
            viewers.Leave(playerId);
            throw;
        }
        await base.OnConnectedAsync();
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        if (Context.UserIdentifier is { } playerId) viewers.Leave(playerId);
        return base.OnDisconnectedAsync(exception);
    }
}

/// <summary>A connection's user is the player the token names, so <c>Clients.User(playerId)</c> reaches exactly them.</summary>
public sealed class PlayerUserIdProvider : IUserIdProvider
{
    public string? GetUserId(HubConnectionContext connection) => connection.User.FindFirst(PlayerTokens.SubjectClaim)?.Value;
}
