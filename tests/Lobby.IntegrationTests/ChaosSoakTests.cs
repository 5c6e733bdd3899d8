using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Shared.Contracts;
using Shared.Store;
using StackExchange.Redis;
using TestSupport;

namespace Lobby.IntegrationTests;

/// <summary>
/// The chaos soak: the three services (built dlls, as an operator runs them) on one Redis with the append-only file,
/// bets sent at a steady rate, and on a schedule printed at the start: Redis shut down and restarted, Redis killed -9
/// and restarted, each service killed -9 and started again, clients paused at Redis (<c>CLIENT PAUSE</c>), the CRM's
/// webhook receiver slow and then failing. The receiver is down while membership changes are made: from the start, while
/// the regulars enter the first segment, and during its slow and failing faults, when a new segment of the regulars is
/// created, so those deliveries fail (or time out) and must be retried. At the end: every acknowledged bet counted exactly
/// once against the sender's ledger, every player rescored after their last bet, each segment's membership exact with a
/// webhook delivered (with its id) for every member, every event whose delivery the receiver refused delivered again
/// under the same event id, and the dead letters explained. <c>SOAK_SECONDS</c> sets the length (600 by default, the 10-minute run CI's slow suite makes;
/// <c>scripts/soak.sh</c> runs it for hours).
/// </summary>
[Trait("Category", "Slow")]
[Collection(ChaosSoakRunsAlone.Name)]
public sealed class ChaosSoakTests(ITestOutputHelper output)
{
    private const int Players = 80;
    private const int Threshold = 20;
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan Settle = TimeSpan.FromMinutes(3);

    /// <summary>Intelligence gives a delivery this long (<c>Webhooks:Timeout</c>); the slow receiver answers later, so it counts as failed.</summary>
    private static readonly TimeSpan DeliveryTimeout = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan SlowAnswer = TimeSpan.FromSeconds(3);
    private static readonly string[] SegmentEntered = ["segment.entered"];

    private enum Fault { RestartRedis, PauseRedisClients, KillIngestion, SlowReceiver, KillIntelligence, KillRedis, FailingReceiver, KillLobby }

    private static TimeSpan Duration =>
        int.TryParse(Environment.GetEnvironmentVariable("SOAK_SECONDS"), CultureInfo.InvariantCulture, out var s) && s > 0 ? TimeSpan.FromSeconds(s) : TimeSpan.FromSeconds(600);

    private void Say(string line)
    {
        var text = $"[{DateTime.UtcNow:HH:mm:ss}] {line}";
        output.WriteLine(text);
        System.Console.WriteLine(text);
    }

    [Fact]
    public async Task TheProduct_RidesOutRestartsKillsPausesAndABadReceiver_LosingAndDoublingNothing()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var redis = await RedisServer.StartAsync(persistent: true, ct);
        var prefix = TestKeys.Prefix("soak");
        var keys = new StoreKeys(prefix);
        var common = new Dictionary<string, string>
        {
            ["ConnectionStrings__Redis"] = redis.ConnectionString + ",connectTimeout=2000,syncTimeout=2000,asyncTimeout=2000",
            ["Store__KeyPrefix"] = prefix,
            ["ApiKeys__0__Name"] = "soak",
            ["ApiKeys__0__Key"] = ScaleOutTests.ApiKey,
            ["ApiKeys__0__Scopes"] = "events:write events:rg catalog:write players:erase scores:read segments:write audit:read segments:export models:admin webhooks:write affiliates:read ops:read harm:cases",
        };
        var settings = new Dictionary<string, Dictionary<string, string>>
        {
            [Services.Ingestion] = new(common),
            [Services.Intelligence] = new(common)
            {
                ["Webhooks__AllowPrivateAddresses"] = "true",
                ["Webhooks__RequireHttps"] = "false",
                ["Scoring__RescoreLease"] = "00:00:03",
                ["Segments__InstanceLease"] = "00:00:03",
                ["Segments__AnnounceGrace"] = "00:00:03",
                ["Webhooks__PollInterval"] = "00:00:00.100",
                ["Webhooks__Timeout"] = DeliveryTimeout.ToString("c", CultureInfo.InvariantCulture),
                ["Training__TrainWhenMissing"] = "false",
                ["Recommendations__TrainOnStart"] = "false",
            },
        };
        var running = new Dictionary<string, ServiceProcess>();
        try
        {
            async Task StartAsync(string service)
            {
                // A restarted service comes back on its address, as behind a fixed service name.
                running[service] = await ServiceProcess.StartAsync(service, settings[service], running.GetValueOrDefault(service)?.Address, ct);
            }
            await StartAsync(Services.Ingestion);
            await StartAsync(Services.Intelligence);
            settings[Services.Lobby] = new(common)
            {
                ["Lobby__IntelligenceUrl"] = running[Services.Intelligence].Address.ToString(),
                ["Lobby__IntelligenceApiKey"] = ScaleOutTests.ApiKey,
                ["Lobby__TokenSigningKey"] = "soak-tests-player-token-signing-key-0123456789",
                ["Console__IntelligenceApiKey"] = ScaleOutTests.ApiKey,
            };
            await StartAsync(Services.Lobby);

            using var ingestion = ScaleOutTests.Client(running[Services.Ingestion].Address);
            using var intelligence = ScaleOutTests.Client(running[Services.Intelligence].Address);
            var players = Enumerable.Range(0, Players).Select(i => $"p-soak-{i}").ToList();
            await ScaleOutTests.SetUpAsync(ingestion, players, ct);
            await using var receiver = await WebhookReceiver.StartAsync();
            // The requests the receiver refused or answered too late: each one's delivery must come again, under its id.
            var failedRequests = new ConcurrentDictionary<int, bool>();
            Func<int, Task<int>> healthy = _ => Task.FromResult(200);
            Func<int, Task<int>> failing = n => { failedRequests[n] = true; return Task.FromResult(503); };
            Func<int, Task<int>> slow = async n => { failedRequests[n] = true; await Task.Delay(SlowAnswer); return 200; };
            // Down from the start: the regulars enter the first segment while every delivery fails.
            receiver.Respond = failing;
            (await intelligence.PostAsJsonAsync("/v1/webhooks", new { url = receiver.Url, events = SegmentEntered, secret = "soak-webhook-secret-0123456789" }, ct)).EnsureSuccessStatusCode();
            async Task<string> CreateSegmentAsync(string name)
            {
                var created = await intelligence.PostAsJsonAsync("/v1/segments", new
                {
                    name, purpose = "marketing", channel = "email", rule = new { field = "lifetime.stakeAmount", op = "gte", value = Threshold },
                }, ct);
                created.EnsureSuccessStatusCode();
                return (await created.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("id").GetString()!;
            }
            var segmentIds = new List<string> { await CreateSegmentAsync("Regulars") };

            var faults = Enum.GetValues<Fault>();
            var duration = Duration;
            var steps = (int)(duration / Step);
            Say($"soak for {duration.TotalSeconds:0} s: {Players} players, NDJSON batches of 20 bets every 100 ms; the webhook receiver answers 503 " +
                $"until the first fault; a fault every {Step.TotalSeconds:0} s, in turn: " +
                string.Join(", ", faults.Select((f, i) => $"{Step.TotalSeconds * (i + 1):0} s {f}")) + (steps > faults.Length ? ", then again" : "") +
                $"; at each receiver fault a new segment of the regulars is created (its members enter while the receiver is bad)");

            var sender = new BetSender([ingestion], players, seed: 18, batchSize: 20) { Pause = TimeSpan.FromMilliseconds(100), GiveUpAfter = TimeSpan.FromMinutes(3) };
            using var stop = new CancellationTokenSource();
            var load = Task.Run(() => sender.RunAsync(stop.Token), ct);
            using var admin = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString + ",allowAdmin=true,abortConnect=false");
            var recoveries = new List<(Fault Fault, TimeSpan Recovery)>();
            var clock = Stopwatch.StartNew();
            for (var step = 0; step < steps; step++)
            {
                await Task.Delay(Step, ct);
                if (step == 0)
                {
                    receiver.Respond = healthy;
                    Say($"receiver back after the opening outage: {failedRequests.Count} deliveries refused so far");
                }
                var fault = faults[step % faults.Length];
                Say($"fault {step + 1}: {fault} ({sender.Batches} batches acknowledged so far)");
                var injected = Stopwatch.StartNew();
                switch (fault)
                {
                    case Fault.RestartRedis: await redis.RestartAsync(ct); break;
                    case Fault.KillRedis: await redis.KillAndRestartAsync(ct); break;
                    case Fault.PauseRedisClients:
                        await admin.GetServers()[0].ExecuteAsync("CLIENT", "PAUSE", "5000", "ALL");
                        await Task.Delay(TimeSpan.FromSeconds(5), ct);
                        break;
                    case Fault.KillIngestion or Fault.KillIntelligence or Fault.KillLobby:
                        var service = fault switch { Fault.KillIngestion => Services.Ingestion, Fault.KillIntelligence => Services.Intelligence, _ => Services.Lobby };
                        running[service].Kill();
                        running[service].Dispose();
                        await StartAsync(service);
                        break;
                    case Fault.SlowReceiver or Fault.FailingReceiver:
                        receiver.Respond = fault == Fault.SlowReceiver ? slow : failing;
                        segmentIds.Add(await CreateSegmentAsync($"Regulars {step + 1}"));
                        await Task.Delay(Step / 2, ct);
                        receiver.Respond = healthy;
                        break;
                }
                await AllReadyAsync(running.Values, ct);
                recoveries.Add((fault, injected.Elapsed));
                Say($"  recovered in {injected.Elapsed.TotalSeconds:0.0} s (every service ready)");
            }
            await stop.CancelAsync();
            await load;
            var acknowledged = sender.Acknowledged;
            Say($"load stopped after {clock.Elapsed.TotalSeconds:0} s: {sender.Batches} batches, {acknowledged.Values.Sum()} bets sent and acknowledged, " +
                $"{sender.Failed} requests not acknowledged and resent, {sender.Resent} acknowledged batches resent on purpose");

            // Exactly once: the store's count of bets is the sender's ledger, player by player (read on a fresh connection:
            // the last fault may have been a Redis restart).
            using var check = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
            var db = check.GetDatabase();
            var reader = new ProfileReader(check, keys, TimeProvider.System);
            long counted = 0, lost = 0, doubled = 0;
            var profiles = new Dictionary<string, PlayerProfile>(StringComparer.Ordinal);
            foreach (var player in players)
            {
                var profile = (await reader.ReadAsync(player, _ => null))!;
                profiles[player] = profile;
                counted += profile.Lifetime.BetCount;
                var diff = profile.Lifetime.BetCount - acknowledged[player];
                if (diff < 0) lost -= diff;
                if (diff > 0) doubled += diff;
            }
            Say($"bets counted {counted}, acknowledged {acknowledged.Values.Sum()}: lost {lost}, counted twice {doubled}");

            // Fresh scores: every player rescored after their last bet.
            await UntilAsync(async () => await db.SortedSetLengthAsync(keys.RescorePending) + await db.SortedSetLengthAsync(keys.RescoreClaimed) == 0, "the change feed to drain");
            var stale = new List<string>();
            foreach (var (player, profile) in profiles)
            {
                var at = await db.HashGetAsync(keys.Scores(player), "at");
                if (at.IsNull || (long)at < profile.Lifetime.LastBetAt!.Value.ToUnixTimeMilliseconds()) stale.Add(player);
            }
            Say($"players rescored after their last bet: {players.Count - stale.Count} of {players.Count}");

            // Membership exact, and a webhook (with its id) for every member, whatever the receiver did meanwhile.
            // A marketing segment holds the regulars who may be marketed to: betting non-stop for minutes is what the
            // harm-risk score is for, and a player it flags `high` is rightly kept out (reason harm_risk_high).
            var regulars = profiles.Where(p => p.Value.Lifetime.StakeAmount >= Threshold).Select(p => p.Key).Order(StringComparer.Ordinal).ToList();
            var expected = new List<string>();
            var keptOut = new List<string>();
            foreach (var player in regulars)
            {
                var scores = JsonDocument.Parse((await db.HashGetAsync(keys.Scores(player), "json")).ToString()).RootElement.GetProperty("marketing");
                if (scores.GetProperty("allowed").GetBoolean()) expected.Add(player);
                else keptOut.Add(string.Join('+', scores.GetProperty("reasons").EnumerateArray().Select(r => r.GetString())));
            }
            Say($"regulars {regulars.Count}: {expected.Count} may be marketed to; kept out: " +
                (keptOut.Count == 0 ? "none" : string.Join(", ", keptOut.GroupBy(r => r).Select(g => $"{g.Count()} × {g.Key}"))));
            foreach (var segmentId in segmentIds)
            {
                await UntilAsync(async () => (await ScaleOutTests.MembersAsync(intelligence, segmentId, ct)).SequenceEqual(expected), $"segment {segmentId} to hold exactly the regulars");
            }
            bool AllEntered() { var delivered = Delivered(receiver, failedRequests); return segmentIds.All(s => expected.All(m => delivered.Contains((s, m)))); }
            await UntilAsync(() => Task.FromResult(AllEntered()), "a segment.entered webhook answered 200 for every member of every segment");
            var requests = receiver.Requests;
            var withoutId = requests.Count(r => string.IsNullOrEmpty(r.Header("X-Webhook-Id")));
            var entered = ScaleOutTests.Entered(receiver);
            Say($"segments {segmentIds.Count}, members {expected.Count} each; webhooks received {requests.Count} (distinct events {entered.Values.Sum(v => v.Count)}), " +
                $"without X-Webhook-Id {withoutId}; members without one {expected.Count(m => !entered.ContainsKey(m))}");

            // At least once: every event whose delivery the receiver refused or answered too late came again under the same
            // event id (the body's "id", the CRM's idempotency key), and was taken.
            var answered = receiver.Answered;
            static string EventId(ReceivedWebhook r)
            {
                using var body = JsonDocument.Parse(r.Body);
                return body.RootElement.GetProperty("id").GetString()!;
            }
            var failedIds = answered.Where(a => failedRequests.ContainsKey(a.Number)).Select(a => EventId(a.Request)).ToHashSet(StringComparer.Ordinal);
            var takenIds = answered.Where(a => !failedRequests.ContainsKey(a.Number) && a.Status == 200).Select(a => EventId(a.Request)).ToHashSet(StringComparer.Ordinal);
            var failedEntered = answered.Count(a => failedRequests.ContainsKey(a.Number) && a.Request.Body.Contains("\"segment.entered\"", StringComparison.Ordinal));
            var neverTaken = failedIds.Where(id => !takenIds.Contains(id)).ToList();
            Say($"the receiver refused or answered too late {failedRequests.Count} requests ({failedEntered} segment.entered) of {failedIds.Count} events; " +
                $"delivered again under the same event id: {failedIds.Count - neverTaken.Count}, never: {neverTaken.Count}");

            // Dead letters: none on Ingestion (every bet is valid); the webhook ones only from the failing receiver.
            var ingestionLetters = await db.ListLengthAsync(prefix + "deadletters");
            var webhookLetters = await intelligence.GetFromJsonAsync<JsonElement>("/v1/webhooks/deadletters", ct);
            var total = webhookLetters.GetProperty("total").GetInt64();
            var reasons = webhookLetters.GetProperty("items").EnumerateArray()
                .Select(i => i.TryGetProperty("error", out var e) ? e.GetString() : i.GetRawText()).GroupBy(r => r).Select(g => $"{g.Count()} × {g.Key}");
            Say($"dead letters: Ingestion {ingestionLetters}, webhooks {total} ({string.Join("; ", reasons)})");
            Say($"faults injected {recoveries.Count}: " + string.Join(", ", recoveries.GroupBy(r => r.Fault).Select(g =>
                $"{g.Key} ×{g.Count()} (recovery max {g.Max(r => r.Recovery.TotalSeconds):0.0} s)")));

            Assert.Equal(0, lost);
            Assert.Equal(0, doubled);
            Assert.Empty(stale);
            Assert.Equal(0, withoutId);
            Assert.True(failedEntered > 0, "no membership change met the receiver while it was down");
            Assert.Empty(neverTaken);
            Assert.Equal(0, ingestionLetters);
            Assert.True(recoveries.Count >= Math.Min(steps, faults.Length), "every kind of fault was injected");
        }
        finally
        {
            foreach (var process in running.Values) process.Dispose();
        }
    }

    /// <summary>The (segment, player) pairs whose segment.entered event the receiver took (answered 200 within Intelligence's timeout).</summary>
    private static HashSet<(string Segment, string Player)> Delivered(WebhookReceiver receiver, ConcurrentDictionary<int, bool> failed)
    {
        var pairs = new HashSet<(string, string)>();
        foreach (var (number, request, status) in receiver.Answered)
        {
            if (status != 200 || failed.ContainsKey(number)) continue;
            using var body = JsonDocument.Parse(request.Body);
            var root = body.RootElement;
            if (root.GetProperty("type").GetString() != "segment.entered") continue;
            pairs.Add((root.GetProperty("data").GetProperty("segmentId").GetString()!, root.GetProperty("playerId").GetString()!));
        }
        return pairs;
    }

    private static async Task AllReadyAsync(IEnumerable<ServiceProcess> services, CancellationToken ct)
    {
        foreach (var service in services)
        {
            Assert.True(await service.WaitUntilReadyAsync(Settle, ct), $"timed out after {Settle.TotalSeconds:0} s waiting for {service.Name} ready. Its output:\n{service.Output}");
        }
    }

    private static async Task UntilAsync(Func<Task<bool>> condition, string what)
    {
        var waited = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(waited.Elapsed < Settle, $"timed out after {Settle.TotalSeconds:0} s waiting for {what}");
            await Task.Delay(200);
        }
    }
}

/// <summary>
/// The soak runs alone, after the other tests of the assembly: it loads both cores on purpose, and tests running beside it
/// (the JS client's pushes within their timeouts) would measure its load instead of their own behaviour.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ChaosSoakRunsAlone
{
    public const string Name = "chaos soak";
}
