using Shared.Contracts;

namespace Lobby.Rows;

/// <summary>
/// Where a player's lobby rows come from. Today <see cref="ProfileRowSource"/> builds them from the profile;
/// a source backed by Intelligence's recommendation lists replaces it by registering another implementation.
/// </summary>
public interface ILobbyRowSource
{
    /// <summary>The player's rows, best first; empty when the player is unknown or has nothing to show yet.</summary>
    Task<IReadOnlyList<LobbyRow>> GetRowsAsync(string playerId, CancellationToken cancellationToken = default);
}
