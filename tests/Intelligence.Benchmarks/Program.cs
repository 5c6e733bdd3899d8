using Shared.Contracts;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Intelligence.Benchmarks;
using Intelligence.Commands;
using Intelligence.Models;
using Intelligence.Training;
using Microsoft.Extensions.DependencyInjection;
using Shared.Store;
using StackExchange.Redis;
using TestSupport;

// Speed figures of Intelligence, each against a private redis-server loaded with a simulated casino:
//   training   all three models on N players' history (issue target: 100,000 players in < 2 minutes)
//   scoring    GET /v1/players/{id}/scores with wrk at a fixed rate (target p99 < 5 ms at 2,000 req/s), and 1,000-player batches (< 50 ms)
//   rescoring  bet events POSTed to Ingestion at a steady rate, until the player's new scores are stored (target p99 < 100 ms)
//   segments   the player index loaded from the store, previews of realistic rules (target < 2 s over 1,000,000 players), a large
//              segment created, and bets until their players' segment membership is stored (target < 1 s)
//   generate   N simulated players written straight into a given store (a single Redis or a cluster)
//   affiliates GET /v1/affiliates/report (30 and 365 days) over the per-affiliate-day figures of an N-player operator: p50/p99/max per run
//   scale      N players on 1 or more shards: Redis bytes per player, one instance's index share, previews across instances,
//              ingest events/s, event → scores, training (issue 17: sizing for 25 million players)
var players = new Option<int>("--players") { Description = "Simulated players", DefaultValueFactory = _ => 100_000 };
var days = new Option<int>("--days") { Description = "Days of history", DefaultValueFactory = _ => 150 };
var seed = new Option<int>("--seed") { DefaultValueFactory = _ => 7 };
var rate = new Option<int>("--rate") { Description = "Requests (scoring) or events (rescoring) a second", DefaultValueFactory = _ => 2000 };
var duration = new Option<int>("--duration") { Description = "Seconds of measured load", DefaultValueFactory = _ => 30 };
var env = new Option<string[]>("--env") { Description = "Extra KEY=VALUE environment for the Intelligence process (e.g. DOTNET_gcServer=0)", AllowMultipleArgumentsPerToken = true };

var training = new Command("training", "Train churn, VIP and segments on the simulated store and print the time of each step") { players, days, seed };
training.SetAction(async (r, ct) => await Bench.TrainingAsync(r.GetValue(players), r.GetValue(days), r.GetValue(seed), ct));
var scoring = new Command("scoring", "Single-player scores under wrk at a fixed rate, then 1,000-player batches") { players, days, seed, rate, duration, env };
scoring.SetAction(async (r, ct) => await Bench.ScoringAsync(r.GetValue(players), r.GetValue(days), r.GetValue(seed), r.GetValue(rate), r.GetValue(duration), Bench.Env(r.GetValue(env)), ct));
var betRate = new Option<int>("--rate") { Description = "Bets a second POSTed to Ingestion", DefaultValueFactory = _ => 200 };
var rescoringRuns = new Option<int>("--runs") { Description = "Timed runs at the rate (the targets hold for the worst)", DefaultValueFactory = _ => 5 };
var serviceLog = new Option<string?>("--log") { Description = "A file that gets every line Intelligence prints (with --env Logging__LogLevel__Default=Information for more than warnings)" };
var rescoring = new Command("rescoring", "Event to stored scores: bets POSTed to Ingestion, timed until scores:changed announces the player") { players, days, seed, betRate, duration, rescoringRuns, env, serviceLog };
rescoring.SetAction(async (r, ct) => await Bench.RescoringAsync(r.GetValue(players), r.GetValue(days), r.GetValue(seed), r.GetValue(betRate), r.GetValue(duration), r.GetValue(rescoringRuns), Bench.Env(r.GetValue(env)), r.GetValue(serviceLog), ct));
var segmentDays = new Option<int>("--days") { Description = "Days of history", DefaultValueFactory = _ => 60 };
var runs = new Option<int>("--runs") { Description = "Timed previews per rule", DefaultValueFactory = _ => 20 };
var segmentRate = new Option<int>("--rate") { Description = "Bets a second for the membership timing", DefaultValueFactory = _ => 100 };
var segments = new Command("segments", "Index load, rule previews, a large segment created, and event to stored membership") { players, segmentDays, seed, runs, segmentRate, duration };
segments.SetAction(async (r, ct) => await SegmentsBenchmark.RunAsync(r.GetValue(players), r.GetValue(segmentDays), r.GetValue(seed), r.GetValue(runs), r.GetValue(segmentRate), r.GetValue(duration), ct));
var seeds = new Option<int[]>("--seeds") { Description = "Casinos to simulate (one per seed)", AllowMultipleArgumentsPerToken = true, DefaultValueFactory = _ => [101, 102, 103, 104, 105] };
var modelPlayers = new Option<int>("--players") { Description = "Simulated players per casino", DefaultValueFactory = _ => 3000 };
var modelDays = new Option<int>("--days") { Description = "Days of history", DefaultValueFactory = _ => 200 };
var algorithm = new Option<string>("--algorithm") { Description = "FastTree or LightGbm", DefaultValueFactory = _ => new BinaryModel.TrainerSettings().Algorithm };
var trees = new Option<int>("--trees") { DefaultValueFactory = _ => new BinaryModel.TrainerSettings().Trees };
var leaves = new Option<int>("--leaves") { DefaultValueFactory = _ => new BinaryModel.TrainerSettings().Leaves };
var perLeaf = new Option<int>("--min-leaf") { DefaultValueFactory = _ => new BinaryModel.TrainerSettings().MinimumExamplesPerLeaf };
var learningRate = new Option<double>("--learning-rate") { DefaultValueFactory = _ => new BinaryModel.TrainerSettings().LearningRate };
var search = new Option<bool>("--search") { Description = "Compare a small grid of trainer settings instead" };
var exportFolds = new Option<string?>("--export") { Description = "Also write each casino's folds as CSV to this folder" };
var models = new Command("models", "Churn and VIP models against their rules on rolling holdouts, over several simulated casinos")
    { seeds, modelPlayers, modelDays, algorithm, trees, leaves, perLeaf, learningRate, search, exportFolds };
models.SetAction(r => ModelsBenchmark.Run(r.GetValue(seeds)!, r.GetValue(modelPlayers), r.GetValue(modelDays),
    new BinaryModel.TrainerSettings { Algorithm = r.GetValue(algorithm)!, Trees = r.GetValue(trees), Leaves = r.GetValue(leaves), MinimumExamplesPerLeaf = r.GetValue(perLeaf), LearningRate = r.GetValue(learningRate) },
    r.GetValue(search), r.GetValue(exportFolds)));
var redisOption = new Option<string>("--redis") { Description = "The store to write into (a connection string; every node of a cluster)", Required = true };
var generateDays = new Option<int>("--days") { Description = "Days of history", DefaultValueFactory = _ => 30 };
var generate = new Command("generate", "Write N simulated players straight into a store (profiles, day buckets, games, stand-in scores): no events replayed") { players, generateDays, seed, redisOption };
generate.SetAction(async (r, ct) => await ScaleBenchmark.GenerateAsync(r.GetValue(redisOption)!, r.GetValue(players), r.GetValue(generateDays), r.GetValue(seed), ct));
var shards = new Option<int>("--shards") { Description = "1: one redis-server; more: a Redis Cluster of that many masters", DefaultValueFactory = _ => 1 };
var instances = new Option<int>("--instances") { Description = "Intelligence instances sharing the segment index", DefaultValueFactory = _ => 2 };
var ingestSeconds = new Option<int>("--ingest-seconds") { Description = "Seconds of batched ingestion", DefaultValueFactory = _ => 20 };
var scaleRate = new Option<int>("--rate") { Description = "Single bets a second for event → scores", DefaultValueFactory = _ => 200 };
var scaleDuration = new Option<int>("--duration") { Description = "Seconds of event → scores timing", DefaultValueFactory = _ => 20 };
var train = new Option<bool>("--train") { Description = "Also time training all three models on every player" };
var scale = new Command("scale", "Redis bytes per player, index per instance, previews, ingest events/s, event → scores (and training) at N players on 1 or more shards")
    { players, generateDays, seed, shards, instances, ingestSeconds, scaleRate, scaleDuration, train };
scale.SetAction(async (r, ct) => await ScaleBenchmark.RunAsync(r.GetValue(players), r.GetValue(shards), r.GetValue(generateDays), r.GetValue(seed), r.GetValue(instances),
    r.GetValue(ingestSeconds), r.GetValue(scaleRate), r.GetValue(scaleDuration), r.GetValue(train), ct));
var replicationRuns = new Option<int>("--runs") { Description = "Runs of each setting", DefaultValueFactory = _ => 3 };
var replicationShards = new Option<int>("--shards") { Description = "Masters (each with one replica)", DefaultValueFactory = _ => 3 };
var replicationPlayers = new Option<int>("--players") { Description = "Players the bets go to", DefaultValueFactory = _ => 50_000 };
var replication = new Command("replication", "Ingest events/s on a Redis Cluster with replicas, acknowledging at once or only once a replica has the writes (WAIT)")
    { replicationShards, replicationRuns, ingestSeconds, replicationPlayers };
replication.SetAction(async (r, ct) => await ScaleBenchmark.ReplicationAsync(r.GetValue(replicationShards), r.GetValue(replicationRuns), r.GetValue(ingestSeconds),
    r.GetValue(replicationPlayers), ct));
var affiliatePlayers = new Option<long>("--players") { Description = "Players the figures are derived from", DefaultValueFactory = _ => 25_000_000 };
var affiliateCount = new Option<int>("--affiliates") { DefaultValueFactory = _ => 200 };
var affiliateDays = new Option<int>("--days") { Description = "Days of figures per affiliate", DefaultValueFactory = _ => 365 };
var affiliateRequests = new Option<int>("--requests") { Description = "Reports requested per period and run", DefaultValueFactory = _ => 50 };
var affiliateRuns = new Option<int>("--runs") { DefaultValueFactory = _ => 5 };
var affiliatesReport = new Command("affiliates", "GET /v1/affiliates/report for 30 and 365 days over the per-affiliate-day figures of an N-player operator")
    { affiliatePlayers, affiliateCount, affiliateDays, affiliateRequests, affiliateRuns };
affiliatesReport.SetAction(async (r, ct) => await AffiliatesBenchmark.RunAsync(r.GetValue(affiliatePlayers), r.GetValue(affiliateCount), r.GetValue(affiliateDays),
    r.GetValue(affiliateRequests), r.GetValue(affiliateRuns), ct));
return await new RootCommand("Intelligence benchmarks (figures, not tests)") { training, scoring, rescoring, segments, models, generate, scale, replication, affiliatesReport }.Parse(args).InvokeAsync();

internal static class Bench
{
    public const string Key = "bench-key";
    /// <summary>Connections the rescoring benchmark's sender keeps to Ingestion at most (a wallet's pool).</summary>
    public const int SenderConnections = 256;

    public static Dictionary<string, string> Env(string[]? pairs) =>
        (pairs ?? []).Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "");

    private static async Task<(RedisServer Redis, ConnectionMultiplexer Mux)> StoreAsync(int players, int days, int seed)
    {
        Console.WriteLine($"load average: {File.ReadAllText("/proc/loadavg").Trim()}");
        Spectre.Console.AnsiConsole.Profile.Width = 200;
        var redis = await RedisServer.StartAsync();
        var mux = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString + ",allowAdmin=true");
        var watch = Stopwatch.StartNew();
        var (n, activities) = await SimulatedStore.WriteAsync(mux, new StoreKeys(), players, days, seed, done => Console.Write($"\rsimulating and writing players: {done:N0}"));
        Console.WriteLine($"\rsimulated store: {n:N0} players × {days} days ({activities:N0} activities) written in {watch.Elapsed.TotalSeconds:0.0} s; used_memory {Info(mux, "used_memory_human")}");
        return (redis, mux);
    }

    /// <summary>The built Intelligence.dll as a child process on the store, with the benchmark's key (scores, segments, models).</summary>
    public static Task<ServiceProcess> IntelligenceAsync(string redis, IReadOnlyDictionary<string, string> settings, CancellationToken ct) =>
        IntelligenceAsync(redis, settings, null, ct);

    /// <param name="logFile">A file that gets every line Intelligence prints; null: none.</param>
    public static Task<ServiceProcess> IntelligenceAsync(string redis, IReadOnlyDictionary<string, string> settings, string? logFile, CancellationToken ct) =>
        ServiceProcess.StartAsync(Services.Intelligence, redis, Key, "scores:read segments:write models:admin", settings, logFile, ct);

    private static string Info(ConnectionMultiplexer mux, string field) =>
        mux.GetServers()[0].Info("memory").SelectMany(g => g).FirstOrDefault(kv => kv.Key == field).Value ?? "?";

    public static async Task<int> TrainingAsync(int players, int days, int seed, CancellationToken ct)
    {
        var (redis, mux) = await StoreAsync(players, days, seed);
        await using var _ = redis;
        using var __ = mux;
        using var host = IntelligenceCommands.BuildHost(redis.ConnectionString);
        var trainer = host.Services.GetRequiredService<ModelTrainer>();
        var stages = new List<(string Stage, double Seconds)>();
        var last = Stopwatch.StartNew();
        var total = Stopwatch.StartNew();
        string? current = null;
        var progress = new SyncProgress<TrainingProgress>(p =>
        {
            if (p.Stage == current) return;
            if (current is not null) stages.Add((current, last.Elapsed.TotalSeconds));
            current = p.Stage;
            last.Restart();
        });
        var cards = await trainer.TrainAsync(ModelKinds.All, progress, ct);
        if (current is not null) stages.Add((current, last.Elapsed.TotalSeconds));
        Console.WriteLine($"training all three models on {players:N0} players: {total.Elapsed.TotalSeconds:0.0} s in all");
        foreach (var (stage, seconds) in stages) Console.WriteLine($"  {stage,-24} {seconds,7:0.0} s");
        foreach (var c in cards)
        {
            var m = c.Evaluation.Model;
            Console.WriteLine(m is null
                ? $"  {c.Kind,-9} {c.Evaluation.TrainRows:N0} rows: {c.Decision}"
                : $"  {c.Kind,-9} train {c.Evaluation.TrainRows:N0} / holdout {c.Evaluation.HoldoutRows:N0} rows: AUC {m.Auc:0.000} (baseline {c.Evaluation.Baseline!.Auc:0.000}), PR-AUC {m.PrAuc:0.000}, log-loss {m.LogLoss:0.000}, calibration error {m.CalibrationError:0.000}, top-decile lift {m.TopDecileLift:0.00}; fit {c.TrainingSeconds:0.0} s");
        }
        return 0;
    }

    /// <summary>A store with trained models, and the built Intelligence.dll running against it.</summary>
    private static async Task<(RedisServer Redis, ConnectionMultiplexer Mux, ServiceProcess Intelligence, string[] Ids)> ServedAsync(int players, int days, int seed, Dictionary<string, string> env, string? logFile, CancellationToken ct)
    {
        var (redis, mux) = await StoreAsync(players, days, seed);
        using (var host = IntelligenceCommands.BuildHost(redis.ConnectionString))
        {
            var watch = Stopwatch.StartNew();
            await host.Services.GetRequiredService<ModelTrainer>().TrainAsync(ModelKinds.All, null, ct);
            Console.WriteLine($"trained in {watch.Elapsed.TotalSeconds:0.0} s");
        }
        var ids = (await mux.GetDatabase().SetMembersAsync(new StoreKeys().Players)).Select(v => v.ToString()).ToArray();
        var settings = new Dictionary<string, string> { ["Scoring__SweepInterval"] = "00:00:00", ["Recommendations__TrainOnStart"] = "false", ["Training__TrainWhenMissing"] = "false" };
        foreach (var (k, v) in env) settings[k] = v;
        var intelligence = await IntelligenceAsync(redis.ConnectionString, settings, logFile, ct);
        // The newly served models make the service rescore everyone once; measure after that.
        var scored = Stopwatch.StartNew();
        var db = mux.GetDatabase();
        while (!await db.KeyExistsAsync(new StoreKeys().SweptVersions)) await Task.Delay(200, ct);
        Console.WriteLine($"Intelligence rescored all {ids.Length:N0} players with the new models in {scored.Elapsed.TotalSeconds:0.0} s");
        return (redis, mux, intelligence, ids);
    }

    public static async Task<int> ScoringAsync(int players, int days, int seed, int rate, int duration, Dictionary<string, string> env, CancellationToken ct)
    {
        var (redis, mux, intelligence, ids) = await ServedAsync(players, days, seed, env, null, ct);
        await using var _ = redis;
        using var __ = mux;
        using var ___ = intelligence;

        var dir = Directory.CreateTempSubdirectory("wrk-");
        var idFile = Path.Combine(dir.FullName, "ids.txt");
        await File.WriteAllLinesAsync(idFile, ids.Take(20_000), ct);
        // wrk waits delay() before each request on a connection: enough connections that each waits ~25 ms.
        var connections = Math.Max(4, rate / 40);
        var delayMs = connections * 1000.0 / rate;
        var script = Path.Combine(dir.FullName, "scores.lua");
        async Task WriteScriptAsync(double delay) => await File.WriteAllTextAsync(script, $$"""
            local ids = {}
            for line in io.lines("{{idFile}}") do ids[#ids + 1] = line end
            math.randomseed(os.time())
            wrk.headers["X-Api-Key"] = "{{Key}}"
            request = function() return wrk.format("GET", "/v1/players/" .. ids[math.random(#ids)] .. "/scores") end
            -- Paces each connection so the whole run offers about {{rate}} requests a second.
            delay = function() return {{delay.ToString("0.###", CultureInfo.InvariantCulture)}} end
            """, ct);
        await WriteScriptAsync(delayMs);
        // Warm-up, not measured: tiered JIT compiles the request path to optimised code in its first seconds of use.
        using (var warm = Process.Start(new ProcessStartInfo("wrk", ["-t2", $"-c{connections}", "-d20s", "-s", script, intelligence.Address.ToString()]) { RedirectStandardOutput = true })
            ?? throw new InvalidOperationException("wrk did not start (apt-get install -y wrk)"))
        {
            var warmOutput = await warm.StandardOutput.ReadToEndAsync(ct);
            await warm.WaitForExitAsync(ct);
            // wrk's delay() starts after each response, so a connection's cycle is the delay plus the request's own
            // time: shorten the delay by what the warm-up measured, so the measured run offers the rate asked for.
            if (double.TryParse(Regex.Match(warmOutput, @"Requests/sec:\s+(\S+)").Groups[1].Value, CultureInfo.InvariantCulture, out var warmRate) && warmRate > 0)
            {
                var overheadMs = connections * 1000.0 / warmRate - delayMs;
                var paced = Math.Max(0, delayMs - Math.Max(0, overheadMs));
                Console.WriteLine($"warm-up: {warmRate:0} req/s with a {delayMs:0.###} ms delay; measured run paced with {paced:0.###} ms");
                delayMs = paced;
                await WriteScriptAsync(delayMs);
            }
        }
        Console.WriteLine($"wrk: {connections} connections, 2 threads, {duration} s, paced to about {rate} req/s (after a 20 s warm-up)");
        var wrk = Process.Start(new ProcessStartInfo("wrk", ["-t2", $"-c{connections}", $"-d{duration}s", "--latency", "-s", script, intelligence.Address.ToString()])
        { RedirectStandardOutput = true }) ?? throw new InvalidOperationException("wrk did not start (apt-get install -y wrk)");
        var output = await wrk.StandardOutput.ReadToEndAsync(ct);
        await wrk.WaitForExitAsync(ct);
        Console.WriteLine(output);
        var p50 = Regex.Match(output, @"^\s+50%\s+(\S+)", RegexOptions.Multiline).Groups[1].Value;
        var p99 = Regex.Match(output, @"^\s+99%\s+(\S+)", RegexOptions.Multiline).Groups[1].Value;
        var rps = Regex.Match(output, @"Requests/sec:\s+(\S+)").Groups[1].Value;
        var non2xx = Regex.Match(output, @"Non-2xx or 3xx responses:\s+(\d+)").Groups[1].Value;
        Console.WriteLine($"single-player scores: {rps} req/s, p50 {p50}, p99 {p99}, non-2xx {(non2xx.Length > 0 ? non2xx : "0")}");

        // The floor: the same pacing against /health/live (no key, no store), to tell our code from the machine.
        var floorScript = Path.Combine(dir.FullName, "live.lua");
        await File.WriteAllTextAsync(floorScript, $$"""
            delay = function() return {{delayMs.ToString("0.###", CultureInfo.InvariantCulture)}} end
            """, ct);
        var floor = Process.Start(new ProcessStartInfo("wrk", ["-t2", $"-c{connections}", $"-d{Math.Min(duration, 20)}s", "--latency", "-s", floorScript, new Uri(intelligence.Address, "/health/live").ToString()])
        { RedirectStandardOutput = true })!;
        var floorOutput = await floor.StandardOutput.ReadToEndAsync(ct);
        await floor.WaitForExitAsync(ct);
        Console.WriteLine($"floor, GET /health/live at the same pacing: {Regex.Match(floorOutput, @"Requests/sec:\s+(\S+)").Groups[1].Value} req/s, p50 {Regex.Match(floorOutput, @"^\s+50%\s+(\S+)", RegexOptions.Multiline).Groups[1].Value}, p99 {Regex.Match(floorOutput, @"^\s+99%\s+(\S+)", RegexOptions.Multiline).Groups[1].Value}");

        using var http = new HttpClient { BaseAddress = intelligence.Address };
        http.DefaultRequestHeaders.Add("X-Api-Key", Key);
        var rng = new Random(seed);
        var times = new List<double>();
        for (var i = 0; i < 60; i++)
        {
            var batch = Enumerable.Range(0, 1000).Select(_ => ids[rng.Next(ids.Length)]).Distinct().ToArray();
            var watch = Stopwatch.StartNew();
            var response = await http.PostAsJsonAsync("/v1/scores/batch", new { playerIds = batch }, ct);
            await response.Content.ReadAsByteArrayAsync(ct);
            response.EnsureSuccessStatusCode();
            if (i >= 10) times.Add(watch.Elapsed.TotalMilliseconds);
        }
        times.Sort();
        Console.WriteLine($"1,000-player batch (50 requests after 10 warm-up): p50 {times[times.Count / 2]:0.0} ms, p99 {times[(int)(times.Count * 0.99)]:0.0} ms, max {times[^1]:0.0} ms");
        dir.Delete(true);
        return 0;
    }

    /// <summary>
    /// Event → stored scores, <paramref name="runs"/> times on the same services (the first run after a 15 s warm-up),
    /// each run's p50/p90/p99/max, then the worst p99 and the spread; runs of two minutes or more also print p99 per minute
    /// (drift). A bet whose scores were not stored within 2 s of the end of its run counts as not rescored. Overload is
    /// shown, not hidden: a 429 or 503 is sent again after its <c>Retry-After</c> (its bet timed from the first send), the
    /// answers are counted, the rescoring backlog is sampled (players waiting, the oldest change's age) until it is empty
    /// after the load, and every player's lifetime bet count is compared with the bets acknowledged (lost, counted twice).
    /// </summary>
    public static async Task<int> RescoringAsync(int players, int days, int seed, int rate, int duration, int runs, Dictionary<string, string> env, string? logFile, CancellationToken ct)
    {
        var (redis, mux, intelligence, ids) = await ServedAsync(players, days, seed, env, logFile, ct);
        await using var _ = redis;
        using var __ = mux;
        using var ___ = intelligence;
        // Its /metrics open to the benchmark, for the group commit's rounds.
        using var ingestion = await ServiceProcess.StartIngestionAsync(redis.ConnectionString, Key, new Dictionary<string, string> { ["Metrics__Anonymous"] = "true" }, ct);
        var sent = new System.Collections.Concurrent.ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var lags = new System.Collections.Concurrent.ConcurrentBag<(double At, double Lag)>();
        var clock = Stopwatch.StartNew();
        var queue = await mux.GetSubscriber().SubscribeAsync(new StoreKeys().ScoresChanged);
        queue.OnMessage(m =>
        {
            var id = m.Message.ToString().Split('|')[0];
            if (sent.TryRemove(id, out var t0)) lags.Add((clock.Elapsed.TotalSeconds, Stopwatch.GetElapsedTime(t0).TotalMilliseconds));
        });
        // A wallet sends over a bounded pool of connections. Unbounded, every bet waiting on a stalled Ingestion opened
        // one more (15,000 within 8 s of a cold start at 2,000 bets/s) until the machine ran out of file descriptors or
        // the benchmark out of memory. Bets beyond the pool wait in it, and that wait is timed: each bet's clock starts
        // when it is due, not when a connection frees up.
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = SenderConnections }) { BaseAddress = ingestion.Address };
        http.DefaultRequestHeaders.Add("X-Api-Key", Key);
        var rng = new Random(seed);
        var interval = TimeSpan.FromSeconds(1.0 / rate);
        var n = 0;
        // Exactness under load: every player's lifetime bet count before, every acknowledged bet after.
        var keys = new StoreKeys();
        var db = mux.GetDatabase();
        var countsBefore = await BetCountsAsync(mux, keys, ids);
        var commandsBefore = await CommandStatsAsync(mux);
        // The slow calls, to see which script or command makes the tail: everything over 250 µs is kept.
        var store = mux.GetServers()[0];
        await store.ConfigSetAsync("slowlog-log-slower-than", "250");
        await store.ConfigSetAsync("slowlog-max-len", "100000");
        await store.SlowlogResetAsync();
        var acknowledged = new System.Collections.Concurrent.ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var answers = new System.Collections.Concurrent.ConcurrentDictionary<int, int>();
        // A well-behaved sender: a 429 or 503 is sent again after its Retry-After, the same event id.
        async Task SendAsync(string player, string body)
        {
            for (var attempt = 1; ; attempt++)
            {
                int status;
                TimeSpan? retryAfter;
                try
                {
                    using var response = await http.PostAsync("/v1/events", new StringContent(body, System.Text.Encoding.UTF8, "application/cloudevents+json"), ct);
                    status = (int)response.StatusCode;
                    retryAfter = response.Headers.RetryAfter?.Delta;
                }
                catch (HttpRequestException)
                {
                    // No answer (a refused or dropped connection): counted as 0, and sent again like a 503; the same
                    // event id, so a bet that was applied after all counts once.
                    status = 0;
                    retryAfter = null;
                }
                answers.AddOrUpdate(status, 1, (_, c) => c + 1);
                if (status is >= 200 and < 300) { acknowledged.AddOrUpdate(player, 1, (_, c) => c + 1); return; }
                if (status is not (0 or 429 or 503) || attempt == 20) return;
                await Task.Delay(retryAfter ?? TimeSpan.FromSeconds(1), ct);
            }
        }
        // The rescoring backlog, sampled as Ingestion's ingestion.lag gauge reads it: players waiting, the oldest change's age.
        var backlog = new System.Collections.Concurrent.ConcurrentBag<(double At, long Waiting, double LagMs)>();
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                var oldest = await db.SortedSetRangeByRankWithScoresAsync(keys.RescorePending, 0, 0);
                var waiting = await db.SortedSetLengthAsync(keys.RescorePending);
                var lagMs = oldest is [var first] ? DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - first.Score : 0;
                backlog.Add((clock.Elapsed.TotalSeconds, waiting, lagMs));
                try { await Task.Delay(250, sampling.Token); } catch (OperationCanceledException) { }
            }
        }, CancellationToken.None);
        var results = new List<(double P50, double P90, double P99, double Max, int Timed, int Unscored)>();
        Console.WriteLine($"{runs} run(s) of {duration} s at {rate} bets/s to Ingestion ({players:N0} players), each bet timed until its player's scores are stored; the first run after 15 s of warm-up");
        for (var run = 1; run <= runs; run++)
        {
            var warm = run == 1 ? 15 : 3;
            var inFlight = new List<Task>();
            var start = Stopwatch.GetTimestamp();
            var warmUntil = start + warm * Stopwatch.Frequency;
            // How busy the one Redis core was in this run (its commands' own time), and what a bet cost it: a run whose
            // players are mostly new to the load costs more than one that meets them again.
            var runStats = await CommandStatsAsync(mux);
            var runCpu = CpuTicks();
            var runAcknowledged = acknowledged.Values.Sum();
            var firstTouches = 0;
            var measuring = false;
            var sentAt = 0;
            double measuredFrom = 0;
            while (Stopwatch.GetElapsedTime(start).TotalSeconds < duration + warm)
            {
                if (!measuring && Stopwatch.GetTimestamp() >= warmUntil)
                {
                    measuring = true;
                    lags.Clear();
                    sent.Clear();
                    measuredFrom = clock.Elapsed.TotalSeconds;
                }
                var due = start + (long)(sentAt * interval.TotalSeconds * Stopwatch.Frequency);
                var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
                if (wait > TimeSpan.Zero) await Task.Delay(wait, ct);
                sentAt++;
                var id = ids[rng.Next(ids.Length)];
                if (sent.ContainsKey(id)) { n++; continue; }
                if (!acknowledged.ContainsKey(id)) firstTouches++;
                var body = $$$"""{"specversion":"1.0","id":"b-{{{n}}}-{{{seed}}}","source":"/bench","type":"wallet.bet","time":"{{{DateTimeOffset.UtcNow:O}}}","subject":"{{{id}}}","data":{"transactionId":"bt-{{{n}}}-{{{seed}}}","roundId":"r-{{{n}}}","gameId":"g-bench","amount":1.50,"currency":"EUR"}}""";
                sent[id] = Stopwatch.GetTimestamp();
                inFlight.Add(SendAsync(id, body));
                n++;
            }
            await Task.WhenAll(inFlight);
            await Task.Delay(2000, ct);
            var observed = lags.ToArray();
            var sorted = observed.Select(l => l.Lag).Order().ToArray();
            if (sorted.Length == 0) { Console.WriteLine($"run {run}: no rescoring observed"); return 1; }
            double P(double[] xs, double q) => xs[Math.Min(xs.Length - 1, (int)(q * xs.Length))];
            var r = (P(sorted, 0.5), P(sorted, 0.9), P(sorted, 0.99), sorted[^1], sorted.Length, sent.Count);
            results.Add(r);
            Console.WriteLine($"run {run}: {r.Item5:N0} events timed, {r.Item6} not rescored within 2 s; p50 {r.Item1:0.0} ms, p90 {r.Item2:0.0} ms, p99 {r.Item3:0.0} ms, max {r.Item4:0.0} ms");
            var runSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            var runUsec = (await CommandStatsAsync(mux)).Sum(c => c.Value.Usec - runStats.GetValueOrDefault(c.Key).Usec);
            var runBets = acknowledged.Values.Sum() - runAcknowledged;
            Console.WriteLine($"  Redis busy {runUsec / 1e4 / runSeconds:0}% of the run's {runSeconds:0} s (its commands' own time), {runUsec / (double)Math.Max(1, runBets):0} µs per acknowledged bet; " +
                $"{firstTouches * 100.0 / Math.Max(1, sentAt):0}% of the bets were a player's first in this benchmark");
            Console.WriteLine("  " + CpuPerBet(runCpu, CpuTicks(), runBets, runSeconds));
            if (duration >= 120)
            {
                foreach (var minute in observed.GroupBy(l => (int)((l.At - measuredFrom) / 60)).OrderBy(g => g.Key))
                {
                    var m = minute.Select(l => l.Lag).Order().ToArray();
                    Console.WriteLine($"  minute {minute.Key + 1}: {m.Length:N0} events, p50 {P(m, 0.5):0.0} ms, p99 {P(m, 0.99):0.0} ms, max {m[^1]:0.0} ms");
                }
            }
            sent.Clear();
        }
        // Caught up: the time from the end of the load until no player waits for rescoring.
        var loadEnded = clock.Elapsed.TotalSeconds;
        while (await db.SortedSetLengthAsync(keys.RescorePending) > 0 && clock.Elapsed.TotalSeconds - loadEnded < 300) await Task.Delay(100, ct);
        var caughtUp = clock.Elapsed.TotalSeconds - loadEnded;
        await sampling.CancelAsync();
        await sampler;
        var samples = backlog.ToArray();
        Console.WriteLine($"rescoring backlog while loaded: at most {samples.Max(b => b.Waiting):N0} players waiting, oldest change at most {samples.Max(b => b.LagMs) / 1000:0.0} s old; " +
            (await db.SortedSetLengthAsync(keys.RescorePending) == 0 ? $"caught up {caughtUp:0.0} s after the load ended" : "NOT caught up 300 s after the load ended"));
        Console.WriteLine($"Ingestion's answers (over at most {SenderConnections} connections): " +
            string.Join(", ", answers.OrderBy(a => a.Key).Select(a => $"{(a.Key == 0 ? "no answer" : a.Key.ToString(CultureInfo.InvariantCulture))} ×{a.Value:N0}")) +
            (answers.Keys.Any(k => k is 0 or 429 or 503) ? " (each 429/503 sent again after its Retry-After, each unanswered after 1 s)" : ""));
        using (var scrape = new HttpClient { BaseAddress = ingestion.Address })
        {
            var metrics = await scrape.GetStringAsync(new Uri("/metrics", UriKind.Relative), ct);
            double Total(string name) => metrics.Split('\n').Where(l => l.StartsWith(name, StringComparison.Ordinal) && (l.Length == name.Length || l[name.Length] is ' ' or '{'))
                .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
            var rounds = Total("ingestion_fold_rounds_total");
            Console.WriteLine($"Ingestion's group commit: {rounds:N0} rounds of store calls for {Total("ingestion_fold_round_requests_total"):N0} requests " +
                $"({Total("ingestion_fold_round_requests_total") / Math.Max(1, rounds):0.0} a round); {Total("ingestion_requests_shed_total"):N0} refused at the door");
        }
        var commandsAfter = await CommandStatsAsync(mux);
        var perBet = commandsAfter
            .Select(c => (Command: c.Key, Calls: c.Value.Calls - commandsBefore.GetValueOrDefault(c.Key).Calls, Usec: c.Value.Usec - commandsBefore.GetValueOrDefault(c.Key).Usec))
            .Where(c => c.Calls > 0).OrderByDescending(c => c.Usec).ToList();
        var bets = Math.Max(1, acknowledged.Values.Sum());
        Console.WriteLine($"Redis per acknowledged bet (all services, warm-ups included; INFO commandstats): {perBet.Sum(c => c.Calls) / (double)bets:0.0} commands, " +
            $"{perBet.Sum(c => c.Usec) / (double)bets:0} µs of Redis time; by Redis time: " +
            string.Join(", ", perBet.Take(8).Select(c => $"{c.Command} {c.Calls / (double)bets:0.00}× {c.Usec / (double)bets:0} µs")));
        var slow = await store.SlowlogGetAsync(100_000);
        Console.WriteLine($"Redis calls over 250 µs (SLOWLOG): {slow.Length:N0}; by command (script by its SHA1's first 8 and first key's shape): " +
            string.Join(", ", slow
                .GroupBy(e => SlowCallName(e.Arguments))
                .OrderByDescending(g => g.Sum(e => e.Duration.TotalMicroseconds))
                .Take(8)
                .Select(g => $"{g.Key} ×{g.Count():N0} (mean {g.Average(e => e.Duration.TotalMicroseconds):0} µs, max {g.Max(e => e.Duration.TotalMicroseconds):0} µs)")));
        var countsAfter = await BetCountsAsync(mux, keys, ids);
        long acked = acknowledged.Values.Sum(), lost = 0, doubled = 0;
        for (var i = 0; i < ids.Length; i++)
        {
            var difference = countsAfter[i] - countsBefore[i] - acknowledged.GetValueOrDefault(ids[i]);
            if (difference < 0) lost -= difference; else doubled += difference;
        }
        Console.WriteLine($"bets acknowledged {acked:N0}, counted {countsAfter.Sum() - countsBefore.Sum():N0}: lost {lost}, counted twice {doubled}");
        var p99s = results.Select(x => x.P99).ToArray();
        Console.WriteLine($"event → stored scores over {runs} run(s): worst p99 {p99s.Max():0.0} ms, best {p99s.Min():0.0} ms (spread {p99s.Max() - p99s.Min():0.0} ms); " +
            $"p50 {results.Min(x => x.P50):0.0}–{results.Max(x => x.P50):0.0} ms; max {results.Max(x => x.Max):0.0} ms; not rescored {results.Sum(x => x.Unscored)}");
        return 0;
    }

    /// <summary>Every player's lifetime bet count as a reader of the profile sees it (the counters plus the open day run), 64 reads at a time.</summary>
    private static async Task<long[]> BetCountsAsync(IConnectionMultiplexer mux, StoreKeys keys, string[] ids)
    {
        var reader = new ProfileReader(mux, keys, TimeProvider.System);
        var counts = new long[ids.Length];
        await Parallel.ForEachAsync(Enumerable.Range(0, ids.Length), new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (i, _) =>
            counts[i] = (await reader.ReadAsync(ids[i], _ => null))?.Lifetime.BetCount ?? 0);
        return counts;
    }

    /// <summary>A slow call's command; for a script, its SHA1's first 8 characters and its first key with the ids taken out.</summary>
    private static string SlowCallName(RedisValue[] arguments)
    {
        var command = arguments.Length > 0 ? arguments[0].ToString().ToLowerInvariant() : "?";
        if (command is not ("evalsha" or "eval") || arguments.Length < 4) return command;
        var sha = arguments[1].ToString();
        var key = Regex.Replace(arguments[3].ToString(), @"\{[^}]*\}", "{…}");
        return $"{command} {sha[..Math.Min(8, sha.Length)]} {key}";
    }

    /// <summary>Calls and microseconds of every command the store has run (<c>INFO commandstats</c>), for counting what each bet costs it.</summary>
    /// <summary>
    /// CPU time (user + system, in clock ticks of 10 ms) of the processes sharing the machine's cores in the benchmark,
    /// by what they are: the store, each service, this benchmark, everything else. Read from /proc, so a run can say where
    /// the cores went; null when /proc is not there.
    /// </summary>
    private static Dictionary<string, long>? CpuTicks()
    {
        if (!Directory.Exists("/proc/self")) return null;
        var ticks = new Dictionary<string, long>(StringComparer.Ordinal);
        var self = Environment.ProcessId;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                // After the command: state is field 3, utime 14 and stime 15 (1-based over the whole line).
                var used = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
                var command = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                var name = pid == self ? "benchmark"
                    : command.Contains("redis-server", StringComparison.Ordinal) ? "redis"
                    : command.Contains("Ingestion.dll", StringComparison.Ordinal) ? "ingestion"
                    : command.Contains("Intelligence.dll", StringComparison.Ordinal) ? "intelligence"
                    : "other";
                ticks[name] = ticks.GetValueOrDefault(name) + used;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
            {
                // The process ended while it was read.
            }
        }
        return ticks;
    }

    /// <summary>CPU milliseconds per bet by process between two <see cref="CpuTicks"/> readings ("other" includes processes that ended).</summary>
    private static string CpuPerBet(Dictionary<string, long>? before, Dictionary<string, long>? after, long bets, double seconds)
    {
        if (before is null || after is null || bets == 0) return "CPU by process: /proc not readable";
        var used = after.Select(a => (a.Key, Ms: (a.Value - before.GetValueOrDefault(a.Key)) * 10.0)).Where(a => a.Ms > 0).OrderByDescending(a => a.Ms).ToList();
        return $"CPU per acknowledged bet: {used.Sum(a => a.Ms) * 1000 / bets:0} µs in all ({used.Sum(a => a.Ms) / 10 / seconds:0}% of one core over {seconds:0} s; " +
            $"{Environment.ProcessorCount} cores): " + string.Join(", ", used.Select(a => $"{a.Key} {a.Ms * 1000 / bets:0} µs"));
    }

    private static async Task<Dictionary<string, (long Calls, long Usec)>> CommandStatsAsync(ConnectionMultiplexer mux)
    {
        var stats = new Dictionary<string, (long Calls, long Usec)>(StringComparer.Ordinal);
        foreach (var (key, value) in (await mux.GetServers()[0].InfoAsync("commandstats")).SelectMany(g => g))
        {
            // cmdstat_hget:calls=12,usec=34,usec_per_call=2.83,rejected_calls=0,failed_calls=0
            var fields = value.Split(',').Select(f => f.Split('=')).Where(f => f.Length == 2).ToDictionary(f => f[0], f => f[1], StringComparer.Ordinal);
            if (fields.TryGetValue("calls", out var calls) && fields.TryGetValue("usec", out var usec))
                stats[key.Replace("cmdstat_", "", StringComparison.Ordinal)] = (long.Parse(calls, CultureInfo.InvariantCulture), long.Parse(usec, CultureInfo.InvariantCulture));
        }
        return stats;
    }

    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
