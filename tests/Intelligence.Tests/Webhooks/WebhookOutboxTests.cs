using Intelligence.Webhooks;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Shared.Store;
using StackExchange.Redis;
using TestSupport;

namespace Intelligence.Tests.Webhooks;

/// <summary>The outbox's scripts on Redis and Garnet: atomic, idempotent enqueue; exclusive, leased claims; capped dead letters.</summary>
public sealed class WebhookOutboxTests(StoreServers servers)
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    [Theory, ClassData(typeof(StoreKinds))]
    public async Task Two_instances_claiming_at_once_never_get_the_same_delivery(string store)
    {
        using var first = await servers.ConnectAsync(store);
        using var second = await servers.ConnectAsync(store);
        var keys = new StoreKeys(TestKeys.Prefix());
        var clock = new FakeTimeProvider(Now);
        var hook = await RegisterAsync(first, keys);
        var a = Outbox(first, keys, clock);
        var b = Outbox(second, keys, clock);
        Assert.Equal(60, await a.EnqueueAsync(Enumerable.Range(0, 60).Select(i => Delivery($"evt_{i}", hook)).ToList()));

        async Task<List<string>> DrainAsync(WebhookOutbox outbox)
        {
            var ids = new List<string>();
            while (await outbox.ClaimDueAsync(3) is { Count: > 0 } claimed) ids.AddRange(claimed.Select(c => c.Delivery.Id));
            return ids;
        }
        var both = await Task.WhenAll(Task.Run(() => DrainAsync(a)), Task.Run(() => DrainAsync(b)));

        var all = both[0].Concat(both[1]).ToList();
        Assert.Equal(60, all.Count);
        Assert.Equal(60, all.Distinct(StringComparer.Ordinal).Count());
    }

    [Theory, ClassData(typeof(StoreKinds))]
    public async Task A_claim_whose_worker_died_comes_back_after_the_lease_and_the_old_claim_can_no_longer_act(string store)
    {
        using var redis = await servers.ConnectAsync(store);
        var keys = new StoreKeys(TestKeys.Prefix());
        var clock = new FakeTimeProvider(Now);
        var outbox = Outbox(redis, keys, clock);
        await outbox.EnqueueAsync([Delivery("evt_1", await RegisterAsync(redis, keys))]);

        var dead = Assert.Single(await outbox.ClaimDueAsync(10));
        clock.Advance(TimeSpan.FromMinutes(4));
        Assert.Empty(await outbox.ClaimDueAsync(10));
        clock.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromMilliseconds(1));
        var again = Assert.Single(await outbox.ClaimDueAsync(10));

        Assert.Equal(dead.Delivery.Id, again.Delivery.Id);
        Assert.False(await outbox.RetryAsync(dead, dead.Delivery with { Attempts = 1 }, clock.GetUtcNow()));
        Assert.False(await outbox.DeadLetterAsync(dead, dead.Delivery with { Attempts = 1 }));
        Assert.True(await outbox.RetryAsync(again, again.Delivery with { Attempts = 1, LastStatus = 500 }, clock.GetUtcNow().AddSeconds(30)));
        Assert.Equal(clock.GetUtcNow().AddSeconds(30), await outbox.DueAsync(again.Delivery.Id));
        clock.Advance(TimeSpan.FromSeconds(30));
        var retried = Assert.Single(await outbox.ClaimDueAsync(10));
        Assert.Equal((1, 500), (retried.Delivery.Attempts, retried.Delivery.LastStatus));
    }

    [Theory, ClassData(typeof(StoreKinds))]
    public async Task Enqueueing_is_idempotent_and_skips_webhooks_deleted_meanwhile(string store)
    {
        using var redis = await servers.ConnectAsync(store);
        var keys = new StoreKeys(TestKeys.Prefix());
        var outbox = Outbox(redis, keys, new FakeTimeProvider(Now));
        var hook = await RegisterAsync(redis, keys);

        Assert.Equal(1, await outbox.EnqueueAsync([Delivery("evt_1", hook), Delivery("evt_1", "wh_deleted")]));
        Assert.Equal(0, await outbox.EnqueueAsync([Delivery("evt_1", hook)]));
        Assert.Equal((1, 0), await outbox.CountAsync());
    }

    [Theory, ClassData(typeof(StoreKinds))]
    public async Task Dead_letters_are_capped_oldest_first_and_a_replay_requeues_them_with_fresh_attempts(string store)
    {
        using var redis = await servers.ConnectAsync(store);
        var keys = new StoreKeys(TestKeys.Prefix());
        var clock = new FakeTimeProvider(Now);
        var outbox = Outbox(redis, keys, clock, new WebhookOptions { DeadLetterCapacity = 2 });
        var subscriptions = new WebhookSubscriptions(redis, keys, new WebhookSecrets(WebhookSecrets.DevelopmentKey));
        var hook = await RegisterAsync(redis, keys);
        await outbox.EnqueueAsync([Delivery("evt_1", hook), Delivery("evt_2", hook), Delivery("evt_3", hook)]);
        foreach (var claimed in (await outbox.ClaimDueAsync(10)).OrderBy(c => c.Delivery.Id, StringComparer.Ordinal))
        {
            clock.Advance(TimeSpan.FromSeconds(1));
            Assert.True(await outbox.DeadLetterAsync(claimed, claimed.Delivery with { Attempts = 8, LastStatus = 500, LastError = "HTTP 500" }));
        }

        var page = await outbox.DeadLettersAsync(10, null);
        Assert.Equal(2, page.Total);
        Assert.Equal([$"evt_3.{hook}", $"evt_2.{hook}"], page.Items.Select(l => l.Id));
        Assert.All(page.Items, l => Assert.Equal((8, 500, "HTTP 500"), (l.Attempts, l.LastStatus, l.LastError)));
        Assert.False(await redis.GetDatabase().HashExistsAsync(keys.WebhookDeliveries, $"evt_1.{hook}"));

        var replayed = await outbox.ReplayAsync([$"evt_2.{hook}", $"evt_1.{hook}"], null, subscriptions);
        Assert.Equal((1, 0), (replayed.Requeued, replayed.Discarded));
        Assert.Equal([$"evt_1.{hook}"], replayed.NotFound);
        await subscriptions.RemoveAsync(hook);
        var rest = await outbox.ReplayAsync(null, null, subscriptions);
        Assert.Equal((0, 1), (rest.Requeued, rest.Discarded));
        Assert.Equal(0, (await outbox.DeadLettersAsync(10, null)).Total);
        var requeued = Assert.Single(await outbox.ClaimDueAsync(10));
        Assert.Equal((0, $"evt_2.{hook}"), (requeued.Delivery.Attempts, requeued.Delivery.Id));
    }

    private static WebhookOutbox Outbox(IConnectionMultiplexer redis, StoreKeys keys, TimeProvider clock, WebhookOptions? options = null) =>
        new(redis, keys, Options.Create(options ?? new WebhookOptions()), clock);

    private static async Task<string> RegisterAsync(IConnectionMultiplexer redis, StoreKeys keys)
    {
        var id = "wh_" + Guid.NewGuid().ToString("n");
        await new WebhookSubscriptions(redis, keys, new WebhookSecrets(WebhookSecrets.DevelopmentKey)).AddAsync(new WebhookSubscription(id, "http://127.0.0.1:9/hooks", ["segment.entered"], "0123456789abcdef", Now));
        return id;
    }

    private static WebhookDelivery Delivery(string eventId, string webhookId) =>
        new($"{eventId}.{webhookId}", webhookId, eventId, "segment.entered", "p-1", $$"""{"id":"{{eventId}}"}""", Now);
}
