using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Shared.Store;
using StackExchange.Redis;

namespace Intelligence.Segments;

/// <summary>
/// Keeps this instance's segment index and definitions current, and membership true as time passes:
/// <list type="bullet">
/// <item>loads every player at start, then rewrites a player's row whenever any instance stores new scores for them
/// (<c>scores:changed</c>), and drops erased players (<c>profiles:changed</c> with <c>player.erased</c>);</item>
/// <item>reloads the definitions on <c>segments:changed</c>;</item>
/// <item>evaluates every segment once the index is loaded and after each UTC midnight (after reloading every player,
/// so the day windows roll), and those that move with time every <see cref="SegmentOptions.ReevaluateInterval"/>; one
/// instance at a time (a lock in the store);</item>
/// <item>records each segment's size every <see cref="SegmentOptions.SizeSnapshotInterval"/>.</item>
/// </list>
/// </summary>
internal sealed class SegmentsWorker(IndexFeed feed, PlayerIndex index, LiveSegments segments, SegmentMemberships memberships, MembershipStore store,
    IConnectionMultiplexer redis, StoreKeys keys, SegmentMetrics metrics, IOptions<SegmentOptions> options, TimeProvider clock, ILogger<SegmentsWorker> log)
    : BackgroundService
{
    private readonly Channel<string> _refresh = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Channel<(string Id, bool Again)> _erased = Channel.CreateUnbounded<(string Id, bool Again)>(new UnboundedChannelOptions { SingleReader = true });

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var subscriber = redis.GetSubscriber();
        var scores = await subscriber.SubscribeAsync(keys.ScoresChanged);
        scores.OnMessage(m =>
        {
            var s = m.Message.ToString();
            var bar = s.IndexOf('|', StringComparison.Ordinal);
            if (bar <= 0 || !long.TryParse(s.AsSpan(bar + 1), out var at)) return;
            var id = s[..bar];
            // This instance's own rescoring wrote the row already.
            if (index.VersionOf(id) < at) _refresh.Writer.TryWrite(id);
        });
        var profiles = await subscriber.SubscribeAsync(keys.ProfileChanged);
        profiles.OnMessage(m =>
        {
            if (ProfileChange.TryParse(m.Message.ToString(), out var change) && change.EventType == "player.erased") _erased.Writer.TryWrite((change.PlayerId, false));
        });
        var definitions = await subscriber.SubscribeAsync(keys.SegmentsChanged);
        definitions.OnMessage(async _ =>
        {
            try { await segments.ReloadAsync(); }
            catch (Exception e) when (e is RedisException or TimeoutException) { log.LogWarning(e, "Could not reload the segment definitions"); }
        });
        var refresher = RefreshLoopAsync(stoppingToken);
        var eraser = EraseLoopAsync(stoppingToken);
        try
        {
            await LoadAsync(stoppingToken);
            await MaintainAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            _refresh.Writer.TryComplete();
            _erased.Writer.TryComplete();
            await Task.WhenAll(refresher, eraser);
            await scores.UnsubscribeAsync();
            await profiles.UnsubscribeAsync();
            await definitions.UnsubscribeAsync();
        }
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        while (true)
        {
            try
            {
                await segments.ReloadAsync();
                await feed.LoadAsync(ct);
                break;
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                log.LogWarning(e, "Loading the segment index paused: the store did not answer; retrying");
                await Task.Delay(TimeSpan.FromSeconds(2), clock, ct);
            }
        }
        await EvaluateUnderLockAsync(onlyMovingWithTime: false, dropStaleRecords: true, ct);
    }

    private async Task MaintainAsync(CancellationToken ct)
    {
        var o = options.Value;
        var now = clock.GetUtcNow();
        var day = ProfileReader.DayOf(now);
        var nextEvaluation = now + o.ReevaluateInterval;
        var nextSnapshot = now;
        while (!ct.IsCancellationRequested)
        {
            await Task.Delay(TimeSpan.FromSeconds(1), clock, ct);
            now = clock.GetUtcNow();
            try
            {
                metrics.IndexSize(index.Count);
                if (ProfileReader.DayOf(now) != day)
                {
                    day = ProfileReader.DayOf(now);
                    await feed.LoadAsync(ct);
                    await EvaluateUnderLockAsync(onlyMovingWithTime: false, dropStaleRecords: true, ct);
                    nextEvaluation = now + o.ReevaluateInterval;
                }
                else if (now >= nextEvaluation)
                {
                    await EvaluateUnderLockAsync(onlyMovingWithTime: true, dropStaleRecords: false, ct);
                    nextEvaluation = now + o.ReevaluateInterval;
                }
                if (now >= nextSnapshot)
                {
                    await SnapshotSizesAsync(now);
                    var interval = o.SizeSnapshotInterval.Ticks;
                    nextSnapshot = new DateTimeOffset((now.UtcTicks / interval + 1) * interval, TimeSpan.Zero);
                }
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                log.LogWarning(e, "Segment maintenance paused: the store did not answer");
            }
        }
    }

    /// <summary>Evaluates segments over the index, on one instance at a time; false when another instance holds the lock.</summary>
    public async Task<bool> EvaluateUnderLockAsync(bool onlyMovingWithTime, bool dropStaleRecords, CancellationToken ct)
    {
        var db = redis.GetDatabase();
        var token = Guid.NewGuid().ToString("N");
        if (!await db.StringSetAsync(keys.SegmentReevaluationLock, token, TimeSpan.FromMinutes(10), When.NotExists)) return false;
        try
        {
            var changed = await memberships.EvaluateAllAsync(onlyMovingWithTime, ct);
            if (changed > 0) log.LogInformation("Segment re-evaluation moved {Changes} memberships", changed);
            if (dropStaleRecords) await DropStaleRecordsAsync();
            return true;
        }
        finally
        {
            await db.ScriptEvaluateAsync("if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
                [keys.SegmentReevaluationLock], [token]);
        }
    }

    /// <summary>Membership records of players erased while no instance was listening (they hold no segment by now).</summary>
    private async Task DropStaleRecordsAsync()
    {
        var db = redis.GetDatabase();
        var candidates = new List<RedisValue>();
        await foreach (var record in store.RecordsAsync())
        {
            if (!index.Contains(record.Name.ToString())) candidates.Add(record.Name);
        }
        if (candidates.Count == 0) return;
        var batch = db.CreateBatch();
        var exists = candidates.Select(id => batch.KeyExistsAsync(keys.Profile(id.ToString()))).ToList();
        batch.Execute();
        await Task.WhenAll(exists);
        var gone = candidates.Where((_, i) => !exists[i].Result).ToArray();
        if (gone.Length > 0)
        {
            foreach (var id in gone) await memberships.ForgetAsync(id.ToString());
            log.LogInformation("Dropped the segment memberships of {Count} players no longer held", gone.Length);
        }
    }

    private async Task SnapshotSizesAsync(DateTimeOffset now)
    {
        var live = await segments.GetAsync();
        if (live.Count == 0) return;
        var o = options.Value;
        var bucket = now.UtcTicks / o.SizeSnapshotInterval.Ticks * o.SizeSnapshotInterval.Ticks;
        var bucketMs = new DateTimeOffset(bucket, TimeSpan.Zero).ToUnixTimeMilliseconds();
        var oldest = (now - TimeSpan.FromDays(o.SizeHistoryDays)).ToUnixTimeMilliseconds();
        foreach (var s in live) await store.RecordSizeAsync(s.Id, bucketMs, await store.CountAsync(s.Id), oldest);
    }

    private async Task RefreshLoopAsync(CancellationToken ct)
    {
        await foreach (var batch in _refresh.Reader.ReadBatchesAsync(500, ct))
        {
            try
            {
                await feed.RefreshAsync([.. batch.Distinct(StringComparer.Ordinal)]);
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                log.LogWarning(e, "Could not refresh {Count} players in the segment index", batch.Count);
            }
        }
    }

    private async Task EraseLoopAsync(CancellationToken ct)
    {
        try
        {
            await foreach (var (id, again) in _erased.Reader.ReadAllAsync(ct))
            {
                try
                {
                    await memberships.ForgetAsync(id);
                    // A rescoring in flight when the erasure came may still write the player back: look again shortly.
                    if (!again) _ = Task.Delay(TimeSpan.FromSeconds(5), clock, ct).ContinueWith(_ => _erased.Writer.TryWrite((id, true)), TaskScheduler.Default);
                }
                catch (Exception e) when (e is RedisException or TimeoutException)
                {
                    log.LogWarning(e, "Could not remove erased player {Player} from segments", id);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }
}
