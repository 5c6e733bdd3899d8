using Microsoft.Extensions.Time.Testing;
using Shared.Store;
using StackExchange.Redis;
using TestSupport;

namespace Ingestion.IntegrationTests;

/// <summary>
/// Ingestion on a Redis Cluster that changes under load, each test on a cluster of its own: slots migrating between
/// masters while bets stream in (MOVED, ASK and TRYAGAIN handled, a script call resent whole), and a master killed
/// mid-load while its replica takes over. A sender resends every batch until it is acknowledged; the store must then
/// hold every acknowledged bet exactly once, unless it acknowledged bets no replica had when their master died, which
/// <c>Ingestion:WaitForReplicas</c> prevents.
/// </summary>
[Trait("Category", "Slow")]
public sealed class ClusterResilienceTests
{
    private static readonly TimeSpan Healthy = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task SlotsMigratingWhileBetsStream_CountEveryAcknowledgedBetOnce()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await RedisCluster.StartAsync(cancellationToken: ct);
        var nodes = await cluster.NodesAsync(ct);
        var from = nodes.Single(n => n.IsMaster && n.Slots.Any(r => r.From == 0));
        var to = nodes.First(n => n.IsMaster && n.Id != from.Id);
        const int moving = 200;
        await using var app = new IngestionApp(cluster.ConnectionString);
        using var redis = await ConnectionMultiplexer.ConnectAsync(cluster.ConnectionString);
        // Most players live in the slots that move (redis-cli moves the source's lowest slots), a few elsewhere.
        var players = PlayersWhere(redis, app.Keys, slot => slot < moving, 300).Concat(PlayersWhere(redis, app.Keys, slot => slot >= moving, 60)).ToList();
        var stream = new BetSender([app.ClientWithKey(IngestionApp.WalletKey)], players, seed: 17);
        using var stop = new CancellationTokenSource();
        var load = Task.Run(() => stream.RunAsync(stop.Token), ct);

        await Task.Delay(500, ct);
        var batchesBefore = stream.Batches;
        await cluster.ReshardAsync(from, to, moving, ct);
        await cluster.ReshardAsync(to, from, moving, ct);
        var batchesDuring = stream.Batches - batchesBefore;
        await stop.CancelAsync();
        await load;

        TestContext.Current.TestOutputHelper?.WriteLine($"{stream.Batches} batches, {batchesDuring} while slots moved, {stream.Failed} not acknowledged and resent, {stream.Resent} resent on purpose");
        Assert.True(batchesDuring > 0, "bets streamed while the slots moved");
        Assert.Equal(0, stream.Failed);
        await cluster.WaitUntilHealthyAsync(Healthy, replicasInSync: false, ct);
        Assert.Equal(from.SlotCount, (await cluster.NodesAsync(ct)).Single(n => n.Id == from.Id).SlotCount);
        await AssertStoredAsync(cluster, app.Keys, stream.Acknowledged, lost: _ => false);
    }

    [Fact]
    public async Task WithoutWaitingForReplicas_BetsAcknowledgedWhileTheReplicaLagged_AreLostWhenTheMasterDies()
    {
        var (acknowledged, victims, cluster, keys) = await KillAMasterMidLoadAsync(waitForReplicas: 0);
        await using var _ = cluster;

        var stored = await AssertStoredAsync(cluster, keys, acknowledged, lost: victims.Contains);

        var lost = victims.Sum(p => acknowledged[p] - stored[p]);
        TestContext.Current.TestOutputHelper?.WriteLine($"{lost} acknowledged bets of the dead master's players lost");
        Assert.True(lost > 0, "bets acknowledged by the master while its replica was frozen die with the master");
    }

    [Fact]
    public async Task WaitingForAReplica_NothingAcknowledgedIsLost_WhenAMasterDiesMidLoad()
    {
        var (acknowledged, _, cluster, keys) = await KillAMasterMidLoadAsync(waitForReplicas: 1);
        await using var __ = cluster;

        await AssertStoredAsync(cluster, keys, acknowledged, lost: _ => false);
    }

    /// <summary>
    /// Streams bets, freezes the replica of one master (it replicates nothing), keeps streaming to that master's
    /// players, kills the master, lets the replica take over, brings the old master back as its replica, and stops the
    /// stream once every batch is acknowledged. Returns the bets acknowledged per player and the dead master's players.
    /// </summary>
    private static async Task<(IReadOnlyDictionary<string, int> Acknowledged, HashSet<string> Victims, RedisCluster Cluster, StoreKeys Keys)>
        KillAMasterMidLoadAsync(int waitForReplicas)
    {
        var ct = TestContext.Current.CancellationToken;
        var cluster = await RedisCluster.StartAsync(nodeTimeout: TimeSpan.FromSeconds(2), cancellationToken: ct);
        try
        {
            await using var app = new IngestionApp(cluster.ConnectionString, new Dictionary<string, string?>
            {
                ["Ingestion:WaitForReplicas"] = waitForReplicas.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Ingestion:ReplicaWaitTimeout"] = "00:00:00.200",
            });
            using var redis = await ConnectionMultiplexer.ConnectAsync(cluster.ConnectionString);
            var nodes = await cluster.NodesAsync(ct);
            var master = nodes.First(n => n.IsMaster);
            var replica = cluster.Server(nodes.Single(n => n.MasterId == master.Id));
            bool OnMaster(int slot) => master.Slots.Any(r => r.From <= slot && slot <= r.To);
            var victims = PlayersWhere(redis, app.Keys, OnMaster, 60).ToHashSet(StringComparer.Ordinal);
            var players = victims.Concat(PlayersWhere(redis, app.Keys, s => !OnMaster(s), 120)).ToList();
            var stream = new BetSender([app.ClientWithKey(IngestionApp.WalletKey)], players, seed: 23 + waitForReplicas);
            using var stop = new CancellationTokenSource();
            var load = Task.Run(() => stream.RunAsync(stop.Token), ct);

            // Connected before the freeze: connecting to a cluster waits on every node, a frozen one until it times out.
            using var admin = await ConnectionMultiplexer.ConnectAsync($"{cluster.Server(master).ConnectionString},allowAdmin=true");
            replica.Freeze();
            stream.Only = victims.Contains;
            if (waitForReplicas == 0)
            {
                await UntilBetsAcknowledgedAreOnlyInTheMastersMemoryAsync(admin.GetServer(System.Net.IPAddress.Loopback, master.Port), stream, victims, ct);
            }
            else
            {
                // Every write made now waits for a replica that cannot answer: nothing is acknowledged, whatever piles up.
                await Task.Delay(1500, ct);
            }
            cluster.Server(master).Kill();
            replica.Thaw();
            stream.Only = null;
            await cluster.WaitUntilHealthyAsync(Healthy, replicasInSync: false, ct);
            await cluster.Server(master).RestartAsync(ct);
            await cluster.WaitUntilHealthyAsync(Healthy, replicasInSync: true, ct);
            await Task.Delay(700, ct);
            await stop.CancelAsync();
            await load;

            TestContext.Current.TestOutputHelper?.WriteLine($"{stream.Batches} batches, {stream.Failed} not acknowledged and resent; first reasons:\n" +
                string.Join('\n', stream.FailureReasons.Take(3)));
            Assert.True(stream.Failed > 0, "requests failed while the master was dead");
            return (stream.Acknowledged, victims, cluster, app.Keys);
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>How long the replica may stay frozen; its data must stay young enough for it to take over (with
    /// node-timeout 2 s and the default validity factor 10, a replica whose data is older than about 30 s may not).</summary>
    private static readonly TimeSpan LongestFreeze = TimeSpan.FromSeconds(15);

    /// <summary>An <c>omem</c> beyond what a caught-up replica shows.</summary>
    private const long Backlog = 512 * 1024;

    /// <summary>
    /// Waits until bets are acknowledged whose writes never left the master's memory. A frozen replica reads nothing,
    /// but what the master already handed to the kernel (its socket send buffer and the replica's receive buffer, several
    /// MB on loopback) still reaches the replica once it is thawed, even from a killed master; only what waits in the
    /// master's own output buffer for the replica (<c>omem</c> in <c>CLIENT LIST</c>) dies with it. A fixed freeze of
    /// 1.5 s lost nothing on a busy machine, where fewer batches fit into it than the kernel buffers hold. So: wait until
    /// that buffer holds a backlog, then until five more of the victims' batches are acknowledged; their writes queue
    /// behind it. (Redis 7 reports a caught-up replica's <c>omem</c> as the size of the replication buffer block it is
    /// in, tens of KB; measured on loopback, <c>omem</c> stays there until the kernel has taken about 5 MB, then grows by
    /// every byte written.)
    /// </summary>
    private static async Task UntilBetsAcknowledgedAreOnlyInTheMastersMemoryAsync(IServer master, BetSender stream, HashSet<string> victims,
        CancellationToken ct)
    {
        // A duration (how long the replica has been frozen), not a date: a monotonic stopwatch.
        var frozen = System.Diagnostics.Stopwatch.StartNew();
        long? ackedWhenBuffered = null;
        long buffered = 0;
        while (frozen.Elapsed < LongestFreeze)
        {
            var acked = stream.Acknowledged.Where(kv => victims.Contains(kv.Key)).Sum(kv => (long)kv.Value);
            if (ackedWhenBuffered is null)
            {
                var replicas = (await master.ClientListAsync()).Where(c => c.ClientType == ClientType.Replica);
                buffered = replicas.Select(c => OutputBufferBytes(c.Raw ?? "")).DefaultIfEmpty(0).Max();
                if (buffered > Backlog) ackedWhenBuffered = acked;
            }
            else if (acked >= ackedWhenBuffered + 5 * 40)
            {
                TestContext.Current.TestOutputHelper?.WriteLine(
                    $"replica frozen {frozen.Elapsed.TotalSeconds:0.0} s; {acked - ackedWhenBuffered} victim bets acknowledged after the master buffered {buffered} bytes for it");
                return;
            }
            await Task.Delay(50, ct);
        }
        Assert.Fail(ackedWhenBuffered is null
            ? $"the master's output buffer for its frozen replica stayed under {Backlog} bytes ({buffered} at last) for {LongestFreeze.TotalSeconds:0} s: the bets streamed fit into the kernel's socket buffers"
            : $"fewer than 200 victim bets were acknowledged within {LongestFreeze.TotalSeconds:0} s after the master began buffering for its frozen replica");
    }

    private static long OutputBufferBytes(string clientListLine)
    {
        foreach (var field in clientListLine.Split(' '))
        {
            if (field.StartsWith("omem=", StringComparison.Ordinal)) return long.Parse(field.AsSpan(5), System.Globalization.CultureInfo.InvariantCulture);
        }
        return 0;
    }

    /// <summary>
    /// Reads every player's profile; asserts that each holds exactly the bets acknowledged (never more: no double
    /// count), except that the players <paramref name="lost"/> names may hold fewer. Returns the bets stored.
    /// </summary>
    private static async Task<Dictionary<string, long>> AssertStoredAsync(RedisCluster cluster, StoreKeys keys, IReadOnlyDictionary<string, int> acknowledged,
        Func<string, bool> lost)
    {
        using var redis = await ConnectionMultiplexer.ConnectAsync(cluster.ConnectionString);
        var reader = new ProfileReader(redis, keys, new FakeTimeProvider(DateTimeOffset.UtcNow));
        var stored = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (player, bets) in acknowledged)
        {
            var profile = await reader.ReadAsync(player, _ => null);
            var count = profile?.Lifetime.BetCount ?? 0;
            stored[player] = count;
            if (lost(player)) Assert.InRange(count, 0, bets);
            else Assert.True(bets == count, $"{player}: {bets} bets acknowledged, {count} stored");
            Assert.Equal((decimal)count, profile?.Lifetime.StakeAmount ?? 0m);
        }
        return stored;
    }

    /// <summary>The first <paramref name="count"/> player ids whose keys fall in slots <paramref name="slot"/> accepts.</summary>
    private static IEnumerable<string> PlayersWhere(ConnectionMultiplexer redis, StoreKeys keys, Func<int, bool> slot, int count) =>
        Enumerable.Range(0, int.MaxValue).Select(i => $"p-{i}").Where(p => slot(redis.HashSlot(keys.Profile(p)))).Take(count);
}
