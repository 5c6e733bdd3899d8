using System.Globalization;
using System.Text.Json;
using Shared.Contracts;
using StackExchange.Redis;

namespace Shared.Store;

/// <summary>
/// The catalogue in the store: one hash of game id to the game's JSON. Every write is announced on
/// <see cref="StoreKeys.CatalogChanged"/>, so the services' <see cref="CatalogCache"/>s see a new game at once rather
/// than when their copy ages out.
/// </summary>
public sealed class CatalogStore(IConnectionMultiplexer redis, StoreKeys keys)
{
    public async Task UpsertAsync(IReadOnlyList<Game> games)
    {
        var entries = games.Select(g => new HashEntry(g.Id, JsonSerializer.Serialize(g, ContractsJsonContext.Default.Game))).ToArray();
        var db = redis.GetDatabase();
        await db.HashSetAsync(keys.Catalog, entries);
        await db.PublishAsync(keys.CatalogChanged, entries.Length.ToString(CultureInfo.InvariantCulture));
    }
}
