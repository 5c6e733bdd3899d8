using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using Intelligence.Commands;
using Intelligence.Features;
using Intelligence.Models;
using Intelligence.Segments;
using Intelligence.Training;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Shared.Contracts;
using Shared.Store;
using StackExchange.Redis;
using TestSupport;

namespace Intelligence.Benchmarks;

/// <summary>A private store for a benchmark: one redis-server (one shard) or a Redis Cluster of several masters without replicas.</summary>
internal sealed class BenchStore : IAsyncDisposable
{
    private readonly IAsyncDisposable _server;

    private BenchStore(IAsyncDisposable server, string connectionString, int shards)
    {
        _server = server;
        ConnectionString = connectionString;
        Shards = shards;
    }

    public string ConnectionString { get; }

    public int Shards { get; }

    public static async Task<BenchStore> StartAsync(int shards, CancellationToken ct)
    {
        if (shards <= 1)
        {
            var redis = await RedisServer.StartAsync(RedisPersistence.None, ct);
            return new BenchStore(redis, redis.ConnectionString, 1);
        }
        // No replicas: they would double the memory this machine has to hold and measure nothing more.
        var cluster = await RedisCluster.StartAsync(masters: shards, replicasPerMaster: 0, nodeTimeout: TimeSpan.FromSeconds(60), cancellationToken: ct);
        return new BenchStore(cluster, cluster.ConnectionString, shards);
    }

    public Task<ConnectionMultiplexer> ConnectAsync() =>
        ConnectionMultiplexer.ConnectAsync(ConnectionString + ",allowAdmin=true,syncTimeout=60000,asyncTimeout=60000");

    /// <summary>Bytes Redis holds, summed over the masters (<c>used_memory</c>).</summary>
    public static long UsedMemory(IConnectionMultiplexer redis) => redis.GetServers().Where(s => !s.IsReplica)
        .Sum(s => long.Parse(s.Info("memory").SelectMany(g => g).First(kv => kv.Key == "used_memory").Value, CultureInfo.InvariantCulture));

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}

/// <summary>Loading one instance's share of the segment index in this process, timed and weighed, as an Intelligence instance does.</summary>
internal static class IndexLoad
{
    /// <summary>
    /// Loads the partitions the first of <paramref name="instances"/> instances would hold (all of them for one) and
    /// returns the index with its heap cost; prints the figures.
    /// </summary>
    public static async Task<(PlayerIndex Index, IReadOnlyDictionary<string, Game> Catalogue, double BytesPerPlayer, long Bytes)> LoadAsync(string redis, int instances, CancellationToken ct)
    {
        using var host = IntelligenceCommands.BuildHost(redis);
        var sp = host.Services;
        var catalog = sp.GetRequiredService<CatalogCache>();
        var games = await catalog.GetAsync();
        var options = Options.Create(new SegmentOptions());
        var partitions = new IndexPartitions(sp.GetRequiredService<IConnectionMultiplexer>(), sp.GetRequiredService<StoreKeys>(), options, TimeProvider.System);
        var names = Enumerable.Range(0, instances).Select(i => $"instance-{i}").ToList();
        var share = IndexPartitions.Assign(names, names[0], partitions.Count);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var index = new PlayerIndex(partitionOf: partitions.PartitionOf);
        using var metrics = new SegmentMetrics();
        var feed = new IndexFeed(sp.GetRequiredService<IConnectionMultiplexer>(), sp.GetRequiredService<StoreKeys>(), index, partitions, sp.GetRequiredService<HistoryReader>(),
            catalog, metrics, options, TimeProvider.System, NullLogger<IndexFeed>.Instance);
        var watch = Stopwatch.StartNew();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        await feed.LoadAsync(share, ct);
        var elapsed = watch.Elapsed;
        var cpuUsed = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        var after = GC.GetTotalMemory(forceFullCollection: true);
        var perPlayer = (after - before) / (double)Math.Max(1, index.Count);
        Console.WriteLine($"index of one instance of {instances} ({share.Size} of {share.Count} partitions): {index.Count:N0} players loaded in {elapsed.TotalSeconds:0.0} s " +
            $"({index.Count / elapsed.TotalSeconds:N0} players/s, {cpuUsed.TotalSeconds:0} s CPU; pages of {options.Value.LoadPageSize}, {options.Value.LoadParallelism} in flight)");
        Console.WriteLine($"index heap: {(after - before) / 1e6:N0} MB = {perPlayer:N0} bytes per player (columns: {IndexColumns.FixedBytesPerRow} bytes per row of capacity " +
            $"{index.Columns.Capacity:N0}; the rest is ids, per-player game and provider arrays, dictionaries)");
        GC.KeepAlive(feed);
        return (index, games, perPlayer, after - before);
    }
}

/// <summary>
/// Numbers at scale (issue 17): a simulated casino of N players written straight into one Redis or a Redis Cluster,
/// then Redis bytes per player, one instance's share of the segment index (heap per player), the built Ingestion and N
/// Intelligence instances as child processes: index load, previews through the API (scatter-gather over the instances),
/// ingest events/s, event → stored scores, and optionally training time.
/// </summary>
internal static class ScaleBenchmark
{
    private const string NestedRule = """{"rule":{"all":[{"field":"windows.30d.depositAmount","op":"gte","value":50},{"any":[{"field":"windows.7d.betCount","op":"gt","value":10},{"not":{"field":"lifetime.lastActiveAt","op":"gte","value":"-3d"}}]}]},"purpose":"marketing","channel":"email","sampleSize":20}""";
    private const string LeafRule = """{"rule":{"field":"country","op":"eq","value":"DE"},"purpose":"analysis","sampleSize":20}""";

    /// <summary>Writes a simulated casino straight into a store someone else runs.</summary>
    public static async Task<int> GenerateAsync(string redis, int players, int days, int seed, CancellationToken ct)
    {
        using var mux = await ConnectionMultiplexer.ConnectAsync(redis + ",allowAdmin=true,syncTimeout=60000,asyncTimeout=60000");
        var before = BenchStore.UsedMemory(mux);
        var watch = Stopwatch.StartNew();
        var (n, activities) = await SimulatedStore.WriteAsync(mux, new StoreKeys(), players, days, seed, done => Console.Write($"\rsimulating and writing players: {done:N0}"), scores: true);
        var used = BenchStore.UsedMemory(mux) - before;
        Console.WriteLine($"\r{n:N0} players × {days} days ({activities:N0} activities) written in {watch.Elapsed.TotalSeconds:0} s ({n / watch.Elapsed.TotalSeconds:N0} players/s); " +
            $"Redis grew by {used / 1e9:0.00} GB = {used / (double)n:N0} bytes per player");
        return 0;
    }

    public static async Task<int> RunAsync(int players, int shards, int days, int seed, int instances, int ingestSeconds, int rate, int duration, bool train, CancellationToken ct)
    {
        Console.WriteLine($"scale: {players:N0} players × {days} days on {shards} shard(s), {instances} Intelligence instance(s); load average {File.ReadAllText("/proc/loadavg").Trim()}; " +
            $"{Environment.ProcessorCount} cores");
        await using var store = await BenchStore.StartAsync(shards, ct);
        using var mux = await store.ConnectAsync();
        var keys = new StoreKeys();
        var baseline = BenchStore.UsedMemory(mux);
        var watch = Stopwatch.StartNew();
        var (n, activities) = await SimulatedStore.WriteAsync(mux, keys, players, days, seed, done => Console.Write($"\rsimulating and writing players: {done:N0}"), scores: true);
        var generated = BenchStore.UsedMemory(mux) - baseline;
        Console.WriteLine($"\rgenerated: {n:N0} players ({activities:N0} activities) in {watch.Elapsed.TotalSeconds:0} s; Redis {generated / 1e9:0.00} GB = " +
            $"{generated / (double)n:N0} bytes per player (profile, day buckets, games, scores; no ledger yet)");
        var playersKey = (long)await mux.GetDatabase().ExecuteAsync("MEMORY", "USAGE", (RedisKey)keys.Players, "SAMPLES", "0");
        Console.WriteLine($"of which the player list ({keys.Players}, one key on one shard): {playersKey / 1e6:N0} MB = {playersKey / (double)n:N0} bytes per player");

        var (index, _, bytesPerPlayer, indexBytes) = await IndexLoad.LoadAsync(store.ConnectionString, instances, ct);
        var held = index.Count;
        index = null;
        GC.Collect();

        var ids = (await mux.GetDatabase().SetMembersAsync(keys.Players)).Select(v => v.ToString()).ToArray();
        var settings = new Dictionary<string, string>
        {
            ["Scoring__SweepInterval"] = "00:00:00",
            ["Recommendations__TrainOnStart"] = "false",
            ["Training__TrainWhenMissing"] = "false",
        };
        var started = Stopwatch.StartNew();
        var services = await Task.WhenAll(Enumerable.Range(0, instances).Select(_ => Bench.IntelligenceAsync(store.ConnectionString, settings, ct)));
        try
        {
            var clients = services.Select(s => Client(s.Address)).ToArray();
            await UntilPreviewsAnswerAsync(clients, ct);
            var shares = new List<string>();
            for (var i = 0; i < services.Length; i++) shares.Add($"{await IndexPlayersAsync(clients[i], ct):N0} players, {Rss(services[i].Process) / 1e6:N0} MB resident");
            Console.WriteLine($"{instances} Intelligence instance(s) started and loaded their index shares in {started.Elapsed.TotalSeconds:0.0} s: {string.Join("; ", shares)}");
            var previews = await PreviewsAsync(clients, ct);
            await SegmentAsync(mux, keys, clients, ct);

            using var ingestion = await ServiceProcess.StartIngestionAsync(store.ConnectionString, Bench.Key, new Dictionary<string, string>(), ct);
            // Event → scores first, on a quiet change feed; the bulk ingestion after it leaves a backlog to rescore.
            var (p50, p99) = await EventToScoresAsync(mux, keys, ingestion.Address, ids, rate, duration, seed, ct);
            var beforeIngest = BenchStore.UsedMemory(mux);
            var (events, eventsPerSecond, touched) = await IngestAsync(ingestion.Address, ids, ingestSeconds, seed, ct);
            var ledger = (BenchStore.UsedMemory(mux) - beforeIngest) / (double)Math.Max(1, touched);
            Console.WriteLine($"ingest: {events:N0} bets in {ingestSeconds} s = {eventsPerSecond:N0} events/s (NDJSON batches of 2,000 from 4 senders to one Ingestion); " +
                $"Redis grew {ledger:N0} bytes per player touched ({touched:N0}: ledger entries and game counters)");
            var drain = Stopwatch.StartNew();
            var db = mux.GetDatabase();
            while (await db.SortedSetLengthAsync(keys.RescorePending) + await db.SortedSetLengthAsync(keys.RescoreClaimed) > 0) await Task.Delay(500, ct);
            Console.WriteLine($"the {touched:N0} players changed by it rescored by {instances} instance(s) {drain.Elapsed.TotalSeconds:0} s after it ended " +
                $"(≥ {touched / Math.Max(1, drain.Elapsed.TotalSeconds + ingestSeconds):N0} players/s)");

            double? trainingSeconds = null;
            if (train)
            {
                foreach (var s in services) s.Kill();
                using var host = IntelligenceCommands.BuildHost(store.ConnectionString);
                var t = Stopwatch.StartNew();
                await host.Services.GetRequiredService<ModelTrainer>().TrainAsync(ModelKinds.All, null, ct);
                trainingSeconds = t.Elapsed.TotalSeconds;
                Console.WriteLine($"training churn, VIP and segments on {n:N0} players (reading every player included): {trainingSeconds:0} s; " +
                    $"peak working set of this process {Process.GetCurrentProcess().PeakWorkingSet64 / 1e9:0.0} GB");
            }

            Console.WriteLine();
            Console.WriteLine("| players | shards | Redis bytes/player | ingest events/s | event → scores p99 | preview p99 (leaf / nested) | index per instance | training |");
            Console.WriteLine($"| {n:N0} | {shards} | {generated / (double)n:N0} + {ledger:N0} per active player | {eventsPerSecond:N0} | {p99:0} ms (p50 {p50:0}) | " +
                $"{previews.Leaf:0} / {previews.Nested:0} ms | {indexBytes / 1e6:N0} MB for {held:N0} players ({bytesPerPlayer:N0} B each; 1 of {instances}) | " +
                $"{(trainingSeconds is { } ts ? $"{ts:0} s" : "not run")} |");
        }
        finally
        {
            foreach (var s in services) s.Dispose();
        }
        return 0;
    }

    /// <summary>
    /// What acknowledging only replicated events costs: batched bets through Ingestion on a Redis Cluster with a replica per
    /// master, with <c>Ingestion:WaitForReplicas</c> 0 and 1 in turn, several runs each.
    /// </summary>
    public static async Task<int> ReplicationAsync(int shards, int runs, int seconds, int players, CancellationToken ct)
    {
        Console.WriteLine($"replication: {shards} masters with a replica each; load average {File.ReadAllText("/proc/loadavg").Trim()}; {Environment.ProcessorCount} cores");
        await using var cluster = await RedisCluster.StartAsync(masters: shards, replicasPerMaster: 1, nodeTimeout: TimeSpan.FromSeconds(60), cancellationToken: ct);
        var ids = Enumerable.Range(0, players).Select(i => $"p-{i}").ToArray();
        var results = new Dictionary<int, List<double>> { [0] = [], [1] = [] };
        for (var run = 0; run < runs; run++)
        {
            foreach (var wait in new[] { 0, 1 })
            {
                using var ingestion = await ServiceProcess.StartIngestionAsync(cluster.ConnectionString, Bench.Key, new Dictionary<string, string>
                {
                    ["Ingestion__WaitForReplicas"] = wait.ToString(CultureInfo.InvariantCulture),
                    ["Store__KeyPrefix"] = $"r{run}w{wait}:",
                }, ct);
                // A short first pass warms the service up (tiered JIT); the second is measured.
                await IngestAsync(ingestion.Address, ids, 5, run * 10 + wait, ct);
                var (events, perSecond, _) = await IngestAsync(ingestion.Address, ids, seconds, run * 10 + wait + 1, ct);
                results[wait].Add(perSecond);
                Console.WriteLine($"  run {run + 1}, WaitForReplicas={wait}: {events:N0} bets in {seconds} s = {perSecond:N0} events/s");
            }
        }
        foreach (var (wait, rates) in results)
        {
            Console.WriteLine($"WaitForReplicas={wait}: {string.Join(", ", rates.Select(r => r.ToString("N0", CultureInfo.InvariantCulture)))} events/s " +
                $"(mean {rates.Average():N0}, spread {rates.Min():N0}–{rates.Max():N0})");
        }
        return 0;
    }

    private static HttpClient Client(Uri address)
    {
        var http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromMinutes(10) };
        http.DefaultRequestHeaders.Add("X-Api-Key", Bench.Key);
        return http;
    }

    private static long Rss(Process process)
    {
        var line = File.ReadLines($"/proc/{process.Id}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }

    /// <summary>Previews answer once every partition is served by some instance.</summary>
    private static async Task UntilPreviewsAnswerAsync(HttpClient[] clients, CancellationToken ct)
    {
        while (true)
        {
            using var probe = await clients[0].PostAsync("/v1/segments/preview", Json(LeafRule), ct);
            if (probe.IsSuccessStatusCode && clients.Length == 1) return;
            if (probe.IsSuccessStatusCode)
            {
                // Every instance has loaded its share when each holds players.
                var all = true;
                foreach (var c in clients) all &= await IndexPlayersAsync(c, ct) > 0;
                if (all) return;
            }
            await Task.Delay(1000, ct);
        }
    }

    private static async Task<double> IndexPlayersAsync(HttpClient client, CancellationToken ct)
    {
        var line = (await TestSupport.ServiceProcess.ScrapeMetricsAsync(client, ct)).Split('\n').FirstOrDefault(l => l.StartsWith("segments_index_players", StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line.Split(' ')[^1], CultureInfo.InvariantCulture);
    }

    /// <summary>Previews through the API, sent to the instances in turn (each asks the others for their partitions).</summary>
    private static async Task<(double Leaf, double Nested)> PreviewsAsync(HttpClient[] clients, CancellationToken ct)
    {
        var result = new List<double>();
        foreach (var (name, rule) in new[] { ("simple leaf, country = DE", LeafRule), ("nested all/any/not, marketing on email", NestedRule) })
        {
            var times = new List<double>();
            for (var i = 0; i < 23; i++)
            {
                var t = Stopwatch.StartNew();
                using var response = await clients[i % clients.Length].PostAsync("/v1/segments/preview", Json(rule), ct);
                var body = await response.Content.ReadFromJsonAsync<SegmentPreview>(ct);
                response.EnsureSuccessStatusCode();
                if (i >= 3) times.Add(t.Elapsed.TotalMilliseconds);
                if (i == 22) Console.WriteLine($"preview through the API, {name}: {body!.Count:N0} of {body.Evaluated:N0}");
            }
            times.Sort();
            Console.WriteLine($"  p50 {P(times, 0.5):0.0} ms, p99 {P(times, 0.99):0.0} ms, max {times[^1]:0.0} ms (20 after 3 warm-up)");
            result.Add(P(times, 0.99));
        }
        return (result[0], result[1]);
    }

    /// <summary>
    /// Creates a segment of every depositor through the API (each instance evaluates its partitions) and weighs its
    /// memberships on the shard that holds the <c>{segments}</c> hash tag, once every change is announced.
    /// </summary>
    private static async Task SegmentAsync(ConnectionMultiplexer mux, StoreKeys keys, HttpClient[] clients, CancellationToken ct)
    {
        var shard = mux.GetServer(mux.GetDatabase().IdentifyEndpoint(keys.SegmentDefinitions)!);
        long Used() => long.Parse(shard.Info("memory").SelectMany(g => g).First(kv => kv.Key == "used_memory").Value, CultureInfo.InvariantCulture);
        var before = Used();
        var watch = Stopwatch.StartNew();
        using var created = await clients[0].PostAsJsonAsync("/v1/segments", new { name = "Depositors", purpose = "analysis", rule = new { field = "lifetime.depositCount", op = "gte", value = 1 } }, ct);
        created.EnsureSuccessStatusCode();
        var members = (await created.Content.ReadFromJsonAsync<Segment>(ct))!.Members;
        var answered = watch.Elapsed.TotalSeconds;
        while (await mux.GetDatabase().SortedSetLengthAsync(keys.SegmentAnnouncements) > 0) await Task.Delay(500, ct);
        var bytes = Used() - before;
        Console.WriteLine($"POST /v1/segments holding {members:N0} players: answered in {answered:0.0} s, every entry announced by {watch.Elapsed.TotalSeconds:0.0} s; " +
            $"the {{segments}} shard grew {bytes / 1e6:N0} MB = {bytes / (double)Math.Max(1, members):N0} bytes per membership");
    }

    /// <summary>Bets in NDJSON batches of 2,000 over random players from 4 senders, for the given seconds.</summary>
    private static async Task<(long Events, double PerSecond, int Touched)> IngestAsync(Uri ingestion, string[] ids, int seconds, int seed, CancellationToken ct)
    {
        using var http = Client(ingestion);
        var touched = new ConcurrentDictionary<string, byte>(StringComparer.Ordinal);
        long events = 0;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, 4).Select(async sender =>
        {
            var rng = new Random(seed * 31 + sender);
            var batch = 0;
            while (watch.Elapsed.TotalSeconds < seconds)
            {
                var body = new StringBuilder();
                for (var i = 0; i < 2000; i++)
                {
                    var id = ids[rng.Next(ids.Length)];
                    touched.TryAdd(id, 0);
                    var tx = $"ing-{sender}-{batch}-{i}";
                    body.Append(CultureInfo.InvariantCulture,
                        $$$"""{"specversion":"1.0","id":"{{{tx}}}","source":"/scale","type":"wallet.bet","subject":"{{{id}}}","data":{"transactionId":"{{{tx}}}","roundId":"r-{{{tx}}}","gameId":"g-scale","amount":1.00,"currency":"EUR"}}""").Append('\n');
                }
                using var response = await http.PostAsync("/v1/events", new StringContent(body.ToString(), Encoding.UTF8, "application/x-ndjson"), ct);
                response.EnsureSuccessStatusCode();
                Interlocked.Add(ref events, 2000);
                batch++;
            }
        }));
        return (events, events / watch.Elapsed.TotalSeconds, touched.Count);
    }

    /// <summary>Single bets at a steady rate, each timed until <c>scores:changed</c> announces its player (5 s warm-up not counted).</summary>
    private static async Task<(double P50, double P99)> EventToScoresAsync(ConnectionMultiplexer mux, StoreKeys keys, Uri ingestion, string[] ids, int rate, int duration, int seed,
        CancellationToken ct)
    {
        using var http = Client(ingestion);
        var sent = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var lags = new ConcurrentBag<double>();
        var queue = await mux.GetSubscriber().SubscribeAsync(keys.ScoresChanged);
        queue.OnMessage(m =>
        {
            if (sent.TryRemove(m.Message.ToString().Split('|')[0], out var t0)) lags.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
        });
        var rng = new Random(seed);
        var inFlight = new List<Task>();
        var start = Stopwatch.GetTimestamp();
        var measuring = false;
        for (var n = 0; Stopwatch.GetElapsedTime(start).TotalSeconds < duration + 5; n++)
        {
            if (!measuring && Stopwatch.GetElapsedTime(start).TotalSeconds >= 5)
            {
                measuring = true;
                lags.Clear();
                sent.Clear();
            }
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), start + (long)(n / (double)rate * Stopwatch.Frequency));
            if (wait > TimeSpan.Zero) await Task.Delay(wait, ct);
            var id = ids[rng.Next(ids.Length)];
            if (sent.ContainsKey(id)) continue;
            var body = $$$"""{"specversion":"1.0","id":"es-{{{n}}}","source":"/scale","type":"wallet.bet","subject":"{{{id}}}","data":{"transactionId":"es-{{{n}}}","roundId":"er-{{{n}}}","gameId":"g-scale","amount":1.50,"currency":"EUR"}}""";
            sent[id] = Stopwatch.GetTimestamp();
            inFlight.Add(http.PostAsync("/v1/events", new StringContent(body, Encoding.UTF8, "application/cloudevents+json"), ct));
        }
        await Task.WhenAll(inFlight);
        await Task.Delay(3000, ct);
        await queue.UnsubscribeAsync();
        var sorted = lags.Order().ToList();
        if (sorted.Count == 0)
        {
            Console.WriteLine("event → scores: no rescoring observed");
            return (double.NaN, double.NaN);
        }
        Console.WriteLine($"event → stored scores, {rate} bets/s for {duration} s: {sorted.Count:N0} timed, {sent.Count} not within 3 s; p50 {P(sorted, 0.5):0.0} ms, " +
            $"p90 {P(sorted, 0.9):0.0} ms, p99 {P(sorted, 0.99):0.0} ms, max {sorted[^1]:0.0} ms");
        return (P(sorted, 0.5), P(sorted, 0.99));
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static double P(List<double> sorted, double q) => sorted[Math.Min(sorted.Count - 1, (int)(q * sorted.Count))];
}
