using System.Net;
using System.Net.Http.Json;
using Lobby.Catalogue;
using Lobby.Upstream;
using Shared.Contracts;
using Shared.Store;

namespace Lobby.Rows;

/// <summary>The placements a player's lobby shows now, as Intelligence serves them.</summary>
public interface IPlayerPlacements
{
    /// <summary>
    /// Placements active now of segments the player belongs to, highest priority first (Intelligence leaves out
    /// everything for a player who may not be marketed to); null when Intelligence does not know the player.
    /// </summary>
    Task<PlayerPlacements?> GetAsync(string playerId, CancellationToken cancellationToken = default);
}

/// <summary>Every placement, running or not (to know when the next one starts or ends).</summary>
public interface IPlacementList
{
    Task<IReadOnlyList<Placement>> ListAsync(CancellationToken cancellationToken = default);
}

internal sealed class IntelligencePlacements(IHttpClientFactory factory) : IPlayerPlacements, IPlacementList
{
    public async Task<IReadOnlyList<Placement>> ListAsync(CancellationToken cancellationToken = default)
    {
        var http = factory.CreateClient(ServiceCalls.Intelligence);
        return await http.GetFromJsonAsync("v1/placements", ContractsJsonContext.Default.ListPlacement, cancellationToken) ?? [];
    }

    public async Task<PlayerPlacements?> GetAsync(string playerId, CancellationToken cancellationToken = default)
    {
        var http = factory.CreateClient(ServiceCalls.Intelligence);
        using var response = await http.GetAsync($"v1/players/{Uri.EscapeDataString(playerId)}/placements", cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.PlayerPlacements, cancellationToken);
    }
}

/// <summary>
/// The rows marketers placed for a player: one row per placement, highest priority first, of the chosen games
/// (<c>games</c>) or of a category's games (<c>category</c>), only games enabled and offered in the player's market.
/// When Intelligence cannot answer, the lobby simply has no placement rows.
/// </summary>
internal sealed class PlacementRowSource(
    IPlayerPlacements placements, IPlayerProfiles profiles, IGameLibrary catalog, ILogger<PlacementRowSource> logger)
{
    public const string ListPrefix = "placement-";

    public async Task<IReadOnlyList<LobbyRow>> GetRowsAsync(string playerId, CancellationToken cancellationToken = default)
    {
        try
        {
            var current = await placements.GetAsync(playerId, cancellationToken);
            if (current is not { Items.Count: > 0 }) return [];
            var profile = await profiles.GetProfileAsync(playerId, cancellationToken);
            var games = await catalog.AllAsync(cancellationToken);
            return Build(current.Items, games, profile?.Market ?? profile?.Country);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            // Placements are extra: the player's own rows still come, and the next change tries again.
            logger.LogWarning(e, "Placements of player {PlayerId} are unavailable; showing no placement rows", playerId);
            return [];
        }
    }

    /// <summary>Rows from placements (kept in priority order) and the catalogue. Pure: no I/O.</summary>
    public static IReadOnlyList<LobbyRow> Build(
        IReadOnlyList<Placement> placements, IReadOnlyDictionary<string, Game> games, string? market, int limit = RowBuilder.DefaultLimit)
    {
        bool Offered(Game game) =>
            game.Enabled && (game.Markets.Contains("*") || (market is not null && game.Markets.Contains(market, StringComparer.OrdinalIgnoreCase)));

        var rows = new List<LobbyRow>(placements.Count);
        foreach (var placement in placements.OrderByDescending(p => p.Priority))
        {
            IEnumerable<Game> chosen = placement.Kind switch
            {
                PlacementKinds.Games => placement.GameIds.Distinct(StringComparer.Ordinal)
                    .Select(id => games.TryGetValue(id, out var game) ? game : null).OfType<Game>(),
                PlacementKinds.Category => games.Values
                    .Where(g => string.Equals(g.Category, placement.Category, StringComparison.Ordinal))
                    .OrderByDescending(g => g.ReleasedAt).ThenBy(g => g.Title, StringComparer.Ordinal),
                _ => [],
            };
            var items = chosen.Where(Offered).Take(limit).Select(g => new LobbyItem(g.Id, g.Title, g.Provider, g.Category)).ToList();
            if (items.Count > 0) rows.Add(new LobbyRow(ListPrefix + placement.Id, placement.Title, items));
        }
        return rows;
    }
}

/// <summary>
/// The lobby's rows: the rows marketers placed for the player first, then the player's own (recommendations, or the
/// profile's when Intelligence cannot answer), made distinct by <see cref="FirstView"/>: no row repeats one above it,
/// no game shows twice. Both are read at once.
/// </summary>
internal sealed class PlacedRowSource(PlacementRowSource placements, RecommendationRowSource own) : ILobbyRowSource
{
    public async Task<IReadOnlyList<LobbyRow>> GetRowsAsync(string playerId, CancellationToken cancellationToken = default)
    {
        var placed = placements.GetRowsAsync(playerId, cancellationToken);
        var rows = await own.GetRowsAsync(playerId, cancellationToken);
        var top = await placed;
        return FirstView.Distinct([.. top, .. rows], RecommendationRowSource.LengthOf);
    }
}
