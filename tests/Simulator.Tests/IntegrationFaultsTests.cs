using System.Buffers;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Ingestion.Feeds;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Shared.Contracts;
using Shared.Store;
using Simulator.Faults;
using Simulator.History;
using Simulator.Population;
using StackExchange.Redis;
using TestSupport;

namespace Simulator.Tests;

/// <summary>
/// Each planted integration fault, replayed through the real Ingestion (real fold, reconciliation, feed stats and ops
/// alerts, on a real redis-server) on a fake clock that follows the events' arrival times, is found: the right kind,
/// source and provider, exactly the planted count (from the simulator's ledger), at the stated time; a clean day
/// raises nothing at all. Two simulated days of 700 players ending 21:00 (a busy hour, so every feed's rhythm is
/// known from the day before); settings that differ from the defaults are stated in <see cref="Settings"/>.
/// </summary>
[Trait("Category", "Slow")]
public sealed class IntegrationFaultsTests(StoreServers servers)
{
    private static readonly DateTimeOffset End = new(2026, 11, 4, 21, 0, 0, TimeSpan.Zero);
    private const int Seed = 25, Players = 700, Days = 2;

    /// <summary>
    /// A clean delivery: small reorderings (up to 10 minutes), nothing hours late. No duplicates: the simulator resends a
    /// duplicate up to 2 hours later, and in a feed of a few dozen events an hour one such resend is over 1% of its
    /// events, so its arrival-lag p99 passes 15 minutes and ArrivalLagHigh fires (as it should for a late resend).
    /// </summary>
    private static readonly FaultRates Delivery = new(Duplicates: 0, OutOfOrder: 0.01, Late: 0, Rollbacks: 0.002);

    /// <summary>Open rounds judged after 2 h (default 24 h), so the judgement falls while every feed still sends.</summary>
    private static readonly TimeSpan OpenRoundAfter = TimeSpan.FromHours(2);
    private static readonly TimeSpan OrphanRollbackAfter = TimeSpan.FromHours(1);

    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["Reconciliation:OpenRoundAfter"] = "02:00:00",
        ["Reconciliation:OrphanRollbackAfter"] = "01:00:00",
        ["Reconciliation:Items"] = "1000",
    };

    private static readonly string[] Sources = [CanonicalWriter.PamSource, CanonicalWriter.WalletSource, CanonicalWriter.BonusSource, CanonicalWriter.GamesSource, CanonicalWriter.ChecksSource];

    private static World World() => Simulator.World.Create(Seed, Players, Days, End);

    /// <summary>700 players make 3 to 6 deposits an hour per PSP: their decline share is judged from 5 (default 20).</summary>
    private static readonly Dictionary<string, string?> PspVolume = new() { ["Feeds:MinPaymentAttempts"] = "5" };

    [Fact]
    public async Task ACleanDay_RaisesNoReconciliationItem_EveryFeedOk_AndNoOpsAlert()
    {
        await using var day = await ReplayAsync(IntegrationFaults.Clean, settings: PspVolume);
        Assert.Equal((null, null), (day.Planted.Silent, day.Planted.Late));
        Assert.Empty(day.Planted.OpenRounds.Concat<object>(day.Planted.OrphanRollbacks).Concat(day.Planted.Conflicts).Concat(day.Planted.Declines));

        // Sampled every hour of the second day (the first has no rhythm to judge against), as the background loop would.
        for (var at = End.AddHours(-23); at <= End; at = at.AddHours(1))
        {
            await day.UntilAsync(at);
            await day.Gauges.SampleAsync();
        }
        var report = await day.ReconciliationAsync();
        // Chargebacks, reversals and cancelled withdrawals are the cashier's business, not integration faults: reported as
        // reversed money, exactly the ones the history holds, and no alert.
        var reversals = day.Events.Select(e => e.Activity).Where(a => a.Kind is ActivityKind.Deposit
            ? a.Status is "chargeback" or "reversed"
            : a.Kind is ActivityKind.Withdrawal && a.Status is "reversed" or "cancelled").Select(a => a.Id).Distinct().Count();
        Assert.Equal((0, 0, 0, reversals), (report.OpenRounds.Count, report.OrphanRollbacks.Count, report.ConflictingDuplicates.Count, report.ReversedPayments.Count));
        var feeds = await day.FeedsAsync();
        Assert.Equal(Sources.Order(StringComparer.Ordinal), feeds.Select(f => f.Source));
        Assert.All(feeds, f => Assert.True(f.State == FeedStates.Ok, $"{f.Source}: {f.State} {f.Reason}"));
        Assert.All(feeds, f => Assert.True(f.LagP99Ms <= OpsAlerts.LagHighMs, $"{f.Source}: lag p99 {f.LagP99Ms} ms"));
        Assert.Empty(await day.Alerts.EventsAsync(100));
        // Every PSP's deposits were judged (a day of usual decline share behind them), none spiking.
        var payments = (await day.FeedsReportAsync()).Payments!;
        Assert.Equal(IntegrationFaults.Psps, payments.Select(p => p.Provider));
        Assert.All(payments, p => Assert.True(p.UsualDeclineShare is not null && !p.Spiking, $"{p}"));
        // The clean day is a real day: every source sent, and rounds were closed and judged.
        Assert.All(feeds, f => Assert.NotNull(f.LastEventAt));
        Assert.True(day.Events.Count(e => e.Activity.Kind == ActivityKind.Bet) > 5_000);
    }

    [Fact]
    public async Task AProviderLeavingRoundsOpen_IsFoundAsOpenRounds_OfThatProvider_OnceOpenRoundAfterHasPassed()
    {
        var world = World();
        var provider = world.Providers[0];
        await using var day = await ReplayAsync(new IntegrationFaults(Reconciled: true, OpenRoundsProvider: provider, OpenRoundShare: 0.2), world);
        var planted = day.Planted.OpenRounds;
        Assert.NotEmpty(planted);
        Assert.All(planted, r => Assert.Equal(provider, r.Provider));

        // The first planted round: 1 ms short of OpenRoundAfter it is not open; at OpenRoundAfter it is.
        var first = planted[0].BetAt;
        await day.UntilAsync(first + OpenRoundAfter - TimeSpan.FromMilliseconds(1));
        var before = await day.ReconciliationAsync();
        Assert.Equal(0, before.OpenRounds.Count);
        Assert.DoesNotContain(before.OpenRounds.Items, r => r.RoundId == planted[0].RoundId);
        await day.UntilAsync(first + OpenRoundAfter);
        Assert.Contains((await day.ReconciliationAsync()).OpenRounds.Items, r => r.RoundId == planted[0].RoundId);

        await day.UntilAsync(End);
        var due = planted.Where(r => r.BetAt <= End - OpenRoundAfter).ToList();
        var report = await day.ReconciliationAsync();
        Assert.Equal(due.Count, report.OpenRounds.Count);
        // The store keeps times to the millisecond.
        Assert.Equal(due.Select(r => (r.Source, (string?)r.Provider, r.PlayerId, r.RoundId, r.BetTransactionId, DateTimeOffset.FromUnixTimeMilliseconds(r.BetAt.ToUnixTimeMilliseconds()))).Order(),
            report.OpenRounds.Items.Select(r => (r.Source, r.Provider, r.PlayerId, r.RoundId, r.TransactionId, r.BetAt)).Order());
        Assert.Equal((0, 0), (report.OrphanRollbacks.Count, report.ConflictingDuplicates.Count));
        var byProvider = await day.ReconciliationAsync("?provider=" + Uri.EscapeDataString(world.Providers[1]));
        Assert.Equal(0, byProvider.OpenRounds.Count);

        await day.Gauges.SampleAsync();
        var alert = Assert.Single(await day.Alerts.FiringAsync());
        Assert.Equal(($"OpenRounds:{CanonicalWriter.WalletSource}", "warning", End), (alert.Id, alert.Severity, alert.FiredAt));
        Assert.Contains($"left {due.Count} rounds open", alert.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RollbacksForUnknownTransactions_AreFoundAsOrphans_OneHourAfterTheyArrived()
    {
        await using var day = await ReplayAsync(new IntegrationFaults(Reconciled: true, OrphanRollbackShare: 0.002));
        var planted = day.Planted.OrphanRollbacks;
        Assert.NotEmpty(planted);
        var ids = planted.Select(r => r.TransactionId).ToHashSet(StringComparer.Ordinal);

        // The first to arrive: 1 ms short of OrphanRollbackAfter after its arrival it is not an orphan; at it, it is.
        var firstArrival = day.Events.Where(e => ids.Contains(e.Activity.Id)).Min(e => e.Arrival);
        await day.UntilAsync(firstArrival);
        var first = day.PostedAt(day.Events.First(e => ids.Contains(e.Activity.Id)).Activity.Id);
        Assert.Equal(firstArrival, first);
        await day.UntilAsync(first + OrphanRollbackAfter - TimeSpan.FromMilliseconds(1));
        Assert.Equal(0, (await day.ReconciliationAsync()).OrphanRollbacks.Count);
        await day.UntilAsync(first + OrphanRollbackAfter);
        Assert.Equal(planted.Count(r => day.Posted(r.TransactionId, 0) <= first), (await day.ReconciliationAsync()).OrphanRollbacks.Count);

        await day.UntilAsync(End);
        var due = planted.Where(r => day.Posted(r.TransactionId, 0) <= End - OrphanRollbackAfter).ToList();
        var report = await day.ReconciliationAsync();
        Assert.NotEmpty(due);
        Assert.Equal(due.Count, report.OrphanRollbacks.Count);
        Assert.Equal(due.Select(r => (r.Source, (string?)r.Provider, r.PlayerId, r.TransactionId, r.ReferencedTransactionId)).Order(),
            report.OrphanRollbacks.Items.Select(r => (r.Source, r.Provider, r.PlayerId, r.TransactionId, r.ReferenceTransactionId)).Order());
        Assert.Equal((0, 0), (report.OpenRounds.Count, report.ConflictingDuplicates.Count));

        await day.Gauges.SampleAsync();
        var alert = Assert.Single(await day.Alerts.FiringAsync());
        Assert.Equal($"OrphanRollbacks:{CanonicalWriter.WalletSource}", alert.Id);
        Assert.Contains($"sent {due.Count} rollbacks", alert.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConflictingResends_AreFoundAsConflictingDuplicates_WithBothAmounts_AsTheyArrive()
    {
        await using var day = await ReplayAsync(new IntegrationFaults(Reconciled: true, ConflictShare: 0.002));
        var planted = day.Planted.Conflicts;
        Assert.NotEmpty(planted);

        await day.UntilAsync(End);
        var arrived = planted.Where(c => day.Posted(c.TransactionId, c.ResentAmount) is { } at && at <= End).ToList();
        var report = await day.ReconciliationAsync();
        Assert.Equal(arrived.Count, report.ConflictingDuplicates.Count);
        Assert.Equal(arrived.Select(c => (c.Source, c.TransactionId, c.PlayerId)).Order(),
            report.ConflictingDuplicates.Items.Select(c => (c.Source, c.TransactionId, c.Conflicting.PlayerId)).Order());
        // Both versions are kept; the resent one is a unit more in the player's currency.
        Assert.All(report.ConflictingDuplicates.Items, c => Assert.True(c.Conflicting.Amount > c.First.Amount && c.First.Type == EventTypes.WalletBet, c.TransactionId));
        Assert.Equal((0, 0), (report.OpenRounds.Count, report.OrphanRollbacks.Count));
        // No in-product alert judges conflicts (Prometheus's ConflictingDuplicates does): nothing fires.
        await day.Gauges.SampleAsync();
        Assert.Empty(await day.Alerts.FiringAsync());
    }

    [Fact]
    public async Task AFeedGoingSilent_IsSilent_AndFiresFeedSilent_WhileTheOthersStayOk()
    {
        // Silent 15 minutes after its last event, then FeedSilent's 10 minutes: fired within 30 minutes of the silence.
        var silentFrom = End.AddMinutes(-30);
        // 700 players send a few game sessions a quarter hour: a feed is judged from 3 expected events (default 10).
        await using var day = await ReplayAsync(new IntegrationFaults(Reconciled: true, SilentSource: CanonicalWriter.GamesSource, SilentFrom: silentFrom),
            settings: new() { ["Feeds:MinExpectedEvents"] = "3" });
        Assert.True(day.Planted.Silent!.Events > 0);

        await day.UntilAsync(End - OpsAlerts.For["FeedSilent"]);   // already silent: pending
        await day.Gauges.SampleAsync();
        Assert.Empty(await day.Alerts.FiringAsync());
        await day.UntilAsync(End);
        var feeds = await day.FeedsAsync();
        var games = Assert.Single(feeds, f => f.Source == CanonicalWriter.GamesSource);
        Assert.Equal(FeedStates.Silent, games.State);
        Assert.True(games.LastEventAt < silentFrom);
        Assert.All(feeds.Where(f => f.Source != CanonicalWriter.GamesSource), f => Assert.True(f.State == FeedStates.Ok, $"{f.Source}: {f.State} {f.Reason}"));

        await day.Gauges.SampleAsync();
        var alert = Assert.Single(await day.Alerts.FiringAsync());
        Assert.Equal(($"FeedSilent:{CanonicalWriter.GamesSource}", "page", End), (alert.Id, alert.Severity, alert.FiredAt));
        var report = await day.ReconciliationAsync();
        Assert.Equal((0, 0, 0), (report.OpenRounds.Count, report.OrphanRollbacks.Count, report.ConflictingDuplicates.Count));
    }

    [Fact]
    public async Task AFeedArrivingHoursLate_ShowsItsLag_AndFiresArrivalLagHigh()
    {
        await using var day = await ReplayAsync(new IntegrationFaults(Reconciled: true, LateSource: CanonicalWriter.PamSource, LateBy: TimeSpan.FromHours(3)));
        Assert.True(day.Planted.Late!.Events > 0);

        // Late all along: pending from the first sample, fired once ArrivalLagHigh's 15 minutes have passed.
        await day.UntilAsync(End - OpsAlerts.For["ArrivalLagHigh"]);
        await day.Gauges.SampleAsync();
        Assert.Empty(await day.Alerts.FiringAsync());
        await day.UntilAsync(End);
        var feeds = await day.FeedsAsync();
        var pam = Assert.Single(feeds, f => f.Source == CanonicalWriter.PamSource);
        // 3 h (plus at most 10 minutes' reordering) falls in the histogram's bucket up to 4 h.
        Assert.Equal((4 * 3_600_000L, 4 * 3_600_000L), (pam.LagP50Ms, pam.LagP99Ms));
        Assert.All(feeds.Where(f => f.Source != CanonicalWriter.PamSource), f => Assert.True(f.LagP99Ms <= OpsAlerts.LagHighMs, $"{f.Source}: {f.LagP99Ms}"));

        await day.Gauges.SampleAsync();
        var alert = Assert.Single(await day.Alerts.FiringAsync());
        Assert.Equal(($"ArrivalLagHigh:{CanonicalWriter.PamSource}", "warning"), (alert.Id, alert.Severity));
    }

    [Fact]
    public async Task ASpikeOfDeclinesAtOnePsp_FiresPaymentDeclinesSpiking_ForThatPsp_WithinTwoHours_AndIsCountedExactly_InThePlayersDeclinedDeposits()
    {
        var from = End.AddHours(-6);
        await using var day = await ReplayAsync(new IntegrationFaults(Reconciled: true, DeclinePsp: "trustly", DeclineShare: 0.6, DeclinesFrom: from), settings: PspVolume);
        var planted = day.Planted.Declines;
        Assert.NotEmpty(planted);
        Assert.All(planted, d => Assert.Equal("trustly", d.Psp));

        // Sampled every 5 minutes from the spike's start, as the background loop would (every 30 s).
        DateTimeOffset? firedAt = null;
        for (var at = from; at <= End && firedAt is null; at = at.AddMinutes(5))
        {
            await day.UntilAsync(at);
            await day.Gauges.SampleAsync();
            if ((await day.Alerts.FiringAsync()).SingleOrDefault(a => a.Alert == "PaymentDeclinesSpiking") is { } a) firedAt = a.FiredAt;
        }
        var firing = await day.Alerts.FiringAsync();
        var alert = Assert.Single(firing);
        Assert.Equal(("PaymentDeclinesSpiking:trustly", "trustly", "page"), (alert.Id, alert.Source, alert.Severity));
        Assert.True(firedAt <= from.AddHours(2), $"fired at {firedAt}");
        var trustly = Assert.Single((await day.FeedsReportAsync()).Payments!, p => p.Provider == "trustly");
        Assert.True(trustly.Spiking, $"{trustly}");
        Assert.All((await day.FeedsReportAsync()).Payments!.Where(p => p.Provider != "trustly"), p => Assert.False(p.Spiking, $"{p}"));

        await day.UntilAsync(End.AddHours(3));
        var declined = day.Events.Where(e => e.Activity is { Kind: ActivityKind.Deposit, Status: "rejected" }).Select(e => e.Activity.Id).Distinct().Count();
        var reader = new ProfileReader(day.App.Services.GetRequiredService<IConnectionMultiplexer>(), new StoreKeys(day.App.Prefix), day.Clock);
        long counted = 0;
        foreach (var player in day.Events.Select(e => e.Player.Id).Distinct())
        {
            counted += (await reader.ReadAsync(player, _ => null))?.Lifetime.DeclinedDepositCount ?? 0;
        }
        Assert.Equal(declined, counted);
        Assert.True(declined >= planted.Count);
        // Declines are not reconciliation items: nothing else is reported.
        var report = await day.ReconciliationAsync();
        // Chargebacks, reversals and cancelled withdrawals are the cashier's business, not integration faults: reported as
        // reversed money, exactly the ones the history holds, and no alert.
        var reversals = day.Events.Select(e => e.Activity).Where(a => a.Kind is ActivityKind.Deposit
            ? a.Status is "chargeback" or "reversed"
            : a.Kind is ActivityKind.Withdrawal && a.Status is "reversed" or "cancelled").Select(a => a.Id).Distinct().Count();
        Assert.Equal((0, 0, 0, reversals), (report.OpenRounds.Count, report.OrphanRollbacks.Count, report.ConflictingDuplicates.Count, report.ReversedPayments.Count));
    }

    private async Task<Day> ReplayAsync(IntegrationFaults faults, World? world = null, Dictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?>(Settings);
        foreach (var (k, v) in settings ?? []) all[k] = v;
        world ??= World();
        var (events, planted) = HistoryGenerator.Arrivals(world, Delivery, faults);
        var clock = new FakeTimeProvider(world.Start);
        // The gauges are sampled by the test at stated times, not by the background loop at whatever moment the fake clock passes.
        var app = new IngestionFactory((await servers.RedisAsync()).ConnectionString, "faults") { Clock = clock, Settings = all, SampleInBackground = false };
        return new Day(app, clock, events, planted);
    }

    /// <summary>A replay in progress: events POSTed minute by minute of their arrival, the clock at each minute's last arrival.</summary>
    private sealed class Day(IngestionFactory app, FakeTimeProvider clock, List<(DateTimeOffset Arrival, Player Player, Activity Activity)> events,
        PlantedFaults planted) : IAsyncDisposable
    {
        private readonly HttpClient _client = app.ClientWithKey(IngestionFactory.Key);
        private readonly Dictionary<(string Id, decimal Amount), DateTimeOffset> _posted = [];
        private int _next;

        public IngestionFactory App => app;
        public FakeTimeProvider Clock => clock;
        public List<(DateTimeOffset Arrival, Player Player, Activity Activity)> Events => events;
        public PlantedFaults Planted => planted;
        public OperationsGauges Gauges => app.Services.GetRequiredService<OperationsGauges>();
        public OpsAlerts Alerts => app.Services.GetRequiredService<OpsAlerts>();

        /// <summary>When the first event of a transaction (or event) id was POSTed, on the service's clock.</summary>
        public DateTimeOffset PostedAt(string id) => _posted.Where(p => p.Key.Id == id).Min(p => p.Value);

        public DateTimeOffset? Posted(string id, decimal amount) => _posted.TryGetValue((id, amount), out var at) ? at : null;

        /// <summary>Sends every event arriving at or before <paramref name="until"/>, then sets the clock there.</summary>
        public async Task UntilAsync(DateTimeOffset until)
        {
            while (_next < events.Count && events[_next].Arrival <= until)
            {
                var minute = events[_next].Arrival.UtcTicks / TimeSpan.TicksPerMinute;
                var batch = new List<(DateTimeOffset Arrival, Player Player, Activity Activity)>();
                while (_next < events.Count && events[_next].Arrival <= until && events[_next].Arrival.UtcTicks / TimeSpan.TicksPerMinute == minute)
                {
                    batch.Add(events[_next++]);
                }
                var at = batch[^1].Arrival;
                if (at > clock.GetUtcNow()) clock.SetUtcNow(at);
                await PostAsync(batch);
                foreach (var (_, _, a) in batch) _posted.TryAdd((a.Id, a.Amount), clock.GetUtcNow());
            }
            if (until > clock.GetUtcNow()) clock.SetUtcNow(until);
        }

        private async Task PostAsync(List<(DateTimeOffset Arrival, Player Player, Activity Activity)> batch)
        {
            var buffer = new ArrayBufferWriter<byte>();
            using (var w = new Utf8JsonWriter(buffer))
            {
                w.WriteStartArray();
                foreach (var (_, player, activity) in batch) CanonicalWriter.Write(w, player, activity);
                w.WriteEndArray();
            }
            using var content = new ByteArrayContent(buffer.WrittenSpan.ToArray());
            content.Headers.ContentType = new("application/cloudevents-batch+json");
            var r = await _client.PostAsync(new Uri("/v1/events", UriKind.Relative), content, TestContext.Current.CancellationToken);
            var body = await r.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            Assert.True(r.StatusCode == HttpStatusCode.OK && !body.Contains("\"index\"", StringComparison.Ordinal), Encoding.UTF8.GetString(buffer.WrittenSpan) + " → " + body);
        }

        public async Task<ReconciliationReport> ReconciliationAsync(string query = "") =>
            (await app.ClientWithKey(IngestionFactory.OpsKey).GetFromJsonAsync("/v1/reconciliation" + query, ContractsJsonContext.Default.ReconciliationReport,
                TestContext.Current.CancellationToken))!;

        public async Task<FeedsReport> FeedsReportAsync() =>
            (await app.ClientWithKey(IngestionFactory.OpsKey).GetFromJsonAsync("/v1/feeds", ContractsJsonContext.Default.FeedsReport,
                TestContext.Current.CancellationToken))!;

        public async Task<IReadOnlyList<FeedStatus>> FeedsAsync() =>
            (await app.ClientWithKey(IngestionFactory.OpsKey).GetFromJsonAsync("/v1/feeds", ContractsJsonContext.Default.FeedsReport,
                TestContext.Current.CancellationToken))!.Items;

        public async ValueTask DisposeAsync()
        {
            _client.Dispose();
            await app.DisposeAsync();
        }
    }
}
