using Intelligence.Models;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Intelligence.Webhooks;
using Shared.Contracts;
using TestSupport;

namespace Intelligence.Tests.Webhooks;

public sealed class WebhookDeliveryTests(StoreServers servers)
{
    private static readonly DateTimeOffset OccurredAt = new(2026, 11, 24, 9, 30, 0, TimeSpan.Zero);

    [Theory, ClassData(typeof(StoreKinds))]
    public async Task A_published_event_reaches_only_the_webhooks_listening_to_its_type_signed_with_their_secret(string store)
    {
        await using var churnCrm = await WebhookReceiver.StartAsync();
        await using var vipCrm = await WebhookReceiver.StartAsync();
        await using var host = WebhookTestHost.Start(await servers.ConnectionStringAsync(store));
        var churnHook = await host.RegisterAsync(churnCrm.Url, WebhookEventTypes.ChurnBandChanged);
        var vipHook = await host.RegisterAsync(vipCrm.Url, WebhookEventTypes.VipBandChanged, WebhookEventTypes.SegmentEntered);
        await host.SeedPlayerAsync("p-1");

        await host.Publisher.PublishAsync(WebhookEvent.ChurnBandChanged("p-1", OccurredAt, "low", Band("high", 0.82)), await host.MarketingOfAsync("p-1"), default);
        await host.Publisher.PublishAsync(WebhookEvent.VipBandChanged("p-1", OccurredAt, null, Band("high", 0.64)), await host.MarketingOfAsync("p-1"), default);
        await churnCrm.WaitForRequestsAsync(1);
        await vipCrm.WaitForRequestsAsync(1);
        await host.OutboxDrainedAsync();

        var churn = Assert.Single(churnCrm.Requests);
        Assert.Equal("sha256=" + HmacHex(WebhookTestHost.Secret, churn.RawBody), churn.Header("X-Signature"));
        Assert.NotEqual("sha256=" + HmacHex("some-other-secret-value", churn.RawBody), churn.Header("X-Signature"));
        Assert.Equal(churnHook, churn.Header("X-Webhook-Id"));
        Assert.Equal("churn.band.changed", churn.Header("X-Webhook-Event"));
        Assert.StartsWith("application/json", churn.Header("Content-Type"), StringComparison.Ordinal);
        var body = JsonDocument.Parse(churn.RawBody).RootElement;
        Assert.StartsWith("evt_", body.GetProperty("id").GetString(), StringComparison.Ordinal);
        Assert.Equal("churn.band.changed", body.GetProperty("type").GetString());
        Assert.Equal("p-1", body.GetProperty("playerId").GetString());
        Assert.Equal(OccurredAt, body.GetProperty("occurredAt").GetDateTimeOffset());
        Assert.Equal("low", body.GetProperty("data").GetProperty("from").GetString());
        Assert.Equal("high", body.GetProperty("data").GetProperty("to").GetString());
        Assert.Equal(0.82, body.GetProperty("data").GetProperty("probability").GetDouble());
        Assert.Equal("model", body.GetProperty("data").GetProperty("source").GetString());

        var vip = Assert.Single(vipCrm.Requests);
        Assert.Equal(vipHook, vip.Header("X-Webhook-Id"));
        Assert.Equal("vip.band.changed", JsonDocument.Parse(vip.RawBody).RootElement.GetProperty("type").GetString());
        Assert.True(WebhookSignature.Verify(vip.RawBody, WebhookTestHost.Secret, vip.Header("X-Signature")));
        // The timestamped signature, at the time it was sent.
        var stamped = vip.Header(WebhookSignature.TimestampedHeader);
        var sentAt = DateTimeOffset.FromUnixTimeSeconds(long.Parse(stamped![2..stamped.IndexOf(',', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(WebhookSignature.VerifyTimestamped(vip.RawBody, WebhookTestHost.Secret, stamped, sentAt, WebhookSignature.ReplayWindow));
        // The store keeps the secret sealed: a copy of it does not sign deliveries.
        var stored = await host.App.Db.HashGetAllAsync(host.App.Keys.Webhooks);
        Assert.Equal(2, stored.Length);
        Assert.All(stored, e => Assert.DoesNotContain(WebhookTestHost.Secret, e.Value.ToString(), StringComparison.Ordinal));
        await host.CountReachesAsync(2, "webhooks.delivered");
    }

    [Theory, ClassData(typeof(StoreKinds))]
    public async Task A_receiver_failing_twice_gets_the_same_delivery_on_the_third_attempt(string store)
    {
        await using var crm = await WebhookReceiver.StartAsync();
        crm.Respond = n => Task.FromResult(n <= 2 ? 500 : 200);
        await using var host = WebhookTestHost.Start(await servers.ConnectionStringAsync(store));
        await host.RegisterAsync(crm.Url, WebhookEventTypes.SegmentEntered);
        await host.SeedPlayerAsync("p-2");

        await host.Publisher.PublishAsync(WebhookEvent.SegmentEntered("p-2", OccurredAt, "seg-1", "Lapsing VIPs"), WebhookTestHost.Marketable, default);
        await crm.WaitForRequestsAsync(3);
        await host.OutboxDrainedAsync();

        Assert.Equal(3, crm.Requests.Count);
        Assert.Single(crm.Requests.Select(r => r.Body).Distinct());
        Assert.All(crm.Requests, r => Assert.True(WebhookSignature.Verify(r.RawBody, WebhookTestHost.Secret, r.Header("X-Signature"))));
        await host.CountReachesAsync(2, "webhooks.failed", ("status", "500"));
        await host.CountReachesAsync(1, "webhooks.delivered", ("type", "segment.entered"));
        Assert.Equal(0, (await host.DeadLettersAsync()).GetProperty("total").GetInt64());
    }

    [Theory, ClassData(typeof(StoreKinds))]
    public async Task A_receiver_that_keeps_failing_gets_the_delivery_dead_lettered_after_MaxAttempts_and_a_replay_delivers_it(string store)
    {
        await using var crm = await WebhookReceiver.StartAsync();
        var failing = true;
        crm.Respond = _ => Task.FromResult(Volatile.Read(ref failing) ? 503 : 200);
        await using var host = WebhookTestHost.Start(await servers.ConnectionStringAsync(store));
        var hook = await host.RegisterAsync(crm.Url, WebhookEventTypes.SegmentExited);
        await host.SeedPlayerAsync("p-3");

        await host.Publisher.PublishAsync(WebhookEvent.SegmentExited("p-3", OccurredAt, "seg-2", "Weekend slots"), WebhookTestHost.Marketable, default);
        await Poll.UntilAsync(async () => (await host.DeadLettersAsync()).GetProperty("total").GetInt64() == 1, "a dead letter");

        Assert.Equal(4, crm.Requests.Count);
        Assert.Equal(0, await host.OutboxDepthAsync());
        var letter = Assert.Single((await host.DeadLettersAsync()).GetProperty("items").EnumerateArray());
        Assert.Equal(hook, letter.GetProperty("webhookId").GetString());
        Assert.Equal("segment.exited", letter.GetProperty("type").GetString());
        Assert.Equal("p-3", letter.GetProperty("playerId").GetString());
        Assert.Equal(4, letter.GetProperty("attempts").GetInt32());
        Assert.Equal(503, letter.GetProperty("lastStatus").GetInt32());
        Assert.Contains("HTTP 503", letter.GetProperty("lastError").GetString(), StringComparison.Ordinal);
        Assert.Contains("down for maintenance", letter.GetProperty("lastError").GetString(), StringComparison.Ordinal);
        await host.CountReachesAsync(1, "webhooks.deadlettered", ("type", "segment.exited"));

        Volatile.Write(ref failing, false);
        var replay = await host.Admin.PostAsync(new Uri("/v1/webhooks/deadletters/replay", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
        var replayed = await replay.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(1, replayed.GetProperty("requeued").GetInt32());
        await crm.WaitForRequestsAsync(5);
        await host.OutboxDrainedAsync();

        Assert.Equal(5, crm.Requests.Count);
        Assert.Equal(crm.Requests[0].Body, crm.Requests[4].Body);
        Assert.Equal(0, (await host.DeadLettersAsync()).GetProperty("total").GetInt64());
        await host.CountReachesAsync(1, "webhooks.delivered");
    }

    [Theory, ClassData(typeof(StoreKinds))]
    public async Task Events_of_players_who_may_not_be_marketed_to_are_never_delivered_and_are_counted_as_suppressed(string store)
    {
        await using var crm = await WebhookReceiver.StartAsync();
        await using var host = WebhookTestHost.Start(await servers.ConnectionStringAsync(store));
        await host.RegisterAsync(crm.Url, [.. WebhookEventTypes.All]);
        await host.SeedPlayerAsync("p-excluded", emailConsent: true, selfExcluded: true);
        await host.SeedPlayerAsync("p-silent", emailConsent: false);
        await host.SeedPlayerAsync("p-ok");

        foreach (var player in new[] { "p-excluded", "p-silent" })
        {
            var marketing = await host.MarketingOfAsync(player);
            Assert.False(marketing.Allowed);
            foreach (var evt in AllTypesFor(player)) await host.Publisher.PublishAsync(evt, marketing, default);
        }
        Assert.Equal(0, await host.OutboxDepthAsync());
        await host.Publisher.PublishAsync(WebhookEvent.SegmentEntered("p-ok", OccurredAt, "seg-1", "Lapsing VIPs"), await host.MarketingOfAsync("p-ok"), default);
        await crm.WaitForRequestsAsync(1);
        await host.OutboxDrainedAsync();

        Assert.Equal(["p-ok"], crm.Requests.Select(r => JsonDocument.Parse(r.RawBody).RootElement.GetProperty("playerId").GetString()));
        await host.CountReachesAsync(4, "webhooks.suppressed", ("reason", MarketingPolicy.SelfExcluded), ("stage", "publish"));
        await host.CountReachesAsync(4, "webhooks.suppressed", ("reason", MarketingPolicy.NoConsent), ("stage", "publish"));
        await host.CountReachesAsync(1, "webhooks.enqueued");
    }

    [Theory, ClassData(typeof(StoreKinds))]
    public async Task Events_of_players_with_a_rejected_KYC_or_a_high_AML_risk_are_never_delivered(string store)
    {
        await using var crm = await WebhookReceiver.StartAsync();
        await using var host = WebhookTestHost.Start(await servers.ConnectionStringAsync(store));
        await host.RegisterAsync(crm.Url, [.. WebhookEventTypes.All]);
        await host.SeedPlayerAsync("p-kyc", kyc: "rejected");
        await host.SeedPlayerAsync("p-aml", aml: "high");

        foreach (var player in new[] { "p-kyc", "p-aml" })
        {
            var marketing = await host.MarketingOfAsync(player);
            Assert.False(marketing.Allowed);
            foreach (var evt in AllTypesFor(player)) await host.Publisher.PublishAsync(evt, marketing, default);
        }

        Assert.Equal(0, await host.OutboxDepthAsync());
        await host.CountReachesAsync(4, "webhooks.suppressed", ("reason", MarketingPolicy.KycRejected), ("stage", "publish"));
        await host.CountReachesAsync(4, "webhooks.suppressed", ("reason", MarketingPolicy.AmlHighRisk), ("stage", "publish"));
    }

    [Theory, ClassData(typeof(StoreKinds))]
    public async Task A_queued_event_is_not_sent_once_the_player_has_self_excluded(string store)
    {
        await using var crm = await WebhookReceiver.StartAsync();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        crm.Respond = async n =>
        {
            if (n == 1) await gate.Task;
            return n == 1 ? 500 : 200;
        };
        await using var host = WebhookTestHost.Start(await servers.ConnectionStringAsync(store));
        await host.RegisterAsync(crm.Url, WebhookEventTypes.ChurnBandChanged);
        await host.SeedPlayerAsync("p-4");

        await host.Publisher.PublishAsync(WebhookEvent.ChurnBandChanged("p-4", OccurredAt, "low", Band("high", 0.9)), await host.MarketingOfAsync("p-4"), default);
        await crm.WaitForRequestsAsync(1);
        // The first attempt is in flight (and will fail); the player self-excludes before the retry.
        await host.SeedPlayerAsync("p-4", selfExcluded: true);
        gate.SetResult();
        await host.OutboxDrainedAsync();

        Assert.Single(crm.Requests);
        await host.CountReachesAsync(1, "webhooks.suppressed", ("reason", MarketingPolicy.SelfExcluded), ("stage", "delivery"));
        Assert.Equal(0, (await host.DeadLettersAsync()).GetProperty("total").GetInt64());
    }

    [Theory, ClassData(typeof(StoreKinds))]
    public async Task Deleting_a_webhook_stops_its_deliveries_retries_included(string store)
    {
        await using var crm = await WebhookReceiver.StartAsync();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        crm.Respond = async _ =>
        {
            await gate.Task;
            return 500;
        };
        await using var host = WebhookTestHost.Start(await servers.ConnectionStringAsync(store));
        var hook = await host.RegisterAsync(crm.Url, WebhookEventTypes.VipBandChanged);
        await host.SeedPlayerAsync("p-5");

        await host.Publisher.PublishAsync(WebhookEvent.VipBandChanged("p-5", OccurredAt, "low", Band("medium", 0.4)), WebhookTestHost.Marketable, default);
        await crm.WaitForRequestsAsync(1);
        Assert.Equal(HttpStatusCode.NoContent, (await host.Admin.DeleteAsync(new Uri($"/v1/webhooks/{hook}", UriKind.Relative))).StatusCode);
        gate.SetResult();
        await host.OutboxDrainedAsync();
        await host.Publisher.PublishAsync(WebhookEvent.VipBandChanged("p-5", OccurredAt, "medium", Band("high", 0.7)), WebhookTestHost.Marketable, default);

        Assert.Single(crm.Requests);
        await host.CountReachesAsync(1, "webhooks.dropped");
        Assert.Equal(0, await host.OutboxDepthAsync());
        Assert.Equal(0, (await host.DeadLettersAsync()).GetProperty("total").GetInt64());
    }

    [Theory, ClassData(typeof(StoreKinds))]
    public async Task A_delivery_in_flight_when_the_service_stops_is_sent_by_the_next_instance_at_once(string store)
    {
        await using var crm = await WebhookReceiver.StartAsync();
        var never = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        crm.Respond = async n =>
        {
            if (n == 1) await never.Task;
            return 200;
        };
        var redis = await servers.ConnectionStringAsync(store);
        await using var first = WebhookTestHost.Start(redis);
        await first.RegisterAsync(crm.Url, WebhookEventTypes.SegmentEntered);
        await first.SeedPlayerAsync("p-6");
        await first.Publisher.PublishAsync(WebhookEvent.SegmentEntered("p-6", OccurredAt, "seg-1", "Lapsing VIPs"), WebhookTestHost.Marketable, default);
        await crm.WaitForRequestsAsync(1);

        // Stopping cancels the POST and hands the delivery back (not leased for Webhooks:Lease, 5 min).
        await first.DisposeAsync();
        await using var second = WebhookTestHost.Start(redis, prefix: first.App.Prefix);
        await crm.WaitForRequestsAsync(2);
        await second.OutboxDrainedAsync();
        never.SetResult();

        Assert.Equal(2, crm.Requests.Count);
        Assert.Equal(crm.Requests[0].Body, crm.Requests[1].Body);
        await second.CountReachesAsync(1, "webhooks.delivered");
    }

    [Fact]
    public async Task A_receiver_that_does_not_answer_in_time_counts_as_a_failed_attempt()
    {
        await using var crm = await WebhookReceiver.StartAsync();
        var never = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        crm.Respond = async _ =>
        {
            await never.Task;
            return 200;
        };
        await using var host = WebhookTestHost.Start((await servers.RedisAsync()).ConnectionString,
            new Dictionary<string, string?> { ["Webhooks:Timeout"] = "00:00:00.200", ["Webhooks:MaxAttempts"] = "1" });
        await host.RegisterAsync(crm.Url, WebhookEventTypes.ChurnBandChanged);
        await host.SeedPlayerAsync("p-7");

        await host.Publisher.PublishAsync(WebhookEvent.ChurnBandChanged("p-7", OccurredAt, null, Band("high", 0.9)), WebhookTestHost.Marketable, default);
        await Poll.UntilAsync(async () => (await host.DeadLettersAsync()).GetProperty("total").GetInt64() == 1, "a dead letter");
        never.SetResult();

        var letter = Assert.Single((await host.DeadLettersAsync()).GetProperty("items").EnumerateArray());
        Assert.Equal(JsonValueKind.Null, letter.GetProperty("lastStatus").ValueKind);
        Assert.Equal("no response within 0.2 s", letter.GetProperty("lastError").GetString());
        await host.CountReachesAsync(1, "webhooks.failed", ("status", "timeout"));
    }

    private static IEnumerable<WebhookEvent> AllTypesFor(string player) =>
    [
        WebhookEvent.ChurnBandChanged(player, OccurredAt, "low", Band("high", 0.8)),
        WebhookEvent.VipBandChanged(player, OccurredAt, "low", Band("high", 0.7)),
        WebhookEvent.SegmentEntered(player, OccurredAt, "seg-1", "Lapsing VIPs"),
        WebhookEvent.SegmentExited(player, OccurredAt, "seg-1", "Lapsing VIPs"),
    ];

    private static string HmacHex(string secret, byte[] body) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    private static ProbabilityScore Band(string band, double probability) => new(probability, band, [], ModelSources.Model, "churn-test");
}
