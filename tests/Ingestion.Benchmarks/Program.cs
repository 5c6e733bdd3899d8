using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Ingestion.Benchmarks;
using Shared.Store;
using Simulator.Delivery;
using Simulator.Reference;
using StackExchange.Redis;
using TestSupport;

// End-to-end ingestion throughput: NDJSON over HTTP into the built Ingestion service, into a local redis-server.
// Usage: dotnet run -c Release --project tests/Ingestion.Benchmarks -- [--events 1000000] [--fsync everysec|always]
//   [--modes stream time per-player per-table late-wins late-rollbacks week-replay second-backfill rabbitmq] [--typical 2000] [--heavy 20]
// "stream" is a day of live casino traffic; every other mode delivers months of history of typical and heavy players in
// that order, checks every player against the plain reference fold, and measures Redis bytes per player. "rabbitmq" (not in
// the default modes) sends the stream's traffic through a RabbitMQ queue to the consumer instead of HTTP.

var events = new Option<int>("--events") { Description = "Events to send in the measured phase", DefaultValueFactory = _ => 1_000_000 };
var warmup = new Option<int>("--warmup") { Description = "Events sent first, not measured (JIT, connections, first writes)", DefaultValueFactory = _ => 100_000 };
var batch = new Option<int>("--batch") { Description = "Events per NDJSON request", DefaultValueFactory = _ => 2_000 };
var clients = new Option<int>("--clients") { Description = "Concurrent requests", DefaultValueFactory = _ => 4 };
var players = new Option<int>("--players") { Description = "Distinct players", DefaultValueFactory = _ => 50_000 };
var games = new Option<int>("--games") { Description = "Distinct game ids", DefaultValueFactory = _ => 400 };
var days = new Option<int>("--days") { Description = "Days of activity the stream walks through", DefaultValueFactory = _ => 1 };
var seed = new Option<int>("--seed") { Description = "Seed of the event generator", DefaultValueFactory = _ => 42 };
var fsync = new Option<string>("--fsync") { Description = "Redis appendfsync: everysec (default) or always", DefaultValueFactory = _ => "everysec" };
fsync.AcceptOnlyFromAmong("everysec", "always");
var env = new Option<string[]>("--env") { Description = "Extra KEY=VALUE settings for the Ingestion process (e.g. Ingestion__MaxBatchEvents=10000)", AllowMultipleArgumentsPerToken = true };
var redisConfig = new Option<string[]>("--redis-config") { Description = "Redis settings applied with CONFIG SET before the run, as NAME=VALUE (e.g. hash-max-listpack-entries=16)", AllowMultipleArgumentsPerToken = true };
var skipCeiling = new Option<bool>("--no-ceiling") { Description = "Skip the redis-benchmark ceiling" };
var modes = new Option<string[]>("--modes")
{
    Description = "What to run: stream (a day of live traffic), delivery modes of months of history (" + string.Join(", ", DeliveryModes.Names.Keys) +
        "), and rabbitmq (the stream's traffic through a queue to the RabbitMQ consumer)",
    AllowMultipleArgumentsPerToken = true,
    DefaultValueFactory = _ => ["stream", .. DeliveryModes.Names.Keys],
};
modes.AcceptOnlyFromAmong(["stream", "rabbitmq", .. DeliveryModes.Names.Keys]);
var typical = new Option<int>("--typical") { Description = "Typical players in the history (about 250 events over 150 days each)", DefaultValueFactory = _ => 2_000 };
var heavy = new Option<int>("--heavy") { Description = "Heavy players in the history (about 10,000 events over 365 days each)", DefaultValueFactory = _ => 20 };
var storeOptions = new Option<string>("--store-options") { Description = "StackExchange.Redis options appended to Ingestion's connection string, e.g. asyncTimeout=60000 when redis-server runs under a profiler", DefaultValueFactory = _ => "" };

var root = new RootCommand("Measures POST /v1/events (NDJSON) end to end into a local redis-server, and that server's own ceiling.")
{
    events, warmup, batch, clients, players, games, days, seed, fsync, env, redisConfig, skipCeiling, storeOptions, modes, typical, heavy,
};
root.SetAction(async (parse, ct) =>
{
    var settings = (parse.GetValue(env) ?? []).Select(s => s.Split('=', 2)).ToDictionary(s => s[0], s => s.Length > 1 ? s[1] : "");
    var options = new Run(parse.GetValue(events), parse.GetValue(warmup), parse.GetValue(batch), parse.GetValue(clients),
        parse.GetValue(players), parse.GetValue(games), parse.GetValue(days), parse.GetValue(seed),
        parse.GetValue(fsync) == "always" ? RedisPersistence.AofAlways : RedisPersistence.AofEverySecond, settings, !parse.GetValue(skipCeiling),
        (parse.GetValue(redisConfig) ?? []).Select(s => s.Split('=', 2)).ToDictionary(s => s[0], s => s.Length > 1 ? s[1] : ""),
        parse.GetValue(storeOptions) ?? "", parse.GetValue(modes) ?? [], parse.GetValue(typical), parse.GetValue(heavy));
    await options.ExecuteAsync(ct);
    return 0;
});
return await root.Parse(args).InvokeAsync();

internal sealed record Run(int Events, int Warmup, int Batch, int Clients, int Players, int Games, int Days, int Seed,
    RedisPersistence Persistence, IReadOnlyDictionary<string, string> Settings, bool Ceiling, IReadOnlyDictionary<string, string> RedisConfig,
    string StoreOptions, string[] Modes, int Typical, int Heavy)
{
    public async Task ExecuteAsync(CancellationToken ct)
    {
        Console.WriteLine($"load average before: {LoadAverage()}");
        Console.WriteLine($"redis-server with appendonly yes, appendfsync {(Persistence == RedisPersistence.AofAlways ? "always" : "everysec")}; " +
            $"{Events:N0} events (+{Warmup:N0} warm-up) in batches of {Batch:N0} from {Clients} clients; {Players:N0} players, {Games} games, {Days} days, seed {Seed}");
        await using var redisServer = await RedisServer.StartAsync(Persistence, ct);
        using var redis = await ConnectionMultiplexer.ConnectAsync(redisServer.ConnectionString + ",allowAdmin=true");
        var redisCpu = Process.GetProcessById(await RedisFigures.ProcessIdAsync(redis));
        foreach (var (name, value) in RedisConfig)
        {
            await redis.GetServers()[0].ConfigSetAsync(name, value);
            Console.WriteLine($"redis config: {name} {value}");
        }

        if (Ceiling)
        {
            Console.WriteLine("redis-benchmark ceiling (same server, -P 32):");
            foreach (var line in await RedisFigures.CeilingAsync(redis, redisServer.Port, RedisServer.FindExecutable()!, ct)) Console.WriteLine($"  {line}");
        }

        var apiKey = Convert.ToHexString(Guid.NewGuid().ToByteArray());
        using var ingestion = await ServiceProcess.StartIngestionAsync(
            StoreOptions.Length == 0 ? redisServer.ConnectionString : $"{redisServer.ConnectionString},{StoreOptions}", apiKey, Settings, ct);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Clients })
        {
            BaseAddress = ingestion.Address,
            Timeout = TimeSpan.FromMinutes(2),
        };
        http.DefaultRequestHeaders.Add("X-Api-Key", apiKey);

        var results = new List<string>();
        if (Modes.Contains("stream")) results.Add(await StreamAsync(redis, redisCpu, ingestion, http, ct));
        if (Modes.Contains("rabbitmq"))
        {
            var mix = new EventMix(Seed, Players, Games, Days, Warmup + (long)Events);
            var warm = Enumerable.Range(0, Warmup / Batch).Select(_ => mix.NextBatch(Batch)).ToArray();
            var measured = Enumerable.Range(0, Events / Batch).Select(_ => mix.NextBatch(Batch)).ToArray();
            results.Add(await RabbitMqFigures.MeasureAsync(redisServer.ConnectionString, Settings, warm, measured, Batch, Clients, prefetch: 4, ct));
        }
        var history = Modes.Where(m => m is not ("stream" or "rabbitmq")).Select(m => DeliveryModes.Names[m]).ToList();
        if (history.Count > 0)
        {
            if (!Modes.Contains("stream")) await WarmUpAsync(redis, http, ct);
            results.AddRange(await HistoryAsync(redis, redisCpu, ingestion, http, history, ct));
        }
        Console.WriteLine();
        Console.WriteLine("summary (events/s end to end; Redis bytes per player; players folded exactly)");
        foreach (var line in results) Console.WriteLine($"  {line}");
    }

    /// <summary>A day of live traffic (<see cref="EventMix"/>): the figures the ingestion benchmark has always printed.</summary>
    private async Task<string> StreamAsync(ConnectionMultiplexer redis, Process redisCpu, ServiceProcess ingestion, HttpClient http, CancellationToken ct)
    {
        var generate = Stopwatch.StartNew();
        var mix = new EventMix(Seed, Players, Games, Days, Warmup + (long)Events);
        var warm = Enumerable.Range(0, Warmup / Batch).Select(_ => mix.NextBatch(Batch)).ToArray();
        var measured = Enumerable.Range(0, Events / Batch).Select(_ => mix.NextBatch(Batch)).ToArray();
        Console.WriteLine($"generated {(warm.Length + measured.Length) * Batch:N0} events ({measured.Sum(b => (long)b.Length) / (double)(Events / Batch * Batch):N0} bytes each) in {generate.Elapsed.TotalSeconds:N1} s");

        await SendAsync(http, warm, ct);
        await redis.GetServers()[0].ExecuteAsync("CONFIG", "RESETSTAT");
        var cpuRedis0 = Cpu(redisCpu);
        var cpuIngestion0 = Cpu(ingestion.Process);
        var cpuMain0 = await RedisFigures.MainThreadCpuAsync(redis);
        var result = await SendAsync(http, measured, ct);
        var cpuRedis = Cpu(redisCpu) - cpuRedis0;
        var cpuIngestion = Cpu(ingestion.Process) - cpuIngestion0;
        var cpuMain = await RedisFigures.MainThreadCpuAsync(redis) - cpuMain0;
        var stats = await RedisFigures.CommandStatsAsync(redis);

        var sent = measured.Length * Batch;
        var seconds = result.Elapsed.TotalSeconds;
        var sorted = result.Latencies.Order().ToArray();
        double P(double q) => sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))];
        Console.WriteLine();
        Console.WriteLine("stream: a day of live traffic");
        Console.WriteLine($"events/s                 {sent / seconds:N0} ({sent:N0} events in {seconds:N2} s; accepted {result.Accepted:N0}, duplicates {result.Duplicates:N0}, rejected {result.Rejected:N0})");
        foreach (var e in result.Errors) Console.WriteLine($"  rejected, e.g.: {e}");
        Console.WriteLine($"request latency          p50 {P(0.50):N1} ms, p99 {P(0.99):N1} ms, max {sorted[^1]:N1} ms per {Batch:N0}-event batch");
        Console.WriteLine($"per-event apply          {P(0.50) * 1000 / Batch:N1} µs (p50 batch / batch size); {seconds * 1e6 / sent:N1} µs wall per event overall");
        // CPU time per event does not depend on what else the machine is running; wall-clock figures do.
        var redisPerEvent = cpuRedis.TotalMicroseconds / sent;
        var ingestionPerEvent = cpuIngestion.TotalMicroseconds / sent;
        Console.WriteLine($"cpu                      redis-server {cpuRedis.TotalSeconds / seconds * 100:N0}%, Ingestion {cpuIngestion.TotalSeconds / seconds * 100:N0}% of one core; load average {LoadAverage()}");
        Console.WriteLine($"cpu per event            redis-server {redisPerEvent:N1} µs (main thread {cpuMain.TotalMicroseconds / sent:N1} µs), Ingestion {ingestionPerEvent:N1} µs => CPU-bound ceiling on 2 idle cores " +
            $"{Math.Min(1e6 / redisPerEvent, Math.Min(1e6 / ingestionPerEvent, 2e6 / (redisPerEvent + ingestionPerEvent))):N0} events/s");
        Console.WriteLine("redis commands (INFO commandstats; calls made inside scripts are counted in both)");
        foreach (var (command, calls, micros) in stats.OrderByDescending(s => s.Micros).Take(8))
        {
            Console.WriteLine($"  {command,-22} {calls,12:N0} calls {micros / (double)Math.Max(1, calls),8:N2} µs/call {calls / (double)sent,8:N3} calls/event");
        }
        Console.WriteLine($"redis used memory        {await RedisFigures.InfoFieldAsync(redis, "memory", "used_memory_human")}, aof {await RedisFigures.InfoFieldAsync(redis, "persistence", "aof_current_size")} bytes");
        var memory = await RedisFigures.MemoryPerPlayerAsync(redis, new StoreKeys(), 1000);
        foreach (var line in memory) Console.WriteLine(line);
        await redis.GetDatabase().ExecuteAsync("FLUSHALL");
        return string.Create(CultureInfo.InvariantCulture, $"{"stream",-16} {sent / seconds,8:N0} events/s  ({memory[1]["bytes per player".Length..].Trim()})");
    }

    /// <summary>JIT, connections and first writes, before a measured history when no stream ran first.</summary>
    private async Task WarmUpAsync(ConnectionMultiplexer redis, HttpClient http, CancellationToken ct)
    {
        var mix = new EventMix(Seed, Players, Games, Days, Warmup);
        await SendAsync(http, Enumerable.Range(0, Warmup / Batch).Select(_ => mix.NextBatch(Batch)).ToArray(), ct);
        await redis.GetDatabase().ExecuteAsync("FLUSHALL");
    }

    /// <summary>
    /// Months of history of typical and heavy players (<see cref="PlayerHistories"/>), delivered in each mode into an
    /// empty store: events/s, every player checked against the plain reference fold, Redis bytes per player.
    /// </summary>
    private async Task<List<string>> HistoryAsync(ConnectionMultiplexer redis, Process redisCpu, ServiceProcess ingestion, HttpClient http,
        List<DeliveryMode> modes, CancellationToken ct)
    {
        var generate = Stopwatch.StartNew();
        var events = PlayerHistories.Generate(Seed, Typical, Heavy);
        var expected = ReferenceFold.FoldAll(events.Select(e => RefEvent.Parse(e.Json)), PlayerHistories.End);
        var deliverables = events.Select((e, i) => new Deliverable(i, e.Player, e.Time, DeliveryModes.TableOf(e.Type))).ToList();
        var counts = events.GroupBy(e => e.Player, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var typicalIds = Enumerable.Range(0, Typical).Select(i => PlayerHistories.PlayerId(PlayerHistories.Typical, i)).ToList();
        var heavyIds = Enumerable.Range(0, Heavy).Select(i => PlayerHistories.PlayerId(PlayerHistories.Heavy, i)).ToList();
        double Mean(List<string> ids) => ids.Count == 0 ? 0 : ids.Average(id => counts[id]);
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"history: {events.Count:N0} events, {Typical:N0} typical players ({Mean(typicalIds):N0} events over {PlayerHistories.Typical.Days} days each) " +
            $"and {Heavy:N0} heavy ones ({Mean(heavyIds):N0} events over {PlayerHistories.Heavy.Days} days each), to {PlayerHistories.End:yyyy-MM-dd}; " +
            $"generated and folded by the reference in {generate.Elapsed.TotalSeconds:N1} s"));

        var keys = new StoreKeys();
        var lines = new List<string>();
        foreach (var mode in modes)
        {
            await redis.GetDatabase().ExecuteAsync("FLUSHALL");
            var order = DeliveryModes.Order(deliverables, mode, Seed);
            var batches = PlayerHistories.Batches(events, order, Batch);
            var cpuRedis0 = Cpu(redisCpu);
            var cpuIngestion0 = Cpu(ingestion.Process);
            var result = await SendAsync(http, batches, ct);
            var cpuRedis = Cpu(redisCpu) - cpuRedis0;
            var cpuIngestion = Cpu(ingestion.Process) - cpuIngestion0;
            var (exact, differences) = await CheckAsync(redis, keys, expected);
            var typicalMemory = await RedisFigures.MemoryOfAsync(redis, keys, typicalIds.Take(500).ToList());
            var heavyMemory = await RedisFigures.MemoryOfAsync(redis, keys, heavyIds);

            var name = DeliveryModes.NameOf(mode);
            var rate = order.Count / result.Elapsed.TotalSeconds;
            var sorted = result.Latencies.Order().ToArray();
            Console.WriteLine();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name}: {order.Count:N0} events in {result.Elapsed.TotalSeconds:N2} s = {rate:N0} events/s; accepted {result.Accepted:N0}, " +
                $"duplicates {result.Duplicates:N0}, rejected {result.Rejected:N0}; p50 {sorted[sorted.Length / 2]:N0} ms, p99 " +
                $"{sorted[Math.Min(sorted.Length - 1, (int)(0.99 * sorted.Length))]:N0} ms per {Batch:N0}-event batch; cpu per event redis-server " +
                $"{cpuRedis.TotalMicroseconds / order.Count:N1} µs, Ingestion {cpuIngestion.TotalMicroseconds / order.Count:N1} µs; load average {LoadAverage()}"));
            foreach (var e in result.Errors) Console.WriteLine($"  rejected, e.g.: {e}");
            Console.WriteLine($"  exact: {exact:N0} of {expected.Count:N0} players fold to what the reference fold computes");
            foreach (var d in differences) Console.WriteLine($"  differs: {d}");
            if (Typical > 0) Console.WriteLine($"  typical player: {typicalMemory}");
            if (Heavy > 0)
            {
                var thousands = Mean(heavyIds) / 1000;
                Console.WriteLine($"  heavy player:   {heavyMemory}");
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  heavy player per 1,000 events: {heavyMemory.Total / thousands:N0} bytes, of them ledger {heavyMemory.Ledger / thousands:N0}"));
            }
            lines.Add(string.Create(CultureInfo.InvariantCulture,
                $"{name,-16} {rate,8:N0} events/s  typical {typicalMemory.Total,6:N0} B (ledger {typicalMemory.Ledger:N0})  heavy {heavyMemory.Total,9:N0} B " +
                $"(ledger {heavyMemory.Ledger / Math.Max(1, Mean(heavyIds) / 1000):N0} B per 1,000 events)  exact {exact:N0}/{expected.Count:N0}"));
        }
        return lines;
    }

    /// <summary>How many players' stored profiles equal the reference's (lifetime, windows, every game), and the first differences.</summary>
    private static async Task<(int Exact, List<string> Differences)> CheckAsync(ConnectionMultiplexer redis, StoreKeys keys,
        Dictionary<string, ReferenceFold.Expected> expected)
    {
        var db = redis.GetDatabase();
        var exact = 0;
        var differences = new List<string>();
        foreach (var page in expected.Chunk(200))
        {
            var batch = db.CreateBatch();
            var reads = page.Select(p => (Player: p.Key, Want: p.Value, P: batch.HashGetAllAsync(keys.Profile(p.Key)),
                D: batch.HashGetAllAsync(keys.Days(p.Key)), G: batch.HashGetAllAsync(keys.Games(p.Key)))).ToList();
            batch.Execute();
            foreach (var r in reads)
            {
                var profile = ProfileReader.Decode(r.Player, await r.P, await r.D, await r.G, _ => null, PlayerHistories.End);
                var difference = ReferenceFold.Difference(r.Want, profile, (await r.G).Select(g => (g.Name.ToString(), g.Value.ToString())));
                if (difference is null) exact++;
                else if (differences.Count < 5) differences.Add($"{r.Player}: {difference}");
            }
        }
        return (exact, differences);
    }

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";

    private static TimeSpan Cpu(Process p)
    {
        p.Refresh();
        return p.TotalProcessorTime;
    }

    private async Task<Outcome> SendAsync(HttpClient http, byte[][] batches, CancellationToken ct)
    {
        var next = -1;
        var latencies = new double[batches.Length];
        long accepted = 0, duplicates = 0, rejected = 0;
        var errors = new System.Collections.Concurrent.ConcurrentBag<string>();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < batches.Length)
            {
                using var content = new ByteArrayContent(batches[i]);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
                var started = Stopwatch.GetTimestamp();
                using var response = await http.PostAsync(new Uri("/v1/events", UriKind.Relative), content, ct);
                var body = await response.Content.ReadAsByteArrayAsync(ct);
                latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                if (!response.IsSuccessStatusCode)
                {
                    throw new InvalidOperationException($"POST /v1/events answered {(int)response.StatusCode}: {System.Text.Encoding.UTF8.GetString(body)}");
                }
                using var doc = JsonDocument.Parse(body);
                Interlocked.Add(ref accepted, doc.RootElement.GetProperty("accepted").GetInt64());
                Interlocked.Add(ref duplicates, doc.RootElement.GetProperty("duplicates").GetInt64());
                Interlocked.Add(ref rejected, doc.RootElement.GetProperty("rejected").GetArrayLength());
                foreach (var r in doc.RootElement.GetProperty("rejected").EnumerateArray().Take(errors.Count < 3 ? 1 : 0))
                {
                    errors.Add(r.GetProperty("error").GetString() ?? "");
                }
            }
        }, ct)));
        return new Outcome(clock.Elapsed, latencies, accepted, duplicates, rejected, [.. errors]);
    }

    private sealed record Outcome(TimeSpan Elapsed, double[] Latencies, long Accepted, long Duplicates, long Rejected, string[] Errors);
}
