using Shared.Contracts;
using Shared.Store;

namespace Lobby.Catalogue;

/// <summary>The whole game catalogue, for browsing by category, searching and game details.</summary>
public interface IGameLibrary
{
    /// <summary>Every game the operator listed, by id (disabled ones too: callers decide what a player may see).</summary>
    Task<IReadOnlyDictionary<string, Game>> AllAsync();
}

/// <summary>The catalogue as Ingestion keeps it in the store, cached for a few seconds (<see cref="CatalogCache"/>).</summary>
internal sealed class StoreGameLibrary(CatalogCache cache) : IGameLibrary
{
    public async Task<IReadOnlyDictionary<string, Game>> AllAsync() => await cache.GetAsync();
}
