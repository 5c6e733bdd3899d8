using System.Net.Http.Json;
using Ingestion.Feeds;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Shared.Contracts;
using TestSupport;
using static Ingestion.IntegrationTests.Operations.ReconciliationTests;

namespace Ingestion.IntegrationTests.Operations;

/// <summary>In-product alerts: fired once when a condition starts to hold, resolved once when it stops, recorded for the webhooks.</summary>
public class OpsAlertsTests(StoreServers servers)
{
    private static readonly DateTimeOffset Start = new(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);

    [Theory, ClassData(typeof(StoreKinds))]
    public async Task AnOrphanRollback_FiresAnAlertOnce_AndItsLateBetResolvesIt(string store)
    {
        var clock = new FakeTimeProvider(Start);
        await using var app = new IngestionApp(await servers.ConnectionStringAsync(store)) { Clock = clock };
        var gauges = app.Services.GetRequiredService<OperationsGauges>();
        var alerts = app.Services.GetRequiredService<OpsAlerts>();
        await SendAsync(app, Rollback("/hub88", "rb-1", "tx-1", Start));
        await gauges.SampleAsync();
        Assert.Empty(await alerts.FiringAsync());

        clock.Advance(TimeSpan.FromHours(1));
        await gauges.SampleAsync();
        await gauges.SampleAsync();   // a second look (or another instance) records nothing new

        var firing = Assert.Single(await alerts.FiringAsync());
        Assert.Equal(new OpsAlert("OrphanRollbacks:/hub88", "OrphanRollbacks", "warning", "/hub88",
            "Source /hub88 sent 1 rollbacks for transactions never received", Start.AddHours(1)), firing);
        var fired = Assert.Single(await alerts.EventsAsync(10));
        Assert.Equal((OpsAlertEventTypes.Fired, firing), (fired.Type, fired.Alert));
        var overHttp = await app.ClientWithKey(IngestionApp.OpsKey).GetFromJsonAsync("/v1/ops/alerts", ContractsJsonContext.Default.ListOpsAlert, TestContext.Current.CancellationToken);
        Assert.Equal([firing], overHttp!);

        clock.Advance(TimeSpan.FromMinutes(5));
        await SendAsync(app, Bet("/hub88", "tx-1", "r-1", clock.GetUtcNow()));
        await gauges.SampleAsync();
        await gauges.SampleAsync();

        Assert.Empty(await alerts.FiringAsync());
        var events = await alerts.EventsAsync(10);
        Assert.Equal([OpsAlertEventTypes.Resolved, OpsAlertEventTypes.Fired], events.Select(e => e.Type));
        Assert.Equal(firing, events[0].Alert);
        Assert.Equal(Start.AddHours(1).AddMinutes(5), events[0].At);
        Assert.NotEqual(events[0].EventId, events[1].EventId);
    }

    [Fact]
    public void Conditions_NameEachFeedState_LagAndMemory()
    {
        FeedStatus Feed(string source, string state, long? p99 = null) => new(source, state, 0, null, null, null, p99, 0, 0, 0, "why");
        var alerts = OpsAlerts.Conditions(
            [Feed("/a", FeedStates.Silent), Feed("/b", FeedStates.Failing), Feed("/c", FeedStates.Quiet, p99: OpsAlerts.LagHighMs + 1), Feed("/d", FeedStates.Ok, OpsAlerts.LagHighMs)],
            [], memoryUsed: 91, memoryMax: 100, Start);

        Assert.Equal(["FeedSilent:/a", "FeedFailing:/b", "ArrivalLagHigh:/c", "StoreMemoryNearMax"], alerts.Select(a => a.Id));
        Assert.All(alerts, a => Assert.True(OpsAlerts.For.ContainsKey(a.Alert), a.Alert));
        Assert.Empty(OpsAlerts.Conditions([], [], memoryUsed: 90, memoryMax: 100, Start));
        Assert.Empty(OpsAlerts.Conditions([], [], memoryUsed: 95, memoryMax: 0, Start));
    }

    [Fact]
    public async Task AModelKindNotPromotedFor14Days_FiresModelNotPromoted_AndOnePromotedSinceDoesNot()
    {
        var clock = new FakeTimeProvider(Start);
        await using var app = new IngestionApp(await servers.ConnectionStringAsync(StoreKinds.Redis)) { Clock = clock };
        var gauges = app.Services.GetRequiredService<OperationsGauges>();
        var alerts = app.Services.GetRequiredService<OpsAlerts>();
        await using var redis = await servers.ConnectAsync(StoreKinds.Redis);
        // What Intelligence's registry writes at a promotion.
        await redis.GetDatabase().HashSetAsync(app.Keys.ModelsPromotedAt,
            [new("churn", Start.AddDays(-14).ToUnixTimeMilliseconds()), new("vip", Start.AddDays(-10).ToUnixTimeMilliseconds())]);

        await gauges.SampleAsync();
        Assert.Empty(await alerts.FiringAsync());

        clock.Advance(TimeSpan.FromMinutes(1));
        await gauges.SampleAsync();
        Assert.Empty(await alerts.FiringAsync());   // holding, for less than its hour
        clock.Advance(OpsAlerts.For["ModelNotPromoted"]);
        await gauges.SampleAsync();

        var firing = Assert.Single(await alerts.FiringAsync());
        Assert.Equal(new OpsAlert("ModelNotPromoted:churn", "ModelNotPromoted", "warning", null,
            "No churn model has been promoted for 14 days (last on 2026-11-09): scores come from an ageing model", Start.AddMinutes(61)), firing);

        await redis.GetDatabase().HashSetAsync(app.Keys.ModelsPromotedAt, "churn", clock.GetUtcNow().ToUnixTimeMilliseconds());
        await gauges.SampleAsync();
        Assert.Empty(await alerts.FiringAsync());
        Assert.Equal(OpsAlertEventTypes.Resolved, (await alerts.EventsAsync(1))[0].Type);
    }

    [Fact]
    public void ASpikingPsp_FiresPaymentDeclinesSpiking_NamingItsShares_AndOneNotSpikingDoesNot()
    {
        var alerts = OpsAlerts.Conditions([], [], 0, 0, Start, payments:
            [new("trustly", 40, 26, 0.65, 0.1, Spiking: true), new("adyen", 5, 5, 1.0, 0.1, Spiking: false)]);

        var alert = Assert.Single(alerts);
        Assert.Equal(("PaymentDeclinesSpiking:trustly", "PaymentDeclinesSpiking", "page", "trustly"), (alert.Id, alert.Alert, alert.Severity, alert.Source));
        Assert.StartsWith("PSP trustly declined 65% of its last hour's 40 deposits where 10% is usual", alert.Summary, StringComparison.Ordinal);
        Assert.True(OpsAlerts.For.ContainsKey(alert.Alert));
    }

    /// <summary>
    /// A feed that sent 4 events a minute yesterday from 03:00 and nothing today is silent from 03:15; FeedSilent waits out
    /// its 10 minutes as alerts.yml's rule does: not fired 1 ms before, fired at them, and a feed back before them never fires.
    /// </summary>
    [Fact]
    public async Task FeedSilent_FiresOnlyOnceSilentForItsFor_CrossedByOneMillisecondBothWays()
    {
        var night = new DateTimeOffset(2026, 11, 23, 3, 0, 0, TimeSpan.Zero);
        var clock = new FakeTimeProvider(night.AddDays(-1));
        await using var app = new IngestionApp(await servers.ConnectionStringAsync(StoreKinds.Redis)) { Clock = clock };
        var gauges = app.Services.GetRequiredService<OperationsGauges>();
        var alerts = app.Services.GetRequiredService<OpsAlerts>();
        var id = 0;
        async Task SendAsync(string source, int count) => await FeedsTests.SendAnyAsync(app, Enumerable.Range(0, count)
            .Select(_ => Event(source, $"l-{++id}", "player.login", "p-1", clock.GetUtcNow(), "{}")).ToArray());
        for (var m = 0; m < 60; m++)
        {
            await SendAsync("/day", 4);
            await SendAsync("/back", 4);
            clock.Advance(TimeSpan.FromMinutes(1));
        }

        clock.SetUtcNow(night.AddMinutes(15));
        await gauges.SampleAsync();   // both silent from now on: pending
        Assert.Empty(await alerts.FiringAsync());
        clock.Advance(TimeSpan.FromMinutes(5));
        await SendAsync("/back", 60);   // /back recovers within its 10 minutes
        await gauges.SampleAsync();

        clock.SetUtcNow(night.AddMinutes(25).AddMilliseconds(-1));
        await gauges.SampleAsync();
        Assert.Empty(await alerts.FiringAsync());
        Assert.Empty(await alerts.EventsAsync(10));

        clock.SetUtcNow(night.AddMinutes(25));
        await gauges.SampleAsync();
        var fired = Assert.Single(await alerts.FiringAsync());
        Assert.Equal(("FeedSilent:/day", night.AddMinutes(25)), (fired.Id, fired.FiredAt));
        Assert.Single(await alerts.EventsAsync(10));
    }

    /// <summary>
    /// alerts.yml's FeedSignatureFailures in product: 4 refused requests in 15 minutes are not enough, the 5th starts its
    /// pending time, and it fires 5 minutes later (not 1 ms before); once the failures age out of the 15 minutes it resolves.
    /// </summary>
    [Fact]
    public async Task FeedSignatureFailures_FiresFromTheFifthRefusalIn15Minutes_AfterItsFor_AndResolvesAsTheyAgeOut()
    {
        var clock = new FakeTimeProvider(Start);
        await using var app = new IngestionApp(await servers.ConnectionStringAsync(StoreKinds.Redis)) { Clock = clock };
        var stats = app.Services.GetRequiredService<FeedStats>();
        var gauges = app.Services.GetRequiredService<OperationsGauges>();
        var alerts = app.Services.GetRequiredService<OpsAlerts>();
        for (var i = 0; i < 4; i++)
        {
            await stats.SignatureFailedAsync("/compat/praxis");
            clock.Advance(TimeSpan.FromMinutes(1));
        }
        await gauges.SampleAsync();
        Assert.Equal(4, Assert.Single((await stats.ReadAsync()).Items).RecentSignatureFailures);
        clock.Advance(OpsAlerts.For["FeedSignatureFailures"]);
        await gauges.SampleAsync();
        Assert.Empty(await alerts.FiringAsync());

        await stats.SignatureFailedAsync("/compat/praxis");
        await gauges.SampleAsync();   // 5 within the last 15 minutes: pending from now
        var pendingSince = clock.GetUtcNow();
        clock.Advance(OpsAlerts.For["FeedSignatureFailures"] - TimeSpan.FromMilliseconds(1));
        await gauges.SampleAsync();
        Assert.Empty(await alerts.FiringAsync());
        clock.Advance(TimeSpan.FromMilliseconds(1));
        await gauges.SampleAsync();
        var fired = Assert.Single(await alerts.FiringAsync());
        Assert.Equal(("FeedSignatureFailures:/compat/praxis", "warning", pendingSince + OpsAlerts.For["FeedSignatureFailures"]), (fired.Id, fired.Severity, fired.FiredAt));
        Assert.StartsWith("Feed /compat/praxis sent 5 requests with a bad signature in the last 15 minutes", fired.Summary, StringComparison.Ordinal);

        // The first refusal (minute 0) leaves the 15 minutes at minute 15: 4 remain, and the alert resolves.
        clock.SetUtcNow(Start.AddMinutes(15));
        await gauges.SampleAsync();
        Assert.Equal(4, Assert.Single((await stats.ReadAsync()).Items).RecentSignatureFailures);
        Assert.Empty(await alerts.FiringAsync());
        Assert.Equal(OpsAlertEventTypes.Resolved, (await alerts.EventsAsync(1))[0].Type);
    }
}
