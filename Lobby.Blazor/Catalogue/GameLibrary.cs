using Shared.Contracts;
using Shared.Store;

namespace Lobby.Catalogue;

/// <summary>The whole game catalogue: browsing by category, searching, game details, placement rows and the console's game picker.</summary>
public interface IGameLibrary
{
    /// <summary>Every game the operator listed, by id (disabled ones too: callers decide what a player may see).</summary>
    ValueTask<IReadOnlyDictionary<string, Game>> AllAsync(CancellationToken cancellationToken = default);
}

/// <summary>The catalogue as Ingestion keeps it in the store, cached for a few seconds (<see cref="CatalogCache"/>).</summary>
internal sealed class StoreGameLibrary(CatalogCache cache) : IGameLibrary
{
    public ValueTask<IReadOnlyDictionary<string, Game>> AllAsync(CancellationToken cancellationToken = default) => cache.GetAsync();
}
