using System.Diagnostics;
using Intelligence.Features;
using Microsoft.Extensions.Options;
using Shared.Store;
using StackExchange.Redis;

namespace Intelligence.Segments;

/// <summary>
/// Fills the <see cref="PlayerIndex"/> from the store with the players of the partitions this instance holds
/// (<see cref="IndexPartitions"/>): when it takes partitions on (at start, when instances come and go) and again after
/// each UTC midnight, when the windows roll, a page of ids at a time with several pages in flight; and single players
/// whenever any instance stores new scores for them. Profiles are decoded by <see cref="ProfileReader"/>, exactly as the
/// profile API shows them.
/// </summary>
public sealed class IndexFeed(IConnectionMultiplexer redis, StoreKeys keys, PlayerIndex index, IndexPartitions partitions, HistoryReader players, CatalogCache catalog,
    SegmentMetrics metrics, IOptions<SegmentOptions> options, TimeProvider clock, ILogger<IndexFeed> log)
{
    private readonly TaskCompletionSource _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _expected;
    private long _done;

    /// <summary>Completes when this instance's first partitions are loaded: previews and bulk membership wait for it.</summary>
    public Task Loaded => _loaded.Task;

    public bool IsLoaded => _loaded.Task.IsCompleted;

    /// <summary>Players read so far by the load in progress, of how many the store listed when it started.</summary>
    public (long Done, long Expected) Progress => (Interlocked.Read(ref _done), Interlocked.Read(ref _expected));

    /// <summary>How long the last full load took.</summary>
    public TimeSpan? LastLoad { get; private set; }

    /// <summary>
    /// Reads every player of <paramref name="only"/> into the index (the store's list of players is read whole, the rest
    /// skipped). Players the index holds there that the store no longer has (erased while this instance did not hear of
    /// it) are dropped. Returns how many players were read.
    /// </summary>
    public async Task<long> LoadAsync(PartitionSet only, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        var held = index.PlayersIn(only);
        Interlocked.Exchange(ref _expected, await players.PlayerCountAsync() * only.Size / Math.Max(1, only.Count));
        Interlocked.Exchange(ref _done, 0);
        var parallel = options.Value.LoadParallelism;
        var inFlight = new List<Task<IReadOnlyList<string>>>(parallel);
        await foreach (var all in players.PlayerIdPagesAsync(options.Value.LoadPageSize))
        {
            ct.ThrowIfCancellationRequested();
            var page = only.IsAll ? all : [.. all.Where(id => only.Contains(partitions.PartitionOf(id)))];
            if (page.Count == 0) continue;
            inFlight.Add(RefreshPageAsync(page));
            if (inFlight.Count >= parallel) Seen(await Next());
        }
        while (inFlight.Count > 0) Seen(await Next());

        // Whoever is still unaccounted for was not in the players set: gone from the store unless written just now.
        if (held.Count > 0) await RefreshAsync([.. held]);
        LastLoad = watch.Elapsed;
        metrics.IndexLoaded(watch.Elapsed, index.Count);
        log.LogInformation("Segment index: {Read} players of {Partitions} partitions loaded in {Seconds:0.0} s; {Players} held", Interlocked.Read(ref _done),
            only, watch.Elapsed.TotalSeconds, index.Count);
        return Interlocked.Read(ref _done);

        async Task<IReadOnlyList<string>> Next()
        {
            var done = await Task.WhenAny(inFlight);
            inFlight.Remove(done);
            return await done;
        }

        void Seen(IReadOnlyList<string> page)
        {
            foreach (var id in page) held.Remove(id);
            Interlocked.Add(ref _done, page.Count);
        }
    }

    /// <summary>Previews and bulk membership may go ahead: this instance's first partitions are loaded.</summary>
    public void MarkLoaded() => _loaded.TrySetResult();

    private async Task<IReadOnlyList<string>> RefreshPageAsync(IReadOnlyList<string> page)
    {
        await RefreshAsync(page);
        return page;
    }

    /// <summary>Reads the players again and rewrites their rows (removes the rows of players the store no longer holds).</summary>
    public async Task<int> RefreshAsync(IReadOnlyList<string> playerIds)
    {
        var facts = await ReadAsync(playerIds);
        var written = 0;
        for (var i = 0; i < facts.Length; i++)
        {
            if (facts[i] is { } f)
            {
                if (index.Upsert(f)) written++;
            }
            else
            {
                index.Remove(playerIds[i]);
            }
        }
        return written;
    }

    /// <summary>The players' profiles and stored scores, in the order asked; null for a player nothing is held about.</summary>
    public async Task<PlayerFacts?[]> ReadAsync(IReadOnlyList<string> playerIds)
    {
        var games = await catalog.GetAsync();
        var now = clock.GetUtcNow();
        var batch = redis.GetDatabase().CreateBatch();
        var reads = playerIds.Select(id => (
            P: batch.HashGetAllAsync(keys.Profile(id)),
            D: batch.HashGetAllAsync(keys.Days(id)),
            G: batch.HashGetAllAsync(keys.Games(id)),
            S: batch.HashGetAsync(keys.Scores(id), ScoreFacts.HashFields))).ToList();
        batch.Execute();
        await Task.WhenAll(reads.SelectMany(r => new Task[] { r.P, r.D, r.G, r.S }));
        var result = new PlayerFacts?[playerIds.Count];
        for (var i = 0; i < result.Length; i++)
        {
            var profile = ProfileReader.Decode(playerIds[i], reads[i].P.Result, reads[i].D.Result, reads[i].G.Result, id => games.GetValueOrDefault(id), now);
            // Day buckets can outlive a profile hash for a moment during erasure: no profile hash, no player.
            if (profile is not null && reads[i].P.Result.Length > 0) result[i] = new PlayerFacts(profile, ScoreFacts.FromHash(reads[i].S.Result));
        }
        return result;
    }
}

/// <summary>Ready, but degraded while the index loads (previews answer 503 meanwhile; scores are unaffected).</summary>
internal sealed class SegmentIndexHealthCheck(IndexFeed feed) : Microsoft.Extensions.Diagnostics.HealthChecks.IHealthCheck
{
    public Task<Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult> CheckHealthAsync(
        Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var (done, expected) = feed.Progress;
        return Task.FromResult(feed.IsLoaded
            ? Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Healthy($"segment index holds its players (loaded in {feed.LastLoad?.TotalSeconds:0.0} s)")
            : Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Degraded($"segment index loading: {done:N0} of {expected:N0} players"));
    }
}
