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

        var firing = Assert.Single(await alerts.FiringAsync());
        Assert.Equal(new OpsAlert("ModelNotPromoted:churn", "ModelNotPromoted", "warning", null,
            "No churn model has been promoted for 14 days (last on 2026-11-09): scores come from an ageing model", Start.AddMinutes(1)), firing);

        await redis.GetDatabase().HashSetAsync(app.Keys.ModelsPromotedAt, "churn", clock.GetUtcNow().ToUnixTimeMilliseconds());
        await gauges.SampleAsync();
        Assert.Empty(await alerts.FiringAsync());
        Assert.Equal(OpsAlertEventTypes.Resolved, (await alerts.EventsAsync(1))[0].Type);
    }
}
