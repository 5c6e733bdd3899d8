using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ingestion;
using Ingestion.Events;
using Ingestion.Profiles;
using Intelligence.Affiliates;
using Intelligence.Tests.Webhooks;
using Intelligence.Webhooks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Shared.Contracts;
using Shared.Store;
using Simulator.Reference;
using StackExchange.Redis;
using TestSupport;

namespace Intelligence.Tests.Affiliates;

/// <summary>
/// The affiliate report, its export and the <c>affiliate.ftd</c> postbacks, over events folded by Ingestion's own
/// pipeline (shuffled and sent twice): every figure equals the plain reference over the set of events.
/// </summary>
public sealed class AffiliatesApiTests(StoreServers servers)
{
    private static readonly DateTimeOffset T = new(2026, 11, 2, 10, 0, 0, TimeSpan.Zero);

    private static string Event(string type, string id, string player, DateTimeOffset time, string data) =>
        $$$"""{"specversion":"1.0","id":"{{{id}}}","source":"/tests","type":"{{{type}}}","time":"{{{time:O}}}","subject":"{{{player}}}","data":{{{data}}}}""";

    /// <summary>
    /// Three partners: aff-good's player deposits and plays; aff-hunt's player is granted bonuses and has a deposit charged
    /// back (the deposit arrived before the registration); aff-blitz's player self-excludes. p-4 came without an affiliate.
    /// </summary>
    private static readonly string[] Events =
    [
        Event("player.registered", "r1", "p-1", T, """{"country":"DE","currency":"EUR","affiliateId":"aff-good","btag":"good_17"}"""),
        Event("wallet.deposit", "d1", "p-1", T.AddHours(1), """{"transactionId":"dep-1","amount":40,"currency":"EUR","status":"approved","method":"card"}"""),
        Event("wallet.deposit", "d1b", "p-1", T.AddDays(2), """{"transactionId":"dep-1b","amount":60,"currency":"EUR","status":"approved"}"""),
        Event("wallet.bet", "b1", "p-1", T.AddHours(2), """{"transactionId":"bet-1","roundId":"r-1","gameId":"g","amount":10,"currency":"EUR"}"""),
        Event("wallet.win", "w1", "p-1", T.AddHours(2), """{"transactionId":"win-1","roundId":"r-1","gameId":"g","amount":4,"currency":"EUR"}"""),
        Event("wallet.deposit", "d2", "p-2", T.AddHours(-3), """{"transactionId":"dep-2","amount":25,"currency":"EUR","status":"approved"}"""),
        Event("player.registered", "r2", "p-2", T.AddDays(1), """{"country":"DE","currency":"EUR","affiliateId":"aff-hunt","btag":"=HYPERLINK(\"x\")"}"""),
        Event("bonus.granted", "bo2", "p-2", T.AddDays(1).AddHours(1), """{"bonusId":"bonus-2","amount":15,"currency":"EUR"}"""),
        Event("wallet.deposit", "d2c", "p-2", T.AddDays(3), """{"transactionId":"dep-2","amount":25,"currency":"EUR","status":"chargeback"}"""),
        Event("player.registered", "r3", "p-3", T.AddDays(1), """{"country":"DE","currency":"EUR","affiliateId":"aff-blitz"}"""),
        Event("player.rg", "rg3", "p-3", T.AddDays(4), """{"kind":"self_exclusion"}"""),
        Event("player.registered", "r4", "p-4", T, """{"country":"DE","currency":"EUR"}"""),
        Event("wallet.deposit", "d4", "p-4", T.AddHours(1), """{"transactionId":"dep-4","amount":500,"currency":"EUR","status":"approved"}"""),
    ];

    [Theory, ClassData(typeof(StoreKinds))]
    public async Task TheReport_TheExportAndThePostbacks_AgreeWithTheReference(string store)
    {
        await using var platform = await WebhookReceiver.StartAsync();
        await using var host = WebhookTestHost.Start(await servers.ConnectionStringAsync(store));
        await host.RegisterAsync(platform.Url, WebhookEventTypes.AffiliateFtd);
        var rng = new Random(7);
        // In time order, then every event again shuffled: a postback tells the first deposit known when it is sent, so
        // the test sends the first deposits first; the report is exact whatever the order (AffiliateDaysTests).
        await FoldAsync(host, [.. Events.OrderBy(e => JsonDocument.Parse(e).RootElement.GetProperty("time").GetDateTimeOffset())]);
        await FoldAsync(host, [.. Events.OrderBy(_ => rng.Next())]);

        var report = (await host.Admin.GetFromJsonAsync<AffiliatesReport>("/v1/affiliates/report?from=2026-11-01&to=2026-11-30", Json))!;
        var reference = ReferenceAffiliates.Fold(Events);
        Assert.Equal(["aff-blitz", "aff-good", "aff-hunt"], report.Items.Select(i => i.AffiliateId).Order(StringComparer.Ordinal));
        foreach (var item in report.Items)
        {
            var sum = new long[ReferenceAffiliates.Metrics];
            foreach (var v in reference.Where(kv => kv.Key.Affiliate == item.AffiliateId).Select(kv => kv.Value))
            {
                for (var i = 0; i < sum.Length; i++) sum[i] += v[i];
            }
            decimal M(long units) => units / 10_000m;
            Assert.Equal((sum[0], sum[1], M(sum[2]), sum[3], M(sum[4]), M(sum[5] - sum[6]), M(sum[7]), sum[8], M(sum[9]), M(sum[5] - sum[6] - sum[7] - sum[9]), sum[10]),
                (item.Registrations, item.Ftds, item.FtdAmount, item.DepositCount, item.DepositAmount, item.Ggr, item.BonusCost, item.ChargebackCount, item.ChargebackAmount, item.Ngr, item.SelfExcluded));
        }
        var good = report.Items.Single(i => i.AffiliateId == "aff-good");
        Assert.Equal((1L, 1L, 40m, 100m, 6m, 6m), (good.Registrations, good.Ftds, good.FtdAmount, good.DepositAmount, good.Ggr, good.Ngr));
        var hunt = report.Items.Single(i => i.AffiliateId == "aff-hunt");
        // The deposit came before the registration and was charged back: still the first deposit, no deposit now, NGR −15 − 25.
        Assert.Equal((1L, 25m, 0m, 25m, -40m), (hunt.Ftds, hunt.FtdAmount, hunt.DepositAmount, hunt.ChargebackAmount, hunt.Ngr));
        Assert.Equal(1.0, report.Items.Single(i => i.AffiliateId == "aff-blitz").SelfExclusionShare);
        Assert.Equal(good.Ngr, good.Days.Sum(d => d.Ngr));

        // A span longer than AffiliateDayReader.MaxDaysAskedByName reads whole hashes instead of its days' fields: same figures.
        var wide = (await host.Admin.GetFromJsonAsync<AffiliatesReport>("/v1/affiliates/report?from=2025-01-01&to=2026-11-30", Json))!;
        Assert.True(new DateOnly(2026, 11, 30).DayNumber - new DateOnly(2025, 1, 1).DayNumber >= AffiliateDayReader.MaxDaysAskedByName);
        Assert.Equal(report.Items.Select(i => (i.AffiliateId, i.Ftds, i.DepositAmount, i.Ngr, i.Days.Count)),
            wide.Items.Select(i => (i.AffiliateId, i.Ftds, i.DepositAmount, i.Ngr, i.Days.Count)));

        // A period counts its own days only: the second of November alone holds aff-good's first deposit and play.
        var day = (await host.Admin.GetFromJsonAsync<AffiliatesReport>("/v1/affiliates/report?from=2026-11-02&to=2026-11-02", Json))!;
        var goodDay = day.Items.Single(i => i.AffiliateId == "aff-good");
        Assert.Equal((1L, 40m, 6m), (goodDay.Ftds, goodDay.DepositAmount, goodDay.Ggr));
        Assert.Equal(0, day.Items.Single(i => i.AffiliateId == "aff-hunt").Registrations);

        // The export: one row per day, affiliate and player; a btag that a spreadsheet would run is defused.
        var csv = await host.Admin.GetStringAsync(new Uri("/v1/affiliates/export.csv?from=2026-11-01&to=2026-11-30", UriKind.Relative));
        var lines = csv.TrimEnd('\n').Split('\n');
        Assert.Equal(AffiliatesApi.ExportHeader, lines[0]);
        Assert.Equal(reference.Count, lines.Length - 1);
        Assert.Contains("2026-11-02,aff-good,good_17,p-1,1,1,40,1,40,6,0,0,6", lines);
        Assert.Contains(lines, l => l.StartsWith("2026-11-02,aff-hunt,\"'=HYPERLINK(\"\"x\"\")\",p-2,0,1,25,", StringComparison.Ordinal));

        // One signed postback per first-time depositor of an affiliate, however often the events were sent.
        await platform.WaitForRequestsAsync(2);
        await host.OutboxDrainedAsync();
        var postbacks = platform.Requests.Select(r => (Request: r, Body: JsonDocument.Parse(r.RawBody).RootElement)).OrderBy(r => r.Body.GetProperty("playerId").GetString()).ToList();
        Assert.Equal(["p-1", "p-2"], postbacks.Select(p => p.Body.GetProperty("playerId").GetString()));
        Assert.All(postbacks, p => Assert.True(WebhookSignature.Verify(p.Request.RawBody, WebhookTestHost.Secret, p.Request.Header("X-Signature"))));
        var data = postbacks[0].Body.GetProperty("data");
        Assert.Equal(("aff-good", "good_17", "2026-11-02", 40m, "EUR"), (data.GetProperty("affiliateId").GetString(), data.GetProperty("btag").GetString(),
            data.GetProperty("ftdDate").GetString(), data.GetProperty("ftdAmount").GetDecimal(), data.GetProperty("currency").GetString()));
        Assert.Equal("affiliate.ftd", postbacks[1].Body.GetProperty("type").GetString());
    }

    [Theory, ClassData(typeof(StoreKinds))]
    public async Task BadSpans_AreRefusedNamingTheField_AndTheReportNeedsItsScope(string store)
    {
        await using var host = WebhookTestHost.Start(await servers.ConnectionStringAsync(store));
        using var crm = host.App.ClientWithKey(IntelligenceApp.CrmKey);
        Assert.Equal(HttpStatusCode.Forbidden, (await crm.GetAsync(new Uri("/v1/affiliates/report", UriKind.Relative))).StatusCode);

        var reversed = await host.Admin.GetAsync(new Uri("/v1/affiliates/report?from=2026-11-05&to=2026-11-01", UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, reversed.StatusCode);
        Assert.Contains("to must not be before from", await reversed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var notADate = await host.Admin.GetAsync(new Uri("/v1/affiliates/report?from=last-week", UriKind.Relative));
        Assert.Contains("from must be a date as yyyy-MM-dd", await notADate.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // The export's limit: 31 days is answered, 32 are refused with the span to ask for instead.
        Assert.Equal(HttpStatusCode.OK, (await host.Admin.GetAsync(new Uri("/v1/affiliates/export.csv?from=2026-11-01&to=2026-12-01", UriKind.Relative))).StatusCode);
        var tooLong = await host.Admin.GetAsync(new Uri("/v1/affiliates/export.csv?from=2026-11-01&to=2026-12-02", UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        Assert.Contains($"at most {AffiliatesApi.MaxExportDays} days", await tooLong.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private static async Task FoldAsync(WebhookTestHost host, IReadOnlyList<string> events)
    {
        var redis = host.App.Services.GetRequiredService<IConnectionMultiplexer>();
        var clock = new FakeTimeProvider(T.AddDays(30));
        var metrics = new IngestionMetrics(host.App.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
        var parser = new EventParser(new FoldOptions(), "EUR", clock);
        var writer = new ProfileWriter(redis, host.App.Keys, clock, metrics);
        for (var i = 0; i < events.Count; i += 5)
        {
            await writer.ApplyAsync([.. events.Skip(i).Take(5).Select(e => parser.Parse(JsonDocument.Parse(e).RootElement))]);
        }
    }
}
