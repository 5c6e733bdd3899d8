using Microsoft.Extensions.Options;
using Shared.Contracts;

namespace Lobby.Catalogue;

/// <summary>What the lobby shows besides a player's recommendation rows: category rows, and the badges of every game.</summary>
public sealed record Shelves(IReadOnlyList<LobbyRow> Categories, GameBadges Badges);

/// <summary>Builds <see cref="Shelves"/> and search results for one player from the catalogue and the play counts.</summary>
public sealed class LobbyShelves(IGameLibrary library, IHotGames hot, IOptions<CatalogueOptions> options, TimeProvider time)
{
    /// <param name="market">The player's market (games offered there and everywhere are shown).</param>
    /// <param name="promotions">False for a player who must not be shown promotion: no badges.</param>
    public async Task<Shelves> ForAsync(string? market, bool promotions, CancellationToken cancellationToken = default)
    {
        var o = options.Value;
        var now = time.GetUtcNow();
        var games = await library.AllAsync(cancellationToken);
        var categories = CatalogueRows.ByCategory(games, market, now, o.CategoryRowLength);
        if (!promotions) return new Shelves(categories, GameBadges.None);
        var hotGames = await hot.GetAsync(cancellationToken);
        return new Shelves(categories, new GameBadges(games, hotGames, now, o.NewReleaseDays));
    }

    public async Task<IReadOnlyList<LobbyItem>> SearchAsync(string? query, string? market)
    {
        var games = await library.AllAsync();
        return CatalogueRows.Search(games, query, market, time.GetUtcNow(), options.Value.SearchLimit);
    }

    /// <summary>A game of the catalogue, or null.</summary>
    public async Task<Game?> FindAsync(string gameId) => (await library.AllAsync()).GetValueOrDefault(gameId);
}
