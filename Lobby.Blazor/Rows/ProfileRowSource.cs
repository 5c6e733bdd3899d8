using Shared.Contracts;
using Shared.Store;

namespace Lobby.Rows;

/// <summary>
/// Rows built from the player's profile alone: "Continue playing", as Intelligence would give it (only games offered to
/// the player now; nothing while a safer-gambling restriction is in force). The lobby's fallback when Intelligence
/// cannot answer, so it reads the profile from the store (<see cref="StoreProfiles"/>), not through Intelligence.
/// </summary>
internal sealed class ProfileRowSource(IPlayerProfiles profiles, IGameCatalog catalog, TimeProvider clock) : ILobbyRowSource
{
    public async Task<IReadOnlyList<LobbyRow>> GetRowsAsync(string playerId, CancellationToken cancellationToken = default)
    {
        var profile = await profiles.GetProfileAsync(playerId, cancellationToken);
        var now = clock.GetUtcNow();
        if (profile is null || MarketingPolicy.Restricted(profile, now)) return [];
        var games = await catalog.FindAsync(RowBuilder.GameIds(profile), cancellationToken);
        var row = RowBuilder.ContinuePlaying(profile, games, now);
        return row.Items.Count == 0 ? [] : [row];
    }
}

/// <summary>
/// Player profiles read straight from the store, the way Intelligence reads them (<see cref="ProfileReader"/>): what the
/// lobby falls back on must not depend on Intelligence answering.
/// </summary>
internal sealed class StoreProfiles(ProfileReader reader, CatalogCache catalog) : IPlayerProfiles
{
    public async Task<PlayerProfile?> GetProfileAsync(string playerId, CancellationToken cancellationToken = default)
    {
        var games = await catalog.GetAsync();
        return await reader.ReadAsync(playerId, id => games.GetValueOrDefault(id));
    }
}
