using Shared.ServiceDefaults;
using Intelligence.Features;
using Intelligence.Models;
using Microsoft.Extensions.Options;
using Shared.Store;
using StackExchange.Redis;

namespace Intelligence.Scoring;

/// <summary>
/// Live rescoring. Ingestion marks every changed player in the durable change feed (<see cref="StoreKeys.RescorePending"/>)
/// and publishes a notification; this worker wakes on the notification (or its poll interval), claims a batch
/// atomically (so several instances share the work), rescores it and releases the claim. A claim whose worker died
/// returns to the feed when its lease runs out, and a restarted instance starts by draining what waited meanwhile.
/// </summary>
public sealed class RescoreWorker(IConnectionMultiplexer redis, StoreKeys keys, Rescorer rescorer, ScoringMetrics metrics,
    IOptions<ScoringOptions> options, TimeProvider clock, ILogger<RescoreWorker> log) : SupervisedService(log, clock)
{
    // KEYS: pending, claimed. ARGV: now (ms), lease (ms), max. Returns id, first-change time pairs.
    private const string Claim = """
        local now = tonumber(ARGV[1])
        local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, 1000)
        for _, id in ipairs(expired) do
          redis.call('ZREM', KEYS[2], id)
          redis.call('ZADD', KEYS[1], 'NX', now, id)
        end
        local items = redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[3]) - 1, 'WITHSCORES')
        for i = 1, #items, 2 do
          redis.call('ZREM', KEYS[1], items[i])
          redis.call('ZADD', KEYS[2], now + tonumber(ARGV[2]), items[i])
        end
        return items
        """;

    private readonly SemaphoreSlim _signal = new(0, 1);

    protected override async Task RunAsync(CancellationToken stoppingToken)
    {
        var queue = await redis.GetSubscriber().SubscribeAsync(keys.ProfileChanged);
        queue.OnMessage(_ => Wake());
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                int claimed;
                try
                {
                    claimed = await RunOnceAsync(stoppingToken);
                }
                catch (Exception e) when (e is RedisException or TimeoutException)
                {
                    log.LogWarning(e, "Rescoring paused: the store did not answer");
                    claimed = 0;
                }
                if (claimed == 0) await _signal.WaitAsync(options.Value.RescorePollInterval, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            await queue.UnsubscribeAsync();
        }
    }

    private void Wake()
    {
        try { _signal.Release(); }
        catch (SemaphoreFullException) { }
    }

    /// <summary>Claims and rescores one batch; returns how many players were claimed.</summary>
    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        var o = options.Value;
        var db = redis.GetDatabase();
        var now = Clock.GetUtcNow().ToUnixTimeMilliseconds();
        var result = (RedisResult[])(await db.ScriptEvaluateAsync(Claim, [keys.RescorePending, keys.RescoreClaimed],
            [now, (long)o.RescoreLease.TotalMilliseconds, o.RescoreBatch]))!;
        if (result.Length == 0) return 0;
        var ids = new string[result.Length / 2];
        var since = new long[ids.Length];
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = result[2 * i].ToString();
            since[i] = (long)(double)result[2 * i + 1];
        }
        try
        {
            await rescorer.RescoreAsync(ids, ct);
            var done = Clock.GetUtcNow().ToUnixTimeMilliseconds();
            foreach (var t in since) metrics.Lag(Math.Max(0, done - t));
            await db.SortedSetRemoveAsync(keys.RescoreClaimed, [.. ids.Select(id => (RedisValue)id)]);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Back to the feed at once rather than after the lease: the next round retries them.
            log.LogError(e, "Rescoring {Count} players failed; they go back to the change feed", ids.Length);
            await db.SortedSetAddAsync(keys.RescorePending, [.. ids.Select((id, i) => new SortedSetEntry(id, since[i]))], SortedSetWhen.NotExists);
            await db.SortedSetRemoveAsync(keys.RescoreClaimed, [.. ids.Select(id => (RedisValue)id)]);
        }
        return ids.Length;
    }

    public override void Dispose()
    {
        _signal.Dispose();
        base.Dispose();
    }
}

/// <summary>
/// Rescores every player every <see cref="ScoringOptions.SweepInterval"/> (0: never on a schedule), so recency-driven
/// scores move without events; and whenever the served models differ from those of the last whole sweep (at start,
/// and after a promotion or rollback), so stored scores never lag a new model for long. One instance sweeps at a
/// time (a lock in the store), and a sweep for versions some instance has already swept is skipped: a burst of
/// promotions, or every instance hearing the same one, or restarting, costs one sweep, not one each.
/// </summary>
public sealed class SweepWorker(HistoryReader reader, Rescorer rescorer, ModelHost models, IConnectionMultiplexer redis, StoreKeys keys, ScoringMetrics metrics,
    IOptions<ScoringOptions> options, TimeProvider clock, ILogger<SweepWorker> log) : SupervisedService(log, clock)
{
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan LockRetry = TimeSpan.FromSeconds(5);
    private readonly SemaphoreSlim _modelChanged = new(0, 1);

    protected override async Task RunAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.SweepInterval;
        models.Changed += OnModelChanged;
        var next = interval > TimeSpan.Zero ? Clock.GetUtcNow() + interval : DateTimeOffset.MaxValue;
        // The models may have been loaded before this worker listened: check them once at start.
        var stale = true;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                if (!stale)
                {
                    var untilNext = next == DateTimeOffset.MaxValue ? Timeout.InfiniteTimeSpan : next - Clock.GetUtcNow();
                    if (untilNext == Timeout.InfiniteTimeSpan || untilNext > TimeSpan.Zero)
                    {
                        stale = await _modelChanged.WaitAsync(untilNext, stoppingToken);
                        if (!stale && Clock.GetUtcNow() < next) continue;
                    }
                }
                var scheduled = !stale;
                if (scheduled) next = Clock.GetUtcNow() + interval;
                else
                {
                    // Let a burst of promotions (three kinds in one training run) settle into one sweep.
                    await Task.Delay(Settle, Clock, stoppingToken);
                    _modelChanged.Wait(0, CancellationToken.None);
                }
                try
                {
                    var n = await SweepAsync(onlyIfStale: !scheduled, stoppingToken);
                    if (n >= 0) log.LogInformation("Sweep rescored {Players} players", n);
                    // Another instance held the lock: look again shortly, unless it has swept these versions by then.
                    stale = n == -1 && !scheduled;
                    if (stale) await Task.Delay(LockRetry, Clock, stoppingToken);
                }
                catch (Exception e) when (e is RedisException or TimeoutException)
                {
                    log.LogWarning(e, "Sweep stopped early: the store did not answer");
                    stale = !scheduled;
                    if (stale) await Task.Delay(LockRetry, Clock, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            models.Changed -= OnModelChanged;
        }
    }

    private void OnModelChanged(string kind)
    {
        try { _modelChanged.Release(); }
        catch (SemaphoreFullException) { }
    }

    /// <summary>
    /// Rescores everyone and records the versions swept with. Returns how many players; −1 when another instance is
    /// sweeping; −2 when <paramref name="onlyIfStale"/> and the served versions have been swept already.
    /// </summary>
    public async Task<int> SweepAsync(bool onlyIfStale, CancellationToken ct)
    {
        var db = redis.GetDatabase();
        var token = Guid.NewGuid().ToString("N");
        if (!await db.StringSetAsync(keys.SweepLock, token, TimeSpan.FromMinutes(10), When.NotExists)) return -1;
        try
        {
            // Never empty (the store reads a missing key and an empty string alike), even with no model served yet.
            var versions = "v:" + ScoreStore.VersionsKey(models.Versions());
            if (onlyIfStale && await db.StringGetAsync(keys.SweptVersions) == versions) return -2;
            var n = 0;
            await foreach (var page in reader.PlayerIdPagesAsync())
            {
                n += await rescorer.RescoreAsync(page, ct);
                await db.KeyExpireAsync(keys.SweepLock, TimeSpan.FromMinutes(10));
            }
            await db.StringSetAsync(keys.SweptVersions, versions);
            metrics.Swept();
            return n;
        }
        finally
        {
            var tx = db.CreateTransaction();
            tx.AddCondition(Condition.StringEqual(keys.SweepLock, token));
            _ = tx.KeyDeleteAsync(keys.SweepLock);
            await tx.ExecuteAsync();
        }
    }

    public override void Dispose()
    {
        _modelChanged.Dispose();
        base.Dispose();
    }
}
