using System.Collections.Concurrent;
using Stopwatch = System.Diagnostics.Stopwatch;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using Simulator.History;
using Simulator.Population;

namespace Simulator.Live;

/// <param name="SumsubSecret">The Sumsub webhook's secret key, which Ingestion is configured with too (<see cref="SumsubWebhooks"/>).</param>
/// <param name="KycReviewEvery">How often Sumsub reviews one waiting applicant.</param>
/// <param name="AtRiskShare">Share of live sessions opened for, and of events sent by, the at-risk players still drifting (see <see cref="LiveFeed"/>).</param>
/// <param name="Clock">What "now" is when an event is stamped (the system clock; tests pass a fixed one).</param>
public sealed record LiveOptions(Uri Ingestion, string ApiKey, double Rate, FaultRates Faults, string DataDir, TimeSpan? Duration,
    TimeSpan RegistrationEvery, string SumsubSecret, TimeSpan KycReviewEvery, double AtRiskShare = 0.2, TimeProvider? Clock = null, long? Events = null);

/// <summary>
/// Live mode: the population continues from where its history ends (same seed, same people, balances and favourite
/// games), playing sessions now. Events go out at about <see cref="LiveOptions.Rate"/> a second, each player's through
/// their operator's feed (canonical, Fast Track or Hub88, <see cref="VendorRenderer.FeedOf"/>), timestamped when sent.
/// The featured players (featured.txt) get a good share of sessions, so their lobbies visibly move. KYC goes as Sumsub
/// sends it: a player's first deposit brings an <c>applicantPending</c> webhook, and every
/// <see cref="LiveOptions.KycReviewEvery"/> Sumsub reviews the longest-waiting applicant (those the history left pending
/// or asked to retry come first): GREEN (<see cref="KycGreen"/>), RED RETRY (<see cref="KycRetry"/>, who waits again)
/// or RED FINAL. The at-risk players whose drift was under way when history ended (<see cref="AtRiskPlan"/>) get <see cref="LiveOptions.AtRiskShare"/> of
/// them, and their drift goes on: each live session pushes it further (longer sessions, bigger stakes and deposits,
/// reloading again and again after losses), so the harm score raises them and the console's case queue fills.
/// </summary>
public sealed class LiveFeed(World world, LiveOptions options, HttpClient http, RSA hub88Key, TextWriter log)
{
    private readonly ConcurrentDictionary<string, PlayerSimulation> _players = new(StringComparer.Ordinal);
    private readonly Random _rng = new(Seeds.Mix(world.Seed, 0, 9));
    private readonly List<(PlayerSimulation Sim, Queue<Activity> Events)> _open = [];
    public const double KycGreen = 0.6;
    public const double KycRetry = 0.2;
    private static readonly string[] RetryLabels = ["UNSATISFACTORY_PHOTOS", "DOCUMENT_PAGE_MISSING", "SCREENSHOTS"];
    private static readonly string[] RejectLabels = ["FORGERY", "SELFIE_MISMATCH", "DUPLICATE", "UNDERAGE_PERSON"];

    private readonly long[] _sent = new long[Enum.GetValues<Feed>().Length];
    private readonly long[] _failed = new long[Enum.GetValues<Feed>().Length];
    private long _failures;
    // Players with a KYC check (from history or sent live), and the applicants waiting for Sumsub's review, oldest first.
    private readonly HashSet<string> _checked = new(StringComparer.Ordinal);
    private readonly Queue<string> _awaitingReview = new();
    private long _webhooks;
    private List<PlayerSimulation> _active = [];
    private List<PlayerSimulation> _featured = [];
    private List<PlayerSimulation> _atRisk = [];
    private readonly TimeProvider _clock = options.Clock ?? TimeProvider.System;

    /// <summary>How far each live session pushes an at-risk player's drift (0 → 1): half a dozen sessions take it to the full.</summary>
    public const double DriftPerSession = 0.15;

    /// <summary>The at-risk players the live stream drifts (after <see cref="Prepare"/>).</summary>
    public IReadOnlyList<PlayerSimulation> AtRisk => _atRisk;
    private int _registered;

    // One prefix per run, so a restarted live run never reuses an id an earlier one sent.
    private readonly string _idPrefix = $"l{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}-";

    public long Sent => _sent.Sum();

    public long SentVia(Feed feed) => _sent[(int)feed];

    public long Failures => Interlocked.Read(ref _failures);

    /// <summary>Requests through one feed that Ingestion did not record (an error status, a rejection, a webhook not recorded).</summary>
    public long FailuresVia(Feed feed) => Interlocked.Read(ref _failed[(int)feed]);

    /// <summary>Sumsub's verdicts sent, by <c>player.kyc</c> status they map to (pending, verified, retry, rejected).</summary>
    public IReadOnlyDictionary<string, long> KycVerdicts => _kycVerdicts;

    private readonly Dictionary<string, long> _kycVerdicts = new(StringComparer.Ordinal);

    public PlayerSimulation? Find(string id) => _players.TryGetValue(id, out var sim) ? sim : null;

    /// <summary>Replays history in memory (fast) so live play starts from each player's state at its end.</summary>
    public void Prepare()
    {
        var sims = new PlayerSimulation[world.PlayerCount];
        var last = new string?[world.PlayerCount];
        Parallel.For(0, world.PlayerCount, i =>
        {
            var sim = world.Simulate(i, options.Faults.Rollbacks);
            last[i] = sim.Activities.Where(a => a.Kind == ActivityKind.Kyc && a.Time < world.End).MaxBy(a => a.Time)?.Text;
            sim.Activities.Clear();
            sim.ContinueWithIds(_idPrefix);
            sims[i] = sim;
        });
        foreach (var sim in sims) _players[sim.Player.Id] = sim;
        for (var i = 0; i < sims.Length; i++)
        {
            if (last[i] is null) continue;
            _checked.Add(sims[i].Player.Id);
            if (last[i] is "pending" or "retry") _awaitingReview.Enqueue(sims[i].Player.Id);
        }
        _active = sims.Where(s => !s.State.Gone).ToList();
        _atRisk = _active.Where(s => s.AtRisk is not null).ToList();
        var featuredFile = Path.Combine(options.DataDir, HistoryGenerator.FeaturedFile);
        var featuredIds = File.Exists(featuredFile) ? File.ReadAllLines(featuredFile).Select(l => l.Split(' ')[0]).ToHashSet() : [];
        _featured = featuredIds.Count > 0
            ? _active.Where(s => featuredIds.Contains(s.Player.Id)).ToList()
            : HistoryGenerator.Featured(sims, world.End).ToList();
        log.WriteLine($"live: {_active.Count} of {world.PlayerCount} players still active; featured: {string.Join(", ", _featured.Select(f => f.Player.Id))}; " +
            $"at risk and drifting: {_atRisk.Count}");
    }

    public async Task WaitForIngestionAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                using var response = await http.GetAsync(new Uri(options.Ingestion, "/health/ready"), ct);
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(500, ct);
        }
    }

    public async Task RunAsync(CancellationToken ct)
    {
        var tick = TimeSpan.FromMilliseconds(200);
        var clock = Stopwatch.StartNew();
        var nextReport = TimeSpan.FromSeconds(15);
        var nextRegistration = options.RegistrationEvery;
        var nextReview = options.KycReviewEvery;
        var budget = 0.0;
        using var timer = new PeriodicTimer(tick);
        // Events (when set) stops after that many, whatever the machine's speed: each tick adds the same budget, so the
        // same events go out in the same order, and a test that judges what they did gets the same answer on any machine.
        while ((options.Duration is null || clock.Elapsed < options.Duration) && (options.Events is null || Sent < options.Events)
            && await timer.WaitForNextTickAsync(ct))
        {
            budget = Math.Min(budget + options.Rate * tick.TotalSeconds, options.Rate);
            var batch = new List<(PlayerSimulation Sim, Activity Activity)>();
            if (clock.Elapsed >= nextRegistration)
            {
                nextRegistration += options.RegistrationEvery;
                await RegisterAsync(ct);
            }
            if (clock.Elapsed >= nextReview)
            {
                nextReview += options.KycReviewEvery;
                if (Review() is { } verdict) await PostAsync(verdict, ct);
            }
            while (budget >= 1)
            {
                if (_open.Count < Math.Max(3, options.Rate / 5)) OpenSession();
                if (_open.Count == 0) break;
                var at = NextOpen();
                var (sim, events) = _open[at];
                batch.Add((sim, events.Dequeue()));
                if (events.Count == 0) _open.RemoveAt(at);
                budget--;
            }
            await SendAsync(batch, ct);
            if (clock.Elapsed >= nextReport)
            {
                nextReport += TimeSpan.FromSeconds(15);
                log.WriteLine($"live: sent {_sent.Sum()} events (canonical {_sent[0]}, fasttrack {_sent[1]}, hub88 {_sent[2]}, sumsub {_sent[3]}), " +
                    $"{Interlocked.Read(ref _failures)} failed, {_open.Count} sessions open, {_registered} new players");
            }
        }
    }

    /// <summary>The open session whose next event goes out: an at-risk player's for <see cref="LiveOptions.AtRiskShare"/> of the events while one is open.</summary>
    private int NextOpen()
    {
        if (_rng.NextDouble() < options.AtRiskShare)
        {
            var atRisk = Enumerable.Range(0, _open.Count).Where(i => _open[i].Sim.AtRisk is not null).ToList();
            if (atRisk.Count > 0) return atRisk[_rng.Next(atRisk.Count)];
        }
        return _rng.Next(_open.Count);
    }

    private void OpenSession()
    {
        var busy = _open.Select(o => o.Sim).ToHashSet();
        var pick = _rng.NextDouble();
        var pool = _atRisk.Count > 0 && pick < options.AtRiskShare ? _atRisk : _featured.Count > 0 && pick < options.AtRiskShare + 0.3 ? _featured : _active;
        if (pool.Count == 0) return;
        var sim = pool[_rng.Next(pool.Count)];
        if (busy.Contains(sim)) return;
        sim.DriftFurther(DriftPerSession);
        // A drifting player's visit runs on: up to three sessions back to back, reloading as the balance runs out.
        var activities = new List<Activity>();
        for (var k = 0; k < 1 + (int)(2 * sim.Drift); k++) activities.AddRange(sim.PlaySession(_rng, sim.State.LastActivity, DateTimeOffset.MaxValue));
        activities = [.. activities.OrderBy(a => a.Time)];
        sim.Activities.Clear();
        // Out of order now and then: a pair of neighbours swapped in delivery.
        for (var i = 0; i + 1 < activities.Count; i++)
        {
            if (_rng.NextDouble() < options.Faults.OutOfOrder) (activities[i], activities[i + 1]) = (activities[i + 1], activities[i]);
        }
        if (activities.Count > 0) _open.Add((sim, new Queue<Activity>(activities)));
    }

    /// <summary>Sumsub reviews the longest-waiting applicant; one asked to retry waits again.</summary>
    private Outgoing? Review()
    {
        if (!_awaitingReview.TryDequeue(out var player)) return null;
        var u = _rng.NextDouble();
        Outgoing verdict;
        if (u < KycGreen)
        {
            verdict = SumsubWebhooks.Reviewed(player, CorrelationId(), _clock.GetUtcNow(), green: true);
            Count("verified");
        }
        else if (u < KycGreen + KycRetry)
        {
            verdict = SumsubWebhooks.Reviewed(player, CorrelationId(), _clock.GetUtcNow(), green: false, [RetryLabels[_rng.Next(RetryLabels.Length)]], final: false);
            _awaitingReview.Enqueue(player);
            Count("retry");
        }
        else
        {
            verdict = SumsubWebhooks.Reviewed(player, CorrelationId(), _clock.GetUtcNow(), green: false, [RejectLabels[_rng.Next(RejectLabels.Length)]], final: true);
            Count("rejected");
        }
        _sent[(int)Feed.Sumsub]++;
        return verdict;
    }

    private string CorrelationId() => $"req-{_idPrefix}{++_webhooks}";

    private void Count(string status) => _kycVerdicts[status] = _kycVerdicts.GetValueOrDefault(status) + 1;

    /// <summary>A new player signs up through Fast Track's slim registration message; Ingestion then asks our PAM who they are.</summary>
    private async Task RegisterAsync(CancellationToken ct)
    {
        var index = world.PlayerCount + _registered;
        var sim = new PlayerSimulation(world.Player(index, _clock.GetUtcNow()), world.Games, options.Faults.Rollbacks, _idPrefix);
        _players[sim.Player.Id] = sim;
        _registered++;
        var body = JsonSerializer.SerializeToUtf8Bytes(new FtUser(sim.Player.Id, _clock.GetUtcNow().ToString("O"), "sim"), FastTrackJson.Default.FtUser);
        await PostAsync(new Outgoing(Feed.FastTrack, VendorRenderer.FastTrackPrefix + "/v2/integration/user", body), ct);
        _active.Add(sim);
    }

    private async Task SendAsync(List<(PlayerSimulation Sim, Activity Activity)> batch, CancellationToken ct)
    {
        if (batch.Count == 0) return;
        var canonical = new MemoryStream();
        var requests = new List<Outgoing>();
        using (var writer = new Utf8JsonWriter(canonical))
        {
            foreach (var (sim, original) in batch)
            {
                var now = _clock.GetUtcNow();
                var a = original with { Time = original.Until is { } until ? now - (until - original.Time) : now, Until = original.Until is null ? null : now };
                var feed = VendorRenderer.FeedOf(sim.Player);
                if (a.Kind == ActivityKind.Deposit && a.Status == "approved" && _checked.Add(sim.Player.Id))
                {
                    // The player's first deposit: they are asked to verify, and submit their documents.
                    requests.Add(SumsubWebhooks.Pending(sim.Player.Id, CorrelationId(), a.Time));
                    _awaitingReview.Enqueue(sim.Player.Id);
                    _sent[(int)Feed.Sumsub]++;
                    Count("pending");
                }
                var copies = _rng.NextDouble() < options.Faults.Duplicates ? 2 : 1;
                if (VendorRenderer.Render(feed, sim.Player, a) is { } vendor)
                {
                    for (var c = 0; c < copies; c++) requests.Add(vendor);
                    _sent[(int)feed]++;
                    continue;
                }
                for (var c = 0; c < copies; c++)
                {
                    CanonicalWriter.Write(writer, sim.Player, a);
                    writer.Flush();
                    writer.Reset();
                    canonical.WriteByte((byte)'\n');
                }
                _sent[0]++;
            }
        }
        if (canonical.Length > 0) requests.Add(new Outgoing(Feed.Canonical, "/v1/events", canonical.ToArray()));
        await Task.WhenAll(requests.Select(r => PostAsync(r, ct)));
    }

    private async Task PostAsync(Outgoing request, CancellationToken ct)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, new Uri(options.Ingestion, request.Path));
        message.Content = new ByteArrayContent(request.Body);
        message.Content.Headers.ContentType = new MediaTypeHeaderValue(request.Feed == Feed.Canonical ? "application/x-ndjson" : "application/json");
        if (request.Feed == Feed.Hub88) message.Headers.Add(Hub88Keys.SignatureHeader, Hub88Keys.Sign(hub88Key, request.Body));
        else if (request.Feed == Feed.Sumsub)
        {
            message.Headers.Add(SumsubWebhooks.DigestHeader, SumsubWebhooks.Sign(options.SumsubSecret, request.Body));
            message.Headers.Add(SumsubWebhooks.AlgorithmHeader, SumsubWebhooks.Algorithm);
        }
        else message.Headers.Add("X-Api-Key", options.ApiKey);
        try
        {
            using var response = await http.SendAsync(message, ct);
            var text = await response.Content.ReadAsStringAsync(ct);
            // Hub88 answers 200 with its own status; an error there is in the body. A webhook signed but not applied is
            // answered 200 too (deadlettered): only "recorded" is a success.
            if (!response.IsSuccessStatusCode || (request.Feed == Feed.Hub88 && !text.Contains("RS_OK", StringComparison.Ordinal))
                || (request.Feed == Feed.Sumsub && !text.Contains("\"status\":\"recorded\"", StringComparison.Ordinal))
                || text.Contains("\"rejected\":[{", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref _failed[(int)request.Feed]);
                if (Interlocked.Increment(ref _failures) <= 5) log.WriteLine($"live: POST {request.Path} → {(int)response.StatusCode} {text[..Math.Min(300, text.Length)]}");
            }
        }
        catch (HttpRequestException e)
        {
            Interlocked.Increment(ref _failed[(int)request.Feed]);
            if (Interlocked.Increment(ref _failures) <= 5) log.WriteLine($"live: POST {request.Path} failed: {e.Message}");
        }
    }

}
