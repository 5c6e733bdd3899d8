using Shared.Contracts;

namespace Lobby.Rows;

/// <summary>
/// Where a player's lobby rows come from: <see cref="RecommendationRowSource"/> (Intelligence's recommendation lists),
/// falling back to <see cref="ProfileRowSource"/> (the profile alone) when Intelligence cannot answer.
/// </summary>
public interface ILobbyRowSource
{
    /// <summary>The player's rows, best first; empty when the player is unknown or has nothing to show yet.</summary>
    Task<IReadOnlyList<LobbyRow>> GetRowsAsync(string playerId, CancellationToken cancellationToken = default);
}
