using System.Text.Json;
using Shared.Contracts;
using StackExchange.Redis;

namespace Shared.Store;

/// <summary>The game catalogue, read from the store and refreshed in the background.</summary>
public sealed class CatalogCache(IConnectionMultiplexer redis, StoreKeys keys, TimeProvider clock) : IDisposable
{
    private static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(10);
    private volatile IReadOnlyDictionary<string, Game> _games = new Dictionary<string, Game>();
    private DateTimeOffset _loadedAt = DateTimeOffset.MinValue;
    private readonly SemaphoreSlim _gate = new(1, 1);

    public async ValueTask<IReadOnlyDictionary<string, Game>> GetAsync()
    {
        if (clock.GetUtcNow() - _loadedAt < MaxAge) return _games;
        await _gate.WaitAsync();
        try
        {
            if (clock.GetUtcNow() - _loadedAt >= MaxAge)
            {
                var entries = await redis.GetDatabase().HashGetAllAsync(keys.Catalog);
                var games = new Dictionary<string, Game>(entries.Length, StringComparer.Ordinal);
                foreach (var e in entries)
                {
                    var g = JsonSerializer.Deserialize(e.Value.ToString(), ContractsJsonContext.Default.Game);
                    if (g is not null) games[g.Id] = g;
                }
                _games = games;
                _loadedAt = clock.GetUtcNow();
            }
            return _games;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Forget the cached copy, so the next read sees the store (after a catalogue change).</summary>
    public void Invalidate() => _loadedAt = DateTimeOffset.MinValue;

    public void Dispose() => _gate.Dispose();
}
