using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Intelligence.Recommendations.Evaluation;
using Shared.Contracts;
using Shared.Store;
using Simulator;
using Simulator.History;
using StackExchange.Redis;
using TestSupport;

namespace Recommendations.Benchmarks;

/// <summary>
/// for-you at a fixed rate against the built Intelligence service on loopback. The store holds a simulated casino's
/// profiles (written in the fold's layout from the simulator's history, with each player's last device); Intelligence
/// trains at start-up, then the load generator sends GET /v1/players/{id}/recommendations?list=for-you (every other
/// request with the player's <c>device</c>, as the lobby sends it) on a fixed schedule (open loop) and measures
/// each request from when it was due, so a stall counts against every request it delays.
/// </summary>
internal static class Latency
{
    public static async Task RunAsync(int players, int days, int seed, int rate, int seconds, CancellationToken ct)
    {
        var dir = Path.Combine(Path.GetTempPath(), $"recs-eval-v{Evaluate.SimulatorVersion}-{seed}-{players}-{days}");
        if (!File.Exists(Path.Combine(dir, HistoryGenerator.GamesFile))) HistoryGenerator.Run(World.Create(seed, players, days, Evaluate.End), new FaultRates(), dir, writeTruth: false);
        var catalogue = JsonSerializer.Deserialize(await File.ReadAllBytesAsync(Path.Combine(dir, HistoryGenerator.GamesFile), ct), ContractsJsonContext.Default.ListGame)!;
        var history = CanonicalHistory.Read(Directory.GetFiles(dir, HistoryGenerator.EventsPattern));

        await using var redis = await RedisServer.StartAsync(RedisPersistence.None, ct);
        await using (var mux = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString))
        {
            var db = mux.GetDatabase();
            var keys = new StoreKeys();
            // Shift the history so it ends now: recency and "last played" mean what they would in production.
            var shift = DateTimeOffset.UtcNow - Evaluate.End;
            await db.HashSetAsync(keys.Catalog, catalogue.Select(g => new HashEntry(g.Id, JsonSerializer.Serialize(g with { ReleasedAt = g.ReleasedAt + shift }, ContractsJsonContext.Default.Game))).ToArray());
            var writes = new List<Task>();
            foreach (var p in history.Values.Where(p => p.Rounds.Count > 0))
            {
                var profile = new List<HashEntry> { new("cty", p.Market ?? "MT"), new("c:email", "1") };
                if (p.DeviceBefore(DateTimeOffset.MaxValue) is { } device) profile.Add(new("dev", device));
                writes.Add(db.HashSetAsync(keys.Profile(p.PlayerId), [.. profile]));
                writes.Add(db.HashSetAsync(keys.Games(p.PlayerId), p.Rounds.GroupBy(r => r.GameId).SelectMany(g => new HashEntry[]
                {
                    new($"{g.Key}:n", g.Count()), new($"{g.Key}:s", g.Count() * 10_000), new($"{g.Key}:t", (g.Max(r => r.Time) + shift).ToUnixTimeMilliseconds()),
                }).ToArray()));
                writes.Add(db.SetAddAsync(keys.Players, p.PlayerId));
            }
            await Task.WhenAll(writes);
        }
        var ids = history.Values.Where(p => p.Rounds.Count > 0).Select(p => p.PlayerId).ToArray();
        // Every other request names the device, as the lobby does; the others leave it to the profile's.
        var devices = history.Values.Where(p => p.Rounds.Count > 0).Select(p => p.DeviceBefore(DateTimeOffset.MaxValue)).ToArray();
        Console.WriteLine($"store: {ids.Length} players with plays, {catalogue.Count} games, redis-server at {redis.ConnectionString}");

        var starting = Stopwatch.StartNew();
        using var service = await StartIntelligenceAsync(redis.ConnectionString, ct);
        Console.WriteLine($"Intelligence at {service.Address} (trained at start-up: {starting.Elapsed.TotalSeconds:0.0} s to ready)");

        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
        {
            BaseAddress = service.Address,
        };
        http.DefaultRequestHeaders.Add("X-Api-Key", Key);
        await RunPhaseAsync(http, ids, devices, rate, 5, seed, ct);
        var cpuBefore = CpuSeconds(service);
        var (latencies, errors) = await RunPhaseAsync(http, ids, devices, rate, seconds, seed + 1, ct);
        var cpuMeasured = CpuSeconds(service) - cpuBefore;
        latencies.Sort();
        double P(double q) => latencies.Count == 0 ? double.NaN : latencies[Math.Min(latencies.Count - 1, (int)(q * latencies.Count))];
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"for-you, limit 20, {rate} req/s for {seconds} s: {latencies.Count} ok, {errors} errors; p50 {P(0.5):0.00} ms, p90 {P(0.9):0.00} ms, p99 {P(0.99):0.00} ms, p99.9 {P(0.999):0.00} ms, max {latencies[^1]:0.00} ms"));
        // CPU per request over the measured phase only (start-up, training and warm-up left out): the figure that does
        // not depend on what else the machine is doing.
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Intelligence CPU: {CpuSeconds(service):0.0} s in total; {cpuMeasured:0.00} s in the measured phase = {1000 * cpuMeasured / Math.Max(1, rate * seconds):0.000} ms a request"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"load average: {LoadAverage()}"));
    }

    private const string Key = "bench-key";

    private static double CpuSeconds(ServiceProcess service) => service.Process.TotalProcessorTime.TotalSeconds;

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    private static async Task<(List<double> Latencies, int Errors)> RunPhaseAsync(HttpClient http, string[] ids, string?[] devices, int rate, int seconds, int seed, CancellationToken ct)
    {
        var rng = new Random(seed);
        var latencies = new ConcurrentBag<double>();
        var errors = 0;
        var inFlight = new List<Task>(rate * seconds);
        var clock = Stopwatch.StartNew();
        var total = rate * seconds;
        for (var i = 0; i < total; i++)
        {
            var due = TimeSpan.FromSeconds((double)i / rate);
            var wait = due - clock.Elapsed;
            if (wait > TimeSpan.FromMilliseconds(1)) await Task.Delay(wait, ct);
            var pick = rng.Next(ids.Length);
            var player = ids[pick];
            var query = i % 2 == 1 && devices[pick] is { } d ? "&device=" + d : "";
            inFlight.Add(Task.Run(async () =>
            {
                try
                {
                    using var response = await http.GetAsync(new Uri($"/v1/players/{player}/recommendations?list=for-you{query}", UriKind.Relative), ct);
                    await response.Content.ReadAsByteArrayAsync(ct);
                    if (response.IsSuccessStatusCode) latencies.Add((clock.Elapsed - due).TotalMilliseconds);
                    else Interlocked.Increment(ref errors);
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref errors);
                }
            }, ct));
        }
        await Task.WhenAll(inFlight);
        return ([.. latencies], errors);
    }

    /// <summary>Intelligence as a child process, once ready with a trained model.</summary>
    private static async Task<ServiceProcess> StartIntelligenceAsync(string redis, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        // Measure recommendations alone: without this the scoring models train at start-up and their promotion
        // triggers a sweep that rescores every player, both inside the measured phase (≈ 10% of the service's CPU).
        var service = await ServiceProcess.StartAsync(Services.Intelligence, redis, Key, "scores:read", new Dictionary<string, string> { ["Training__TrainWhenMissing"] = "false" }, ct);
        try
        {
            using var http = new HttpClient { BaseAddress = service.Address, Timeout = TimeSpan.FromSeconds(5) };
            http.DefaultRequestHeaders.Add("X-Api-Key", Key);
            // Ready when a list comes back with a trained model's version.
            while (clock.Elapsed < TimeSpan.FromSeconds(120) && service.IsRunning)
            {
                try
                {
                    if (await TrainedAsync(http, ct)) return service;
                }
                catch (HttpRequestException)
                {
                }
                await Task.Delay(200, ct);
            }
            throw new InvalidOperationException($"Intelligence did not become ready with a trained model. Its output:\n{service.Output}");
        }
        catch
        {
            service.Dispose();
            throw;
        }
    }

    private static async Task<bool> TrainedAsync(HttpClient http, CancellationToken ct)
    {
        var r = await http.GetAsync(new Uri("/v1/players/p-100000/recommendations?list=for-you&limit=1", UriKind.Relative), ct);
        return r.IsSuccessStatusCode && (await r.Content.ReadAsStringAsync(ct)).Contains("\"als-", StringComparison.Ordinal);
    }
}
