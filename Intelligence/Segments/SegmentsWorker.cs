using Shared.ServiceDefaults;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Shared.Store;
using StackExchange.Redis;

namespace Intelligence.Segments;

/// <summary>
/// Keeps this instance's share of the segment index, its definitions, and membership true as time passes:
/// <list type="bullet">
/// <item>heartbeats in the store and takes on the index partitions it should hold among the live instances
/// (<see cref="IndexPartitions"/>): loads their players, serves them, evaluates every segment over them; hands
/// partitions it should no longer hold over once their new server has loaded them; answers the other instances' index
/// queries (<see cref="IndexGather"/>);</item>
/// <item>rewrites a player's row whenever any instance stores new scores for them (<c>scores:changed</c>), if it holds
/// their partition, and drops erased players (<c>profiles:changed</c> with <c>player.erased</c>);</item>
/// <item>reloads the definitions on <c>segments:changed</c>;</item>
/// <item>after each UTC midnight reloads its partitions' players (the day windows roll) and evaluates every segment over
/// them, and those that move with time every <see cref="SegmentOptions.ReevaluateInterval"/>;</item>
/// <item>records each segment's size every <see cref="SegmentOptions.SizeSnapshotInterval"/>.</item>
/// </list>
/// </summary>
internal sealed class SegmentsWorker(IndexFeed feed, PlayerIndex index, IndexPartitions partitions, IndexGather gather, SegmentQueries queries, LiveSegments segments,
    SegmentMemberships memberships, MembershipStore store, IConnectionMultiplexer redis, StoreKeys keys, SegmentMetrics metrics, IOptions<SegmentOptions> options,
    Webhooks.WebhookOutbox webhooks, Experiments.ExperimentStore experiments, TimeProvider clock, ILogger<SegmentsWorker> log)
    : SupervisedService(log, clock)
{
    private readonly Channel<string> _refresh = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Channel<(string Id, bool Again)> _erased = Channel.CreateUnbounded<(string Id, bool Again)>(new UnboundedChannelOptions { SingleReader = true });
    private volatile IReadOnlyList<string> _live = [];
    private long _liveVersion;

    protected override async Task RunAsync(CancellationToken stoppingToken)
    {
        var subscriber = redis.GetSubscriber();
        var scores = await subscriber.SubscribeAsync(keys.ScoresChanged);
        scores.OnMessage(m =>
        {
            var s = m.Message.ToString();
            var bar = s.IndexOf('|', StringComparison.Ordinal);
            if (bar <= 0 || !long.TryParse(s.AsSpan(bar + 1), out var at)) return;
            var id = s[..bar];
            // Another instance's partition; or this instance's own rescoring wrote the row already.
            if (partitions.Holds(id) && index.VersionOf(id) < at) _refresh.Writer.TryWrite(id);
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
        // The queries register what this instance answers; made here so an instance that never asks still answers.
        _ = queries;
        await gather.ListenAsync(stoppingToken);
        var refresher = RefreshLoopAsync(stoppingToken);
        var eraser = EraseLoopAsync(stoppingToken);
        var heartbeat = HeartbeatLoopAsync(stoppingToken);
        try
        {
            await JoinAsync(stoppingToken);
            await MaintainAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            _refresh.Writer.TryComplete();
            _erased.Writer.TryComplete();
            await Task.WhenAll(refresher, eraser, heartbeat);
            try
            {
                // Leaving now rather than when the lease runs out lets the other instances take the partitions over at once.
                await partitions.LeaveAsync();
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                log.LogWarning(e, "Could not leave the index's instance registry; the lease runs out instead");
            }
            await gather.StopAsync();
            await scores.UnsubscribeAsync();
            await profiles.UnsubscribeAsync();
            await definitions.UnsubscribeAsync();
        }
    }

    private async Task JoinAsync(CancellationToken ct)
    {
        while (true)
        {
            try
            {
                await partitions.CheckCountAsync();
                await segments.ReloadAsync();
                await partitions.HeartbeatAsync();
                // Instances started together see each other before they share the partitions out.
                if (options.Value.JoinSettle > TimeSpan.Zero) await Task.Delay(options.Value.JoinSettle, Clock, ct);
                _live = await partitions.HeartbeatAsync();
                await RebalanceAsync(_live, ct);
                break;
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                log.LogWarning(e, "Loading the segment index paused: the store did not answer; retrying");
                await Task.Delay(TimeSpan.FromSeconds(2), Clock, ct);
            }
        }
        feed.MarkLoaded();
        try
        {
            await DropStaleRecordsAsync();
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            log.LogWarning(e, "Could not drop the membership records of erased players");
        }
    }

    /// <summary>Renews this instance's lease a few times per lease, apart from loading (which may take minutes).</summary>
    private async Task HeartbeatLoopAsync(CancellationToken ct)
    {
        var every = options.Value.InstanceLease / 4;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(every, Clock, ct);
                var live = await partitions.HeartbeatAsync();
                if (!live.SequenceEqual(_live, StringComparer.Ordinal))
                {
                    _live = live;
                    Interlocked.Increment(ref _liveVersion);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                log.LogWarning(e, "Index heartbeat failed: the store did not answer");
            }
        }
    }

    /// <summary>
    /// Takes on the partitions this instance should hold and does not (loads them, serves them, evaluates every segment
    /// over them), claims again those it serves that the store names another for, and hands over those it should no
    /// longer hold once another live instance serves them.
    /// </summary>
    private async Task RebalanceAsync(IReadOnlyList<string> live, CancellationToken ct)
    {
        var target = IndexPartitions.Assign(live, partitions.InstanceId, partitions.Count, options.Value.MaxPartitionsPerInstance);
        var taking = target.Except(partitions.Held);
        if (!taking.IsEmpty)
        {
            partitions.SetHeld(partitions.Held.Union(taking));
            var read = await feed.LoadAsync(taking, ct);
            partitions.SetLoaded(partitions.Loaded.Union(taking));
            await partitions.ServeAsync(taking);
            log.LogInformation("Index partitions taken on: {Partitions} ({Players} players); this instance serves {Serving} with {Held} players",
                taking, read, partitions.Loaded, index.Count);
            await memberships.EvaluateAllAsync(onlyMovingWithTime: false, taking, ct);
        }
        var serving = await partitions.ServingAsync(live);
        var reclaim = PartitionSet.Of(partitions.Count, target.Intersect(partitions.Loaded).Members
            .Where(k => serving.TryGetValue(k, out var s) && s != partitions.InstanceId));
        await partitions.ServeAsync(reclaim);
        var handed = PartitionSet.Of(partitions.Count, partitions.Held.Except(target).Members
            .Where(k => serving.TryGetValue(k, out var s) && s != partitions.InstanceId));
        if (!handed.IsEmpty)
        {
            partitions.SetLoaded(partitions.Loaded.Except(handed));
            partitions.SetHeld(partitions.Held.Except(handed));
            var dropped = index.RemovePartitions(handed);
            log.LogInformation("Index partitions handed over: {Partitions} ({Players} players); this instance serves {Serving}", handed, dropped, partitions.Loaded);
        }
        metrics.IndexSize(index.Count);
    }

    private async Task MaintainAsync(CancellationToken ct)
    {
        var o = options.Value;
        var now = Clock.GetUtcNow();
        var day = ProfileReader.DayOf(now);
        var nextEvaluation = now + o.ReevaluateInterval;
        var nextSnapshot = now;
        var balanced = Interlocked.Read(ref _liveVersion);
        var nextBalance = now;
        while (!ct.IsCancellationRequested)
        {
            await Task.Delay(TimeSpan.FromSeconds(1), Clock, ct);
            now = Clock.GetUtcNow();
            try
            {
                metrics.IndexSize(index.Count);
                // When instances come or go, and now and then anyway (a handover waits for the new server to load).
                var version = Interlocked.Read(ref _liveVersion);
                if (version != balanced || now >= nextBalance)
                {
                    balanced = version;
                    nextBalance = now + o.InstanceLease / 2;
                    await RebalanceAsync(_live, ct);
                }
                if (ProfileReader.DayOf(now) != day)
                {
                    day = ProfileReader.DayOf(now);
                    await feed.LoadAsync(partitions.Loaded, ct);
                    await memberships.EvaluateAllAsync(onlyMovingWithTime: false, partitions.Loaded, ct);
                    await DropStaleRecordsAsync();
                    nextEvaluation = now + o.ReevaluateInterval;
                }
                else if (now >= nextEvaluation)
                {
                    var changed = await memberships.EvaluateAllAsync(onlyMovingWithTime: true, partitions.Loaded, ct);
                    if (changed > 0) log.LogInformation("Segment re-evaluation moved {Changes} memberships", changed);
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

    /// <summary>Membership records of players erased while no instance was listening (they hold no segment by now).</summary>
    private async Task DropStaleRecordsAsync()
    {
        var db = redis.GetDatabase();
        var candidates = new List<RedisValue>();
        var loaded = partitions.Loaded;
        await foreach (var record in store.RecordsAsync())
        {
            var id = record.Name.ToString();
            if (loaded.Contains(partitions.PartitionOf(id)) && !index.Contains(id)) candidates.Add(record.Name);
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
                    // Deliveries already queued about the player (an entered segment, a band change) go too.
                    await webhooks.ForgetPlayerAsync(id);
                    // And the groups they were assigned in experiments (their outcomes went with their profile).
                    await experiments.ForgetPlayerAsync(id);
                    // A rescoring in flight when the erasure came may still write the player back: look again shortly.
                    if (!again) _ = Task.Delay(TimeSpan.FromSeconds(5), Clock, ct).ContinueWith(_ => _erased.Writer.TryWrite((id, true)), TaskScheduler.Default);
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
