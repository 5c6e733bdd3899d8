using System.Text.Json;
using Shared.Contracts;
using Shared.Store;
using StackExchange.Redis;

namespace Lobby.Rows;

/// <summary>The operator's game catalogue, as Ingestion keeps it in the store.</summary>
public interface IGameCatalog
{
    /// <summary>The games of these ids the catalogue knows; unknown ids are left out.</summary>
    Task<IReadOnlyDictionary<string, Game>> FindAsync(IReadOnlyList<string> gameIds, CancellationToken cancellationToken = default);
}

internal sealed class StoreGameCatalog(IConnectionMultiplexer redis, StoreKeys keys, ILogger<StoreGameCatalog> logger) : IGameCatalog
{
    public async Task<IReadOnlyDictionary<string, Game>> FindAsync(IReadOnlyList<string> gameIds, CancellationToken cancellationToken = default)
    {
        if (gameIds.Count == 0) return new Dictionary<string, Game>();
        var fields = new RedisValue[gameIds.Count];
        for (var i = 0; i < fields.Length; i++) fields[i] = gameIds[i];
        var values = await redis.GetDatabase().HashGetAsync(keys.Catalog, fields);

        var games = new Dictionary<string, Game>(gameIds.Count, StringComparer.Ordinal);
        for (var i = 0; i < values.Length; i++)
        {
            if (values[i].IsNullOrEmpty) continue;
            try
            {
                var game = JsonSerializer.Deserialize(values[i].ToString(), ContractsJsonContext.Default.Game);
                if (game is not null) games[gameIds[i]] = game;
            }
            catch (JsonException e)
            {
                // One bad entry must not empty the lobby; the tile falls back to the game id.
                logger.LogWarning(e, "Catalogue entry of game {GameId} is not valid JSON", gameIds[i]);
            }
        }
        return games;
    }
}
