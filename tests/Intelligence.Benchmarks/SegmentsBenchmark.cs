using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Intelligence.Commands;
using Intelligence.Features;
using Intelligence.Segments;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Shared.Contracts;
using Shared.Store;
using StackExchange.Redis;
using TestSupport;

namespace Intelligence.Benchmarks;

/// <summary>
/// Segments at scale (issue target: a preview over 1,000,000 profiles in under 2 s; membership within 1 s of a change):
/// writes a simulated casino into a private redis-server, loads the player index from it in this process (timed, with
/// the heap it costs per player), times previews of realistic rules, then starts the built Intelligence and Ingestion,
/// times creating a large segment, and times bets POSTed to Ingestion until their players' membership is stored.
/// </summary>
internal static class SegmentsBenchmark
{
    private const string Key = "bench-key";

    public static async Task<int> RunAsync(int players, int days, int seed, int runs, int rate, int duration, CancellationToken ct)
    {
        Console.WriteLine($"load average: {File.ReadAllText("/proc/loadavg").Trim()}; {Environment.ProcessorCount} cores");
        await using var redis = await RedisServer.StartAsync(RedisPersistence.None, ct);
        using var mux = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString + ",allowAdmin=true,syncTimeout=30000,asyncTimeout=30000");
        var keys = new StoreKeys();
        var watch = Stopwatch.StartNew();
        var (n, activities) = await SimulatedStore.WriteAsync(mux, keys, players, days, seed, done => Console.Write($"\rsimulating and writing players: {done:N0}"), scores: true);
        var memory = mux.GetServers()[0].Info("memory").SelectMany(g => g).FirstOrDefault(kv => kv.Key == "used_memory").Value;
        Console.WriteLine($"\rsimulated store: {n:N0} players × {days} days ({activities:N0} activities) written in {watch.Elapsed.TotalSeconds:0} s; Redis used_memory {long.Parse(memory!, CultureInfo.InvariantCulture) / 1e9:0.00} GB");

        var (index, catalogue, _, _) = await IndexLoad.LoadAsync(redis.ConnectionString, instances: 1, ct);
        Previews(index, catalogue, runs);
        index = null;
        GC.Collect();
        await MembershipAsync(redis.ConnectionString, mux, keys, rate, duration, ct);
        return 0;
    }

    private static void Previews(PlayerIndex index, IReadOnlyDictionary<string, Game> catalogue, int runs)
    {
        var topProvider = catalogue.Values.GroupBy(g => g.Provider).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).First().Key;
        var someGames = catalogue.Keys.Order(StringComparer.Ordinal).Take(3).ToArray();
        (string Name, string Purpose, string? Channel, string Rule)[] rules =
        [
            ("simple leaf: country = DE", "analysis", null, """{"field":"country","op":"eq","value":"DE"}"""),
            ("nested all/any/not with windows", "analysis", null,
                """{"all":[{"field":"windows.30d.depositAmount","op":"gte","value":50},{"any":[{"field":"windows.7d.betCount","op":"gt","value":10},{"not":{"field":"lifetime.lastActiveAt","op":"gte","value":"-3d"}}]},{"not":{"field":"kycStatus","op":"eq","value":"rejected"}}]}"""),
            ("game affinity: categories, provider, games played", "analysis", null,
                $$"""{"any":[{"field":"games.categories.live","op":"gt","value":100},{"field":"games.providers.{{topProvider}}","op":"gte","value":500},{"field":"games.played","op":"in","value":{{JsonSerializer.Serialize(someGames)}}}]}"""),
            ("scores: churn ≥ 0.6 and VIP band medium/high", "analysis", null,
                """{"all":[{"field":"scores.churn.probability","op":"gte","value":0.6},{"field":"scores.vip.band","op":"in","value":["medium","high"]}]}"""),
            ("marketing, channel email: depositors registered in 90 days", "marketing", "email",
                """{"all":[{"field":"lifetime.depositCount","op":"gte","value":1},{"field":"registeredAt","op":"gte","value":"-90d"}]}"""),
        ];
        var context = RuleContext.From(catalogue);
        Console.WriteLine($"previews over {index.Count:N0} players ({runs} timed runs each after 3 warm-up; evaluation, counts by reason and a 20-player sample, in process):");
        foreach (var (name, purpose, channel, json) in rules)
        {
            var bound = RuleBinder.Bind(JsonSerializer.Deserialize(json, ContractsJsonContext.Default.SegmentRule), context, new RuleLimits(), DateTimeOffset.UtcNow);
            if (!bound.IsValid) throw new InvalidOperationException($"{name}: {string.Join("; ", bound.Errors.Select(e => $"{e.Key}: {string.Join(",", e.Value)}"))}");
            var times = new List<double>();
            SegmentEvaluation? last = null;
            for (var i = 0; i < runs + 3; i++)
            {
                var watch = Stopwatch.StartNew();
                last = SegmentEvaluator.Evaluate(index, bound.Rule!, purpose == "marketing", channel, DateTimeOffset.UtcNow);
                var sample = last.Sample(20).Select(row => MemberFacts.Of(index, last.Columns, row, null)).ToList();
                if (i >= 3) times.Add(watch.Elapsed.TotalMilliseconds);
                GC.KeepAlive(sample);
            }
            times.Sort();
            var excluded = last!.Excluded.Count == 0 ? "" : $", excluded {string.Join(", ", last.Excluded.Select(e => $"{e.Key} {e.Value:N0}"))}";
            Console.WriteLine($"  {name,-55} p50 {P(times, 0.5),7:0.0} ms  p99 {P(times, 0.99),7:0.0} ms  max {times[^1],7:0.0} ms  count {last.Count:N0}{excluded}");
        }
    }

    /// <summary>Intelligence and Ingestion as child processes: a large segment created, then bets until their players enter a segment.</summary>
    private static async Task MembershipAsync(string redis, ConnectionMultiplexer mux, StoreKeys keys, int rate, int duration, CancellationToken ct)
    {
        var settings = new Dictionary<string, string>
        {
            ["ApiKeys__0__Scopes"] = "scores:read segments:write models:admin",
            ["Scoring__SweepInterval"] = "00:00:00",
            ["Recommendations__TrainOnStart"] = "false",
            ["Training__TrainWhenMissing"] = "false",
        };
        var started = Stopwatch.StartNew();
        using var intelligence = await Bench.IntelligenceAsync(redis, settings, ct);
        using var http = new HttpClient { BaseAddress = intelligence.Address, Timeout = TimeSpan.FromMinutes(10) };
        http.DefaultRequestHeaders.Add("X-Api-Key", Key);
        // Ready means the store answers; previews wait for the index (503 until it is loaded).
        while (true)
        {
            var probe = await http.PostAsJsonAsync("/v1/segments/preview", new { rule = new { field = "country", op = "eq", value = "DE" }, purpose = "analysis", sampleSize = 0 }, ct);
            if (probe.IsSuccessStatusCode) break;
            await Task.Delay(500, ct);
        }
        Console.WriteLine($"Intelligence (child process) started and loaded its index in {started.Elapsed.TotalSeconds:0.0} s");

        // The same preview through the API: HTTP, authentication, validation, JSON of the answer.
        const string nested = """{"rule":{"all":[{"field":"windows.30d.depositAmount","op":"gte","value":50},{"any":[{"field":"windows.7d.betCount","op":"gt","value":10},{"not":{"field":"lifetime.lastActiveAt","op":"gte","value":"-3d"}}]}]},"purpose":"marketing","channel":"email","sampleSize":20}""";
        var previews = new List<double>();
        for (var i = 0; i < 23; i++)
        {
            var watch = Stopwatch.StartNew();
            using var response = await http.PostAsync("/v1/segments/preview", new StringContent(nested, System.Text.Encoding.UTF8, "application/json"), ct);
            await response.Content.ReadAsByteArrayAsync(ct);
            response.EnsureSuccessStatusCode();
            if (i >= 3) previews.Add(watch.Elapsed.TotalMilliseconds);
        }
        previews.Sort();
        Console.WriteLine($"POST /v1/segments/preview (nested rule, marketing/email, 20-player sample) through the API: p50 {P(previews, 0.5):0.0} ms, p99 {P(previews, 0.99):0.0} ms, max {previews[^1]:0.0} ms");

        var timer = Stopwatch.StartNew();
        var large = await http.PostAsJsonAsync("/v1/segments", new { name = "Depositors", purpose = "analysis", rule = new { field = "lifetime.depositCount", op = "gte", value = 1 } }, ct);
        large.EnsureSuccessStatusCode();
        var largeSegment = (await large.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("members").GetInt64();
        Console.WriteLine($"POST /v1/segments with {largeSegment:N0} members (evaluated, stored in Redis, answered): {timer.Elapsed.TotalSeconds:0.0} s");
        // Its members' entries are announced in the background (lobby channel, webhooks, stored scores' segments list).
        while (await PendingAnnouncementsAsync(http, ct) > 0) await Task.Delay(250, ct);
        Console.WriteLine($"  … and its {largeSegment:N0} entries announced in the background by {timer.Elapsed.TotalSeconds:0.0} s");

        // History ends at the start of today: nobody has bet today, so each bench bet makes its player enter.
        var created = await http.PostAsJsonAsync("/v1/segments", new { name = "Played today", purpose = "analysis", rule = new { field = "windows.1d.betCount", op = "gte", value = 1 } }, ct);
        created.EnsureSuccessStatusCode();
        var segmentId = (await created.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("id").GetString()!;

        using var ingestion = await ServiceProcess.StartIngestionAsync(redis, Key, new Dictionary<string, string>(), ct);
        using var post = new HttpClient { BaseAddress = ingestion.Address };
        post.DefaultRequestHeaders.Add("X-Api-Key", Key);
        var sent = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var lags = new ConcurrentBag<double>();
        // The same bets timed to their stored scores, as the rescoring benchmark does: the pipeline membership rides on.
        var scored = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var scoreLags = new ConcurrentBag<double>();
        var scores = await mux.GetSubscriber().SubscribeAsync(keys.ScoresChanged);
        scores.OnMessage(m =>
        {
            if (scored.TryRemove(m.Message.ToString().Split('|')[0], out var t0)) scoreLags.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
        });
        var queue = await mux.GetSubscriber().SubscribeAsync(keys.SegmentMembershipChanged);
        queue.OnMessage(m =>
        {
            var parts = m.Message.ToString().Split('|');
            if (parts.Length == 3 && parts[1] == segmentId && parts[2] == "entered" && sent.TryRemove(parts[0], out var t0)) lags.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
        });
        var ids = (await mux.GetDatabase().SetMembersAsync(keys.Players)).Select(v => v.ToString()).ToArray();
        var rng = new Random(11);
        rng.Shuffle(ids);
        Console.WriteLine($"posting single bets at {rate}/s for 10 s (warm-up) + {duration} s to Ingestion, each to a player who has not bet today, timing each until the player's entry into '{segmentId}' is stored and published…");
        var start = Stopwatch.GetTimestamp();
        var n = 0;
        var measuring = false;
        var inFlight = new List<Task>();
        while (Stopwatch.GetElapsedTime(start).TotalSeconds < duration + 10 && n < ids.Length)
        {
            if (!measuring && Stopwatch.GetElapsedTime(start).TotalSeconds >= 10)
            {
                measuring = true;
                lags.Clear();
                sent.Clear();
                scoreLags.Clear();
                scored.Clear();
            }
            var due = start + (long)(n / (double)rate * Stopwatch.Frequency);
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
            if (wait > TimeSpan.Zero) await Task.Delay(wait, ct);
            var id = ids[n];
            var body = $$$"""{"specversion":"1.0","id":"sb-{{{n}}}","source":"/bench","type":"wallet.bet","time":"{{{DateTimeOffset.UtcNow:O}}}","subject":"{{{id}}}","data":{"transactionId":"sbt-{{{n}}}","roundId":"sr-{{{n}}}","gameId":"g-bench","amount":1.50,"currency":"EUR"}}""";
            sent[id] = scored[id] = Stopwatch.GetTimestamp();
            inFlight.Add(post.PostAsync("/v1/events", new StringContent(body, System.Text.Encoding.UTF8, "application/cloudevents+json"), ct));
            n++;
        }
        await Task.WhenAll(inFlight);
        await Task.Delay(3000, ct);
        var sorted = lags.Order().ToList();
        if (sorted.Count == 0)
        {
            Console.WriteLine("no membership change observed");
            return;
        }
        Console.WriteLine($"bet → membership stored and published: {sorted.Count:N0} timed, {sent.Count} not seen within 3 s; p50 {P(sorted, 0.5):0.0} ms, p90 {P(sorted, 0.9):0.0} ms, " +
            $"p99 {P(sorted, 0.99):0.0} ms, max {sorted[^1]:0.0} ms");
        var scoredSorted = scoreLags.Order().ToList();
        if (scoredSorted.Count > 0)
        {
            Console.WriteLine($"the same bets → scores stored (rescoring, after membership): p50 {P(scoredSorted, 0.5):0.0} ms, p90 {P(scoredSorted, 0.9):0.0} ms, " +
                $"p99 {P(scoredSorted, 0.99):0.0} ms, max {scoredSorted[^1]:0.0} ms");
        }
    }

    /// <summary>The service's <c>segments.announcements.pending</c> gauge, from its Prometheus endpoint.</summary>
    private static async Task<double> PendingAnnouncementsAsync(HttpClient http, CancellationToken ct)
    {
        var text = await TestSupport.ServiceProcess.ScrapeMetricsAsync(http, ct);
        var line = text.Split('\n').FirstOrDefault(l => l.StartsWith("segments_announcements_pending", StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line.Split(' ')[1], CultureInfo.InvariantCulture);
    }

    private static double P(List<double> sorted, double q) => sorted[Math.Min(sorted.Count - 1, (int)(q * sorted.Count))];
}
