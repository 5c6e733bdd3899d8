using Ingestion.Adapters.FastTrack;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Shared.Store;
using TestSupport;

namespace Ingestion.IntegrationTests.FastTrack;

/// <summary>The PAM pending set's scripts, on Redis and on Garnet alike.</summary>
public class PamPendingSetTests(StoreServers servers)
{
    private static readonly DateTimeOffset Start = DateTimeOffset.Parse("2026-11-23T10:00:00Z");

    private static PamPendingSet Set(StackExchange.Redis.IConnectionMultiplexer redis, FakeTimeProvider clock) =>
        new(redis, new StoreKeys(TestKeys.Prefix()), Options.Create(new PamOptions { Enabled = true, Lease = TimeSpan.FromMinutes(1) }), clock);

    [Theory]
    [ClassData(typeof(StoreKinds))]
    public async Task AClaimedJob_IsLeased_ComesBackAfterABackoff_AndIsGoneWhenDone(string kind)
    {
        using var redis = await servers.ConnectAsync(kind);
        var clock = new FakeTimeProvider(Start);
        var set = Set(redis, clock);

        await set.EnqueueAsync("p-1", Start.AddSeconds(-5));
        await set.EnqueueAsync("p-1", Start.AddSeconds(-9)); // an older trigger does not replace a newer one
        var first = Assert.Single(await set.ClaimDueAsync(10));
        var whileLeased = await set.ClaimDueAsync(10);
        await set.RetryAsync(first, 1, TimeSpan.FromSeconds(10));
        var beforeBackoff = await set.ClaimDueAsync(10);
        clock.Advance(TimeSpan.FromSeconds(11));
        var again = Assert.Single(await set.ClaimDueAsync(10));
        var done = await set.CompleteAsync(again);

        Assert.Equal(new PamJob("p-1", 2, Start.AddSeconds(-5), 0), first);
        Assert.Empty(whileLeased);
        Assert.Empty(beforeBackoff);
        Assert.Equal(1, again.Attempts);
        Assert.True(done);
        Assert.Equal(0, await set.CountAsync());
    }

    [Theory]
    [ClassData(typeof(StoreKinds))]
    public async Task ARequestArrivingDuringALookUp_IsNotLost(string kind)
    {
        using var redis = await servers.ConnectAsync(kind);
        var clock = new FakeTimeProvider(Start);
        var set = Set(redis, clock);

        await set.EnqueueAsync("p-1", Start);
        var job = Assert.Single(await set.ClaimDueAsync(10));
        await set.EnqueueAsync("p-1", Start.AddSeconds(1));
        var done = await set.CompleteAsync(job);
        var next = Assert.Single(await set.ClaimDueAsync(10));

        Assert.False(done);
        Assert.Equal(Start.AddSeconds(1), next.Trigger);
        Assert.True(await set.CompleteAsync(next));
        Assert.Equal(0, await set.CountAsync());
    }

    [Theory]
    [ClassData(typeof(StoreKinds))]
    public async Task ADroppedJob_LeavesNothingBehind_AndNothingIsQueuedWhenTheConnectorIsOff(string kind)
    {
        using var redis = await servers.ConnectAsync(kind);
        var clock = new FakeTimeProvider(Start);
        var keys = new StoreKeys(TestKeys.Prefix());
        var set = new PamPendingSet(redis, keys, Options.Create(new PamOptions { Enabled = true }), clock);
        var off = new PamPendingSet(redis, keys, Options.Create(new PamOptions { Enabled = false }), clock);

        await set.EnqueueAsync("p-1", Start);
        await set.DropAsync(Assert.Single(await set.ClaimDueAsync(10)));
        await off.EnqueueAsync("p-2", Start);

        Assert.Equal(0, await set.CountAsync());
        Assert.Equal(0, await redis.GetDatabase().HashLengthAsync(set.Jobs));
    }
}
