using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using Shared.Contracts;
using TestSupport;

namespace Ingestion.IntegrationTests.Operations;

/// <summary>
/// Reconciliation kept as events are folded (Ingestion/Reconciliation): each kind found, each deadline crossed by a
/// fixed clock, each item resolved by its missing piece, the same report whatever the arrival order.
/// </summary>
public class ReconciliationTests(StoreServers servers)
{
    private static readonly DateTimeOffset Start = new(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);

    internal static string Event(string source, string id, string type, string player, DateTimeOffset time, string data) =>
        $$$"""{"specversion":"1.0","id":"{{{id}}}","source":"{{{source}}}","type":"{{{type}}}","time":"{{{time.ToString("O", CultureInfo.InvariantCulture)}}}","subject":"{{{player}}}","data":{{{data}}}}""";

    internal static string Bet(string source, string tx, string round, DateTimeOffset time, decimal amount = 2.5m, string player = "p-1", string game = "g-1") =>
        Event(source, "e-" + tx + "-" + amount.ToString(CultureInfo.InvariantCulture) + player + game, "wallet.bet", player, time,
            $$"""{"transactionId":"{{tx}}","roundId":"{{round}}","gameId":"{{game}}","amount":{{amount.ToString(CultureInfo.InvariantCulture)}},"currency":"EUR"}""");

    internal static string Win(string source, string tx, string round, DateTimeOffset time, bool closes, decimal amount = 1m, string player = "p-1") =>
        Event(source, "e-" + tx, "wallet.win", player, time,
            $$"""{"transactionId":"{{tx}}","roundId":"{{round}}","gameId":"g-1","amount":{{amount.ToString(CultureInfo.InvariantCulture)}},"currency":"EUR","roundClosed":{{(closes ? "true" : "false")}}}""");

    internal static string Rollback(string source, string tx, string reference, DateTimeOffset time, string player = "p-1") =>
        Event(source, "e-" + tx, "wallet.rollback", player, time, $$"""{"transactionId":"{{tx}}","referenceTransactionId":"{{reference}}"}""");

    internal static string Payment(string source, string type, string tx, string status, string provider, DateTimeOffset time, decimal amount = 50m, string player = "p-1") =>
        Event(source, "e-" + tx + "-" + status, type, player, time,
            $$"""{"transactionId":"{{tx}}","amount":{{amount.ToString(CultureInfo.InvariantCulture)}},"currency":"EUR","status":"{{status}}","provider":"{{provider}}"}""");

    private async Task<(IngestionApp App, FakeTimeProvider Clock)> AppAsync(string store = StoreKinds.Redis, Dictionary<string, string?>? settings = null)
    {
        var clock = new FakeTimeProvider(Start);
        return (new IngestionApp(await servers.ConnectionStringAsync(store), settings) { Clock = clock }, clock);
    }

    internal static async Task SendAsync(IngestionApp app, params string[] events)
    {
        var r = await app.ClientWithKey(IngestionApp.WalletKey).PostAsync(new Uri("/v1/events", UriKind.Relative),
            new StringContent("[" + string.Join(",", events) + "]", Encoding.UTF8, "application/cloudevents-batch+json"), TestContext.Current.CancellationToken);
        var body = await r.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(r.StatusCode == HttpStatusCode.OK && !body.Contains("\"index\"", StringComparison.Ordinal), body);
    }

    internal static async Task<ReconciliationReport> ReportAsync(IngestionApp app, string query = "")
    {
        var r = await app.ClientWithKey(IngestionApp.OpsKey).GetAsync(new Uri("/v1/reconciliation" + query, UriKind.Relative), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        return (await r.Content.ReadFromJsonAsync(ContractsJsonContext.Default.ReconciliationReport, TestContext.Current.CancellationToken))!;
    }

    [Theory, ClassData(typeof(StoreKinds))]
    public async Task OpenRound_IsReportedOnceOpenRoundAfterHasPassed_AndALateClosingWinResolvesIt(string store)
    {
        var (app, clock) = await AppAsync(store);
        await using var _ = app;
        // The source has closed a round before, so its rounds are judged.
        await SendAsync(app, Bet("/hub88", "tx-0", "r-0", Start), Win("/hub88", "tx-0w", "r-0", Start, closes: true),
            Bet("/hub88", "tx-1", "r-1", Start), Bet("/hub88", "tx-2", "r-1", Start.AddMinutes(1)), Win("/hub88", "tx-3", "r-1", Start.AddMinutes(2), closes: false));

        clock.Advance(TimeSpan.FromHours(24) - TimeSpan.FromMilliseconds(1));
        Assert.Equal(0, (await ReportAsync(app)).OpenRounds.Count);

        clock.Advance(TimeSpan.FromMilliseconds(1));
        var open = (await ReportAsync(app)).OpenRounds;
        Assert.Equal(1, open.Count);
        var round = Assert.Single(open.Items);
        Assert.Equal(new OpenRound("/hub88", null, "p-1", "r-1", "tx-1", "g-1", Start, Start.AddHours(24)), round);

        await SendAsync(app, Win("/hub88", "tx-4", "r-1", clock.GetUtcNow(), closes: true));
        var resolved = (await ReportAsync(app)).OpenRounds;
        Assert.Equal((0, 0), (resolved.Count, resolved.Items.Count));
    }

    [Fact]
    public async Task Rounds_OfASourceThatNeverClosesThem_AreNotJudged()
    {
        var (app, clock) = await AppAsync();
        await using var _ = app;
        await SendAsync(app, Bet("/pam", "tx-1", "r-1", Start), Win("/pam", "tx-2", "r-1", Start, closes: false));

        clock.Advance(TimeSpan.FromDays(2));

        Assert.Equal(0, (await ReportAsync(app)).OpenRounds.Count);
    }

    [Theory, ClassData(typeof(StoreKinds))]
    public async Task OrphanRollback_IsReportedOnceOrphanRollbackAfterHasPassed_AndALateBetAdoptsIt(string store)
    {
        var (app, clock) = await AppAsync(store);
        await using var _ = app;
        await SendAsync(app, Win("/hub88", "tx-c", "r-c", Start, closes: true), Rollback("/hub88", "rb-1", "tx-1", Start));

        clock.Advance(TimeSpan.FromHours(1) - TimeSpan.FromMilliseconds(1));
        Assert.Equal(0, (await ReportAsync(app)).OrphanRollbacks.Count);

        clock.Advance(TimeSpan.FromMilliseconds(1));
        var orphans = (await ReportAsync(app)).OrphanRollbacks;
        Assert.Equal(1, orphans.Count);
        Assert.Equal(new OrphanRollback("/hub88", null, "p-1", "rb-1", "tx-1", Start, Start), Assert.Single(orphans.Items));

        // The bet arrives late: it adopts the rollback, and a rolled-back bet leaves no open round behind.
        await SendAsync(app, Bet("/hub88", "tx-1", "r-1", Start));
        clock.Advance(TimeSpan.FromDays(2));
        var report = await ReportAsync(app);
        Assert.Equal(0, report.OrphanRollbacks.Count);
        Assert.Equal(0, report.OpenRounds.Count);
    }

    [Theory, ClassData(typeof(StoreKinds))]
    public async Task ConflictingResend_IsKeptWithBothVersions_OncePerVersion_AndTheFirstStaysCounted(string store)
    {
        var (app, clock) = await AppAsync(store);
        await using var __ = app;
        await SendAsync(app, Bet("/wallet", "tx-1", "r-1", Start, 2.5m));
        await SendAsync(app, Bet("/wallet", "tx-1", "r-1", Start, 3m), Bet("/wallet", "tx-1", "r-1", Start, 2.5m));
        await SendAsync(app, Bet("/wallet", "tx-1", "r-1", Start, 3m), Bet("/wallet", "tx-1", "r-1", Start, 2.5m, game: "g-2"));

        var conflicts = (await ReportAsync(app)).ConflictingDuplicates;

        Assert.Equal(2, conflicts.Count);
        var first = new TransactionVersion("wallet.bet", "p-1", "r-1", "g-1", null, 2.5m, "EUR");
        Assert.Equal([first with { Amount = 3m }, first with { GameId = "g-2" }], conflicts.Items.Select(c => c.Conflicting).OrderBy(v => v.GameId).ThenBy(v => v.Amount));
        Assert.All(conflicts.Items, c => Assert.Equal(first, c.First));
        var stake = await new Shared.Store.ProfileReader((StackExchange.Redis.IConnectionMultiplexer)app.Services.GetService(typeof(StackExchange.Redis.IConnectionMultiplexer))!,
            app.Keys, clock).ReadAsync("p-1", _ => null);
        Assert.Equal(2.5m, stake!.Lifetime.StakeAmount);
    }

    [Fact]
    public async Task ReversedMoney_IsCountedOncePerPaymentState_ByProvider()
    {
        var (app, _) = await AppAsync();
        await using var __ = app;
        await SendAsync(app,
            Payment("/cashier", "wallet.deposit", "d-1", "approved", "psp-a", Start),
            Payment("/cashier", "wallet.deposit", "d-1", "chargeback", "psp-a", Start.AddMinutes(1)),
            Payment("/cashier", "wallet.deposit", "d-2", "reversed", "psp-b", Start),
            Payment("/cashier", "wallet.withdrawal", "w-1", "cancelled", "psp-b", Start),
            Payment("/cashier", "wallet.withdrawal", "w-2", "approved", "psp-b", Start));
        await SendAsync(app, Payment("/cashier", "wallet.deposit", "d-1", "chargeback", "psp-a", Start.AddMinutes(1)));

        Assert.Equal(3, (await ReportAsync(app)).ReversedPayments.Count);
        var a = (await ReportAsync(app, "?provider=psp-a")).ReversedPayments;
        Assert.Equal(1, a.Count);
        Assert.Equal(new ReversedPayment("/cashier", "psp-a", "p-1", "d-1", "wallet.deposit", "chargeback", 50m, Start.AddMinutes(1)), Assert.Single(a.Items));
        Assert.Equal(2, (await ReportAsync(app, "?provider=psp-b")).ReversedPayments.Count);
        Assert.Equal(0, (await ReportAsync(app, "?source=/other")).ReversedPayments.Count);
    }

    [Fact]
    public async Task TheReport_IsTheSame_WhateverOrderTheEventsArriveIn_InBatchesOrAlone_ResentOrNot()
    {
        var (app, clock) = await AppAsync();
        await using var _ = app;
        string[] Events(string s) =>
        [
            Win(s, "c-w", "r-c", Start, closes: true),
            Bet(s, "b-1", "r-1", Start), Win(s, "w-1", "r-1", Start, closes: true),                 // closed
            Bet(s, "b-2", "r-2", Start), Bet(s, "b-3", "r-2", Start.AddMinutes(1)),                 // open
            Bet(s, "b-4", "r-4", Start), Rollback(s, "rb-4", "b-4", Start),                          // closed by its rollback
            Rollback(s, "rb-5", "b-5", Start),                                                       // orphan
            Bet(s, "b-6", "r-6", Start, 1m), Bet(s, "b-6", "r-6", Start, 9m), Win(s, "w-6", "r-6", Start, closes: true), // conflict
            Payment(s, "wallet.deposit", "d-1", "approved", "psp", Start), Payment(s, "wallet.deposit", "d-1", "chargeback", "psp", Start),
        ];
        var random = new Random(25);
        var sources = Enumerable.Range(0, 6).Select(i => "/order-" + i).ToList();
        foreach (var s in sources)
        {
            var events = Events(s);
            random.Shuffle(events);
            // Some one at a time, some in batches, some twice.
            for (int i = 0, take; i < events.Length; i += take)
            {
                take = 1 + random.Next(3);
                await SendAsync(app, events.Skip(i).Take(take).ToArray());
            }
            await SendAsync(app, events.Take(random.Next(events.Length)).ToArray());
        }
        clock.Advance(TimeSpan.FromDays(2));

        var reports = new List<string>();
        foreach (var s in sources)
        {
            var report = await ReportAsync(app, "?source=" + s);
            Assert.Equal((1, 1, 1, 1), (report.OpenRounds.Count, report.OrphanRollbacks.Count, report.ConflictingDuplicates.Count, report.ReversedPayments.Count));
            Assert.Equal("r-2", Assert.Single(report.OpenRounds.Items).RoundId);
            Assert.Equal(Start, report.OpenRounds.Items[0].BetAt);
            // Which of two conflicting versions is the first depends on arrival, by definition: the pair does not.
            var pairs = report.ConflictingDuplicates.Items.Select(c => c.First.Amount < c.Conflicting.Amount ? c : c with { First = c.Conflicting, Conflicting = c.First }).ToList();
            var same = report with { At = default, ConflictingDuplicates = report.ConflictingDuplicates with { Items = pairs } };
            reports.Add(System.Text.Json.JsonSerializer.Serialize(same, ContractsJsonContext.Default.ReconciliationReport).Replace(s, "/s", StringComparison.Ordinal));
        }
        Assert.Single(reports.Distinct());
    }

    [Fact]
    public async Task ItemsPastTheRetention_AreDropped_ButStillCounted()
    {
        var (app, clock) = await AppAsync(settings: new() { ["Reconciliation:Retention"] = "3.00:00:00", ["Reconciliation:Horizon"] = "2.00:00:00" });
        await using var _ = app;
        await SendAsync(app, Win("/hub88", "c", "r-c", Start, closes: true), Bet("/hub88", "b-1", "r-1", Start), Rollback("/hub88", "rb-9", "b-9", Start));

        clock.Advance(TimeSpan.FromDays(3) - TimeSpan.FromMilliseconds(1));
        await SendAsync(app, Bet("/hub88", "b-2", "r-2", clock.GetUtcNow()));
        var kept = await ReportAsync(app);
        Assert.Equal((1, 1), (kept.OpenRounds.Items.Count, kept.OrphanRollbacks.Items.Count));

        clock.Advance(TimeSpan.FromMilliseconds(1));
        await SendAsync(app, Bet("/hub88", "b-3", "r-3", clock.GetUtcNow()));
        var report = await ReportAsync(app);
        Assert.Equal((1, 0), (report.OpenRounds.Count, report.OpenRounds.Items.Count));
        Assert.Equal((1, 0), (report.OrphanRollbacks.Count, report.OrphanRollbacks.Items.Count));
    }

    [Fact]
    public async Task ATransaction_IsRememberedForTheHorizon_AndARollbackArrivingTwiceTheHorizonLater_IsTakenForAnOrphan()
    {
        var (app, clock) = await AppAsync(settings: new() { ["Reconciliation:Horizon"] = "2.00:00:00" });
        await using var _ = app;
        await SendAsync(app, Bet("/hub88", "b-1", "r-1", Start), Bet("/hub88", "b-2", "r-2", Start), Bet("/hub88", "b-3", "r-3", Start));

        clock.Advance(TimeSpan.FromDays(2) - TimeSpan.FromMilliseconds(1));
        await SendAsync(app, Rollback("/hub88", "rb-1", "b-1", clock.GetUtcNow()));
        clock.Advance(TimeSpan.FromDays(2) + TimeSpan.FromMilliseconds(1));
        await SendAsync(app, Rollback("/hub88", "rb-2", "b-2", clock.GetUtcNow()));
        clock.Advance(TimeSpan.FromHours(1));

        var orphan = Assert.Single((await ReportAsync(app)).OrphanRollbacks.Items);
        Assert.Equal("b-2", orphan.ReferenceTransactionId);
    }

    [Fact]
    public async Task Disabled_RecordsNothing()
    {
        var (app, _) = await AppAsync(settings: new() { ["Reconciliation:Enabled"] = "false", ["Feeds:Enabled"] = "false" });
        await using var __ = app;
        await SendAsync(app, Bet("/wallet", "tx-1", "r-1", Start, 2.5m), Bet("/wallet", "tx-1", "r-1", Start, 3m), Rollback("/wallet", "rb", "tx-9", Start));

        var report = await ReportAsync(app);

        Assert.Equal((0, 0), (report.ConflictingDuplicates.Count, report.OrphanRollbacks.Count));
        Assert.False(await app.Db.KeyExistsAsync(app.Keys.FeedSources));
    }

    [Fact]
    public async Task TheReport_NeedsTheOpsReadScope()
    {
        var (app, _) = await AppAsync();
        await using var __ = app;

        var r = await app.ClientWithKey(IngestionApp.WalletKey).GetAsync(new Uri("/v1/reconciliation", UriKind.Relative), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode);
    }

    [Fact]
    public async Task ABadSetting_FailsAtStartUp_NamingIt()
    {
        var (app, _) = await AppAsync(settings: new() { ["Reconciliation:Horizon"] = "00:30:00" });
        await using var __ = app;

        var e = Assert.ThrowsAny<Exception>(() => app.CreateClient());

        Assert.Contains("Reconciliation:Horizon", e.ToString(), StringComparison.Ordinal);
    }
}
