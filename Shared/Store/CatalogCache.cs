using System.Text.Json;
using Shared.Contracts;
using StackExchange.Redis;

namespace Shared.Store;

/// <summary>
/// The game catalogue, read from the store and kept in memory. A write through <see cref="CatalogStore"/> (here or in
/// another service) is announced on <see cref="StoreKeys.CatalogChanged"/> and the next read loads the store again;
/// a copy older than <see cref="MaxAge"/> is reloaded anyway, for a write whose message was lost (the subscription
/// was down) or made around the store.
/// </summary>
public sealed class CatalogCache(IConnectionMultiplexer redis, StoreKeys keys, TimeProvider clock) : IDisposable
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(10);
    private volatile IReadOnlyDictionary<string, Game> _games = new Dictionary<string, Game>();
    private DateTimeOffset _loadedAt = DateTimeOffset.MinValue;
    // Counts invalidations, so a load that began before one does not pass off what it read as fresh.
    private long _generation;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private ChannelMessageQueue? _changes;

    public async ValueTask<IReadOnlyDictionary<string, Game>> GetAsync()
    {
        if (_changes is not null && clock.GetUtcNow() - _loadedAt < MaxAge) return _games;
        await _gate.WaitAsync();
        try
        {
            // Subscribed before reading, so no change can fall between the read and the subscription.
            if (_changes is null)
            {
                _changes = await redis.GetSubscriber().SubscribeAsync(keys.CatalogChanged);
                _changes.OnMessage(_ => Invalidate());
                _loadedAt = DateTimeOffset.MinValue;
            }
            if (clock.GetUtcNow() - _loadedAt >= MaxAge)
            {
                var generation = Interlocked.Read(ref _generation);
                var entries = await redis.GetDatabase().HashGetAllAsync(keys.Catalog);
                var games = new Dictionary<string, Game>(entries.Length, StringComparer.Ordinal);
                foreach (var e in entries)
                {
                    var g = JsonSerializer.Deserialize(e.Value.ToString(), ContractsJsonContext.Default.Game);
                    if (g is not null) games[g.Id] = g;
                }
                _games = games;
                if (Interlocked.Read(ref _generation) == generation) _loadedAt = clock.GetUtcNow();
            }
            return _games;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Forget the cached copy, so the next read sees the store (after a catalogue change).</summary>
    public void Invalidate()
    {
        Interlocked.Increment(ref _generation);
        _loadedAt = DateTimeOffset.MinValue;
    }

    public void Dispose()
    {
        _changes?.Unsubscribe();
        _gate.Dispose();
    }
}
