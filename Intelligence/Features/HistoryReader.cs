using Shared.Contracts;
using Shared.Store;
using StackExchange.Redis;

namespace Intelligence.Features;

/// <summary>Reads players from the store for scoring and training: profile, day buckets and game play in one round trip.</summary>
public sealed class HistoryReader(IConnectionMultiplexer redis, StoreKeys keys, CatalogCache catalog, TimeProvider clock)
{
    /// <summary>The players' snapshots, in the order asked, null for a player nothing is held about.</summary>
    public async Task<PlayerSnapshot?[]> ReadAsync(IReadOnlyList<string> playerIds)
    {
        var games = await catalog.GetAsync();
        var now = clock.GetUtcNow();
        var db = redis.GetDatabase();
        var batch = db.CreateBatch();
        var reads = playerIds.Select(id => (P: batch.HashGetAllAsync(keys.Profile(id)), D: batch.HashGetAllAsync(keys.Days(id)), G: batch.HashGetAllAsync(keys.Games(id)))).ToList();
        batch.Execute();
        await Task.WhenAll(reads.SelectMany(r => new[] { r.P, r.D, r.G }));
        var result = new PlayerSnapshot?[playerIds.Count];
        for (var i = 0; i < playerIds.Count; i++)
        {
            var (p, d, g) = (reads[i].P.Result, reads[i].D.Result, reads[i].G.Result);
            var profile = ProfileReader.Decode(playerIds[i], p, d, g, id => games.GetValueOrDefault(id), now);
            if (profile is not null) result[i] = new PlayerSnapshot(profile, PlayerHistory.From(playerIds[i], p, d));
        }
        return result;
    }

    public async Task<PlayerSnapshot?> ReadAsync(string playerId) => (await ReadAsync([playerId]))[0];

    /// <summary>Every known player id, in pages (SSCAN), so a sweep or a training run never holds the store for long.</summary>
    public async IAsyncEnumerable<IReadOnlyList<string>> PlayerIdPagesAsync(int pageSize = 500)
    {
        var page = new List<string>(pageSize);
        await foreach (var id in redis.GetDatabase().SetScanAsync(keys.Players, pageSize: pageSize))
        {
            page.Add(id.ToString());
            if (page.Count == pageSize)
            {
                yield return page;
                page = new List<string>(pageSize);
            }
        }
        if (page.Count > 0) yield return page;
    }

    public async Task<long> PlayerCountAsync() => await redis.GetDatabase().SetLengthAsync(keys.Players);

    /// <summary>Every player's snapshot, read a page at a time with up to <paramref name="parallel"/> pages in flight.</summary>
    public async Task<List<PlayerSnapshot>> ReadAllAsync(IProgress<int>? progress = null, int parallel = 4, CancellationToken ct = default)
    {
        var all = new List<PlayerSnapshot>();
        var inFlight = new List<Task<PlayerSnapshot?[]>>();
        await foreach (var page in PlayerIdPagesAsync())
        {
            ct.ThrowIfCancellationRequested();
            inFlight.Add(ReadAsync(page));
            if (inFlight.Count >= parallel) Drain(await inFlight[0]);
        }
        while (inFlight.Count > 0) Drain(await inFlight[0]);
        return all;

        void Drain(PlayerSnapshot?[] done)
        {
            inFlight.RemoveAt(0);
            foreach (var s in done) if (s is not null) all.Add(s);
            progress?.Report(all.Count);
        }
    }
}
