using Microsoft.Extensions.Options;
using Shared.Store;
using StackExchange.Redis;

namespace Lobby.Catalogue;

/// <summary>The games most played right now, for the "Hot" badge.</summary>
public interface IHotGames
{
    /// <summary>Ids of the games with the most distinct players over the last <see cref="CatalogueOptions.HotHours"/>.</summary>
    Task<IReadOnlySet<string>> GetAsync(CancellationToken cancellationToken = default);
}

/// <summary>
/// Reads the per-hour counts of distinct players per game that Intelligence keeps for its trending list
/// (<see cref="StoreKeys.TrendingHour"/>), so "Hot" and "Trending now" come from the same plays. Cached briefly: every
/// lobby page asks on every update.
/// </summary>
internal sealed class StoreHotGames(IConnectionMultiplexer redis, StoreKeys keys, IOptions<CatalogueOptions> options, TimeProvider time,
    ILogger<StoreHotGames> logger) : IHotGames
{
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(5);
    private sealed record Snapshot(DateTimeOffset At, IReadOnlySet<string> Games);

    /// <summary>Replaced whole, never changed, so pages on many threads read it without a lock.</summary>
    private volatile Snapshot? _cached;

    public async Task<IReadOnlySet<string>> GetAsync(CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        if (_cached is { } c && now - c.At < CacheFor) return c.Games;
        var o = options.Value;
        try
        {
            var hour = now.ToUnixTimeSeconds() / 3600;
            var batch = redis.GetDatabase().CreateBatch();
            var reads = Enumerable.Range(0, o.HotHours).Select(h => batch.SortedSetRangeByRankWithScoresAsync(keys.TrendingHour(hour - h))).ToList();
            batch.Execute();
            var counts = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (var read in reads)
            {
                foreach (var entry in await read) counts[entry.Element.ToString()] = counts.GetValueOrDefault(entry.Element.ToString()) + entry.Score;
            }
            IReadOnlySet<string> hot = Top(counts, o.HotGames);
            _cached = new Snapshot(now, hot);
            return hot;
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            // A badge is a nicety: without the counts the tiles simply carry none.
            logger.LogWarning(e, "Could not read the play counts for hot games");
            return _cached?.Games ?? new HashSet<string>();
        }
    }

    /// <summary>The <paramref name="count"/> games with the highest counts (ties by id, so the set is stable).</summary>
    internal static HashSet<string> Top(IReadOnlyDictionary<string, double> counts, int count) =>
        counts.Where(c => c.Value > 0)
            .OrderByDescending(c => c.Value).ThenBy(c => c.Key, StringComparer.Ordinal)
            .Take(count).Select(c => c.Key).ToHashSet(StringComparer.Ordinal);
}
