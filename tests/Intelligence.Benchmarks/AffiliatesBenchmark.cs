using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Shared.Store;
using StackExchange.Redis;
using TestSupport;

namespace Intelligence.Benchmarks;

/// <summary>
/// <c>GET /v1/affiliates/report</c> over the per-affiliate-day figures an operator of N players would have: a real
/// redis-server filled with <c>aff:{id}:days</c> for every affiliate and day (all eleven metrics, so every field the
/// report can read is there), and the built Intelligence.dll answering. The report's cost grows with affiliates × days
/// of figures, never with players; the player count only sets the figures' sizes. Its cohort half reads the player
/// index, empty here: the index's queries over millions of players are timed by the segments and scale benchmarks.
/// </summary>
internal static class AffiliatesBenchmark
{
    /// <summary>
    /// Figures for <paramref name="players"/> players registered evenly over five years, shared among the affiliates by a
    /// Zipf law (the first partner brings the most): per registration 0.35 FTDs of 40 EUR, 12 deposits a year of 60 EUR,
    /// 9 EUR of GGR a day, 15% of it in bonus cost, 0.5% of deposits charged back, 2% of players self-excluding.
    /// </summary>
    public static async Task<int> RunAsync(long players, int affiliates, int days, int requests, int runs, CancellationToken ct)
    {
        Console.WriteLine($"load average: {File.ReadAllText("/proc/loadavg").Trim()}");
        await using var redis = await RedisServer.StartAsync(cancellationToken: ct);
        using var mux = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString + ",allowAdmin=true");
        var keys = new StoreKeys();
        var db = mux.GetDatabase();
        var today = DateOnly.FromDateTime(DateTime.UtcNow).DayNumber - DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber;
        var zipf = Enumerable.Range(1, affiliates).Select(r => 1.0 / r).ToArray();
        var norm = zipf.Sum();
        var registrationsPerDay = players / (5 * 365.0);
        var activePerDay = players * 0.04;
        var watch = Stopwatch.StartNew();
        long fields = 0;
        for (var a = 0; a < affiliates; a++)
        {
            var share = zipf[a] / norm;
            var entries = new List<HashEntry>(days * 11);
            var rng = new Random(a);
            for (var d = today - days + 1; d <= today; d++)
            {
                double Jitter(double x) => x * (0.8 + 0.4 * rng.NextDouble());
                var regs = Math.Max(1, (long)Jitter(registrationsPerDay * share));
                var active = activePerDay * share;
                var deposits = (long)Jitter(active * 0.8);
                var ggr = (long)Jitter(active * 9 * 10_000);
                long[] v =
                [
                    regs, (long)(regs * 0.35), (long)(regs * 0.35 * 40 * 10_000), deposits, deposits * 60 * 10_000, ggr * 25, ggr * 24,
                    (long)(ggr * 0.15), (long)(deposits * 0.005), (long)(deposits * 0.005 * 60 * 10_000), (long)(regs * 0.02),
                ];
                for (var m = 0; m < v.Length; m++) entries.Add(new HashEntry($"{d}:{m + 1}", v[m]));
            }
            await db.HashSetAsync(keys.AffiliateDayTotals($"aff-{a:000}"), [.. entries]);
            await db.SetAddAsync(keys.Affiliates, $"aff-{a:000}");
            fields += entries.Count;
        }
        var memory = mux.GetServers()[0].Info("memory").SelectMany(g => g).FirstOrDefault(kv => kv.Key == "used_memory_human").Value;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"store: {affiliates} affiliates × {days} days × 11 metrics = {fields:N0} fields (figures of {players:N0} players) written in {watch.Elapsed.TotalSeconds:0.0} s; used_memory {memory}"));

        using var intelligence = await ServiceProcess.StartAsync(Services.Intelligence, redis.ConnectionString, Bench.Key, "affiliates:read",
            new Dictionary<string, string> { ["Scoring__SweepInterval"] = "00:00:00", ["Recommendations__TrainOnStart"] = "false", ["Training__TrainWhenMissing"] = "false" }, ct);
        using var http = new HttpClient { BaseAddress = intelligence.Address, Timeout = TimeSpan.FromMinutes(2) };
        http.DefaultRequestHeaders.Add("X-Api-Key", Bench.Key);
        var last = DateOnly.FromDateTime(DateTime.UtcNow);
        string Query(int span) => $"/v1/affiliates/report?from={last.AddDays(1 - span):yyyy-MM-dd}&to={last:yyyy-MM-dd}";

        // Until the (empty) player index is loaded the report is answered without cohorts; measure the whole report.
        var ready = Stopwatch.StartNew();
        while (true)
        {
            using var doc = JsonDocument.Parse(await http.GetStringAsync(Query(30), ct));
            if (doc.RootElement.GetProperty("cohortComplete").GetBoolean())
            {
                var items = doc.RootElement.GetProperty("items").GetArrayLength();
                if (items != affiliates) throw new InvalidOperationException($"the report has {items} affiliates, not {affiliates}");
                break;
            }
            if (ready.Elapsed > TimeSpan.FromMinutes(2)) throw new TimeoutException("the report never had its cohorts (player index not loaded)");
            await Task.Delay(500, ct);
        }

        foreach (var span in new[] { 30, 365 })
        {
            var p50s = new List<double>();
            var p99s = new List<double>();
            var maxes = new List<double>();
            for (var run = 1; run <= runs; run++)
            {
                var times = new double[requests];
                for (var i = 0; i < requests; i++)
                {
                    var t = Stopwatch.GetTimestamp();
                    using var response = await http.GetAsync(Query(span), HttpCompletionOption.ResponseContentRead, ct);
                    response.EnsureSuccessStatusCode();
                    times[i] = Stopwatch.GetElapsedTime(t).TotalMilliseconds;
                }
                Array.Sort(times);
                double P(double q) => times[Math.Min(times.Length - 1, (int)Math.Ceiling(q * times.Length) - 1)];
                p50s.Add(P(0.50));
                p99s.Add(P(0.99));
                maxes.Add(times[^1]);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"report over {span,3} days, run {run}: {requests} requests, p50 {P(0.50),7:0.0} ms, p99 {P(0.99),7:0.0} ms, max {times[^1],7:0.0} ms"));
            }
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"report over {span,3} days, {runs} runs: p50 {p50s.Min():0.0}–{p50s.Max():0.0} ms, p99 {p99s.Min():0.0}–{p99s.Max():0.0} ms, max {maxes.Min():0.0}–{maxes.Max():0.0} ms"));
        }
        return 0;
    }
}
