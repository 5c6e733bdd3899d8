using Shared.Contracts;

namespace Lobby.Rows;

/// <summary>Rows built from the player's profile alone: for now, "Continue playing".</summary>
internal sealed class ProfileRowSource(IPlayerProfiles profiles, IGameCatalog catalog) : ILobbyRowSource
{
    public async Task<IReadOnlyList<LobbyRow>> GetRowsAsync(string playerId, CancellationToken cancellationToken = default)
    {
        var profile = await profiles.GetProfileAsync(playerId, cancellationToken);
        if (profile is null) return [];
        var games = await catalog.FindAsync(RowBuilder.GameIds(profile), cancellationToken);
        var row = RowBuilder.ContinuePlaying(profile, games);
        return row.Items.Count == 0 ? [] : [row];
    }
}
