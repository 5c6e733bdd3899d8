using System.Text.Json;
using Intelligence.Webhooks;
using Microsoft.Extensions.DependencyInjection;
using Shared.Contracts;
using TestSupport;

namespace Intelligence.Tests.Webhooks;

/// <summary>Ingestion's operations alerts (a list in the store) reach the signed webhooks that listen to them, in order, once.</summary>
public sealed class OpsAlertWebhookTests(StoreServers servers)
{
    private static readonly DateTimeOffset FiredAt = new(2026, 11, 24, 3, 15, 0, TimeSpan.Zero);

    [Theory, ClassData(typeof(StoreKinds))]
    public async Task Fired_and_resolved_alerts_reach_the_ops_webhooks_signed_in_order_and_not_the_marketing_ones(string store)
    {
        await using var pager = await WebhookReceiver.StartAsync();
        await using var crm = await WebhookReceiver.StartAsync();
        await using var host = WebhookTestHost.Start(await servers.ConnectionStringAsync(store));
        var hook = await host.RegisterAsync(pager.Url, WebhookEventTypes.OpsAlertFired, WebhookEventTypes.OpsAlertResolved);
        await host.RegisterAsync(crm.Url, WebhookEventTypes.SegmentEntered);
        var alert = new OpsAlert("FeedSilent:/hub88", "FeedSilent", "page", "/hub88", "Feed /hub88: no event for 15 minutes", FiredAt);
        // As Ingestion records them: newest first.
        await host.App.Db.ListLeftPushAsync(host.App.Keys.OpsAlertEvents,
            JsonSerializer.Serialize(new OpsAlertEvent("ops_1", OpsAlertEventTypes.Fired, alert, FiredAt), ContractsJsonContext.Default.OpsAlertEvent));
        await host.App.Db.ListLeftPushAsync(host.App.Keys.OpsAlertEvents,
            JsonSerializer.Serialize(new OpsAlertEvent("ops_2", OpsAlertEventTypes.Resolved, alert, FiredAt.AddMinutes(20)), ContractsJsonContext.Default.OpsAlertEvent));

        var relay = host.App.Services.GetRequiredService<OpsAlertRelay>();
        await relay.RelayAsync(TestContext.Current.CancellationToken);
        await relay.RelayAsync(TestContext.Current.CancellationToken);
        await pager.WaitForRequestsAsync(2);
        await host.OutboxDrainedAsync();

        Assert.Equal(0, await host.App.Db.ListLengthAsync(host.App.Keys.OpsAlertEvents));
        var bodies = pager.Requests.Select(r => JsonDocument.Parse(r.RawBody).RootElement).OrderBy(b => b.GetProperty("occurredAt").GetDateTimeOffset()).ToList();
        Assert.Equal(2, bodies.Count);
        Assert.Equal(["ops_1", "ops_2"], bodies.Select(b => b.GetProperty("id").GetString()));
        Assert.Equal([OpsAlertEventTypes.Fired, OpsAlertEventTypes.Resolved], bodies.Select(b => b.GetProperty("type").GetString()));
        Assert.All(bodies, b => Assert.Equal("FeedSilent:/hub88", b.GetProperty("data").GetProperty("id").GetString()));
        Assert.All(bodies, b => Assert.Equal("/hub88", b.GetProperty("data").GetProperty("source").GetString()));
        Assert.All(pager.Requests, r => Assert.True(WebhookSignature.Verify(r.RawBody, WebhookTestHost.Secret, r.Header("X-Signature"))));
        Assert.All(pager.Requests, r => Assert.Equal(hook, r.Header("X-Webhook-Id")));
        Assert.Empty(crm.Requests);
    }
}
