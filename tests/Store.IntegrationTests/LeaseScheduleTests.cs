using Microsoft.Extensions.Time.Testing;
using Shared.Store;
using StackExchange.Redis;
using TestSupport;

namespace Store.IntegrationTests;

/// <summary>The lease schedule behind the PAM look-ups and the webhook outbox, on Redis, Garnet and Redis Cluster.</summary>
public sealed class LeaseScheduleTests(StoreServers servers)
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);

    private static LeaseSchedule Schedule(IConnectionMultiplexer redis, string prefix, TimeProvider clock) =>
        new(redis, $"{prefix}{{lease}}:due", $"{prefix}{{lease}}:items", clock, "|a", "|b");

    private static async Task AddAsync(IConnectionMultiplexer redis, LeaseSchedule schedule, string id, DateTimeOffset due, string a, string? b = null)
    {
        var db = redis.GetDatabase();
        await db.HashSetAsync(schedule.Items, id + "|a", a);
        if (b is not null) await db.HashSetAsync(schedule.Items, id + "|b", b);
        await db.SortedSetAddAsync(schedule.Due, id, LeaseSchedule.Ms(due));
    }

    [Theory, ClassData(typeof(StoreKinds))]
    public async Task AClaimHoldsItsItemsUntilTheLeaseEnds_OneMillisecondLaterTheyAreOfferedAgain_AndTheOldClaimCanNoLongerAct(string store)
    {
        await using var redis = await servers.ConnectAsync(store);
        var clock = new FakeTimeProvider(Now);
        var schedule = Schedule(redis, TestKeys.Prefix(), clock);
        await AddAsync(redis, schedule, "p-1", Now, "1", "x");
        await AddAsync(redis, schedule, "p-2", Now.AddMinutes(5), "2");

        var first = Assert.Single(await schedule.ClaimDueAsync(10, Lease));
        Assert.Equal(("p-1", "1", "x", LeaseSchedule.Ms(Now + Lease)), (first.Id, (string?)first.Fields[0], (string?)first.Fields[1], first.Lease));
        Assert.Equal(Now + Lease, await schedule.DueAtAsync("p-1"));

        clock.Advance(Lease - TimeSpan.FromMilliseconds(1));
        Assert.Empty(await schedule.ClaimDueAsync(10, Lease));

        clock.Advance(TimeSpan.FromMilliseconds(1));
        var again = Assert.Single(await schedule.ClaimDueAsync(10, Lease));
        Assert.Equal("p-1", again.Id);
        Assert.Equal(LeaseSchedule.Ms(Now + Lease + Lease), again.Lease);

        Assert.False(await schedule.ReleaseAsync(first.Id, first.Lease, clock.GetUtcNow()));
        Assert.Equal(Now + Lease + Lease, await schedule.DueAtAsync("p-1"));
        Assert.True(await schedule.ReleaseAsync(again.Id, again.Lease, clock.GetUtcNow()));
        Assert.Equal(clock.GetUtcNow(), await schedule.DueAtAsync("p-1"));
        Assert.Equal(2, await schedule.CountAsync());
    }

    [Theory, ClassData(typeof(StoreKinds))]
    public async Task AClaimTakesAtMostTheLimit_OldestDueFirst_AndAMissingLaterFieldComesBackEmpty(string store)
    {
        await using var redis = await servers.ConnectAsync(store);
        var clock = new FakeTimeProvider(Now);
        var schedule = Schedule(redis, TestKeys.Prefix(), clock);
        for (var i = 0; i < 5; i++) await AddAsync(redis, schedule, $"p-{i}", Now.AddSeconds(-i), $"{i}");

        var claimed = await schedule.ClaimDueAsync(3, Lease);

        Assert.Equal(["p-4", "p-3", "p-2"], claimed.Select(c => c.Id));
        Assert.All(claimed, c => Assert.Equal("", (string?)c.Fields[1]));
        Assert.Equal(["p-1", "p-0"], (await schedule.ClaimDueAsync(10, Lease)).Select(c => c.Id));
    }

    [Theory, ClassData(typeof(StoreKinds))]
    public async Task AnIdWhoseItemIsGone_IsDroppedWhenDue_AndRemoveForgetsAnItemWithAllItsFields(string store)
    {
        await using var redis = await servers.ConnectAsync(store);
        var clock = new FakeTimeProvider(Now);
        var schedule = Schedule(redis, TestKeys.Prefix(), clock);
        var db = redis.GetDatabase();
        await db.SortedSetAddAsync(schedule.Due, "orphan", LeaseSchedule.Ms(Now));
        await AddAsync(redis, schedule, "kept", Now, "1", "x");
        await AddAsync(redis, schedule, "gone", Now.AddMinutes(1), "2", "y");

        Assert.Equal(["kept"], (await schedule.ClaimDueAsync(10, Lease)).Select(c => c.Id));
        Assert.Null(await schedule.DueAtAsync("orphan"));

        await schedule.RemoveAsync("gone");
        Assert.Null(await schedule.DueAtAsync("gone"));
        Assert.False(await db.HashExistsAsync(schedule.Items, "gone|a"));
        Assert.False(await db.HashExistsAsync(schedule.Items, "gone|b"));
        Assert.True(await db.HashExistsAsync(schedule.Items, "kept|a"));
        Assert.Equal(1, await schedule.CountAsync());
    }

    [Fact]
    public void ASchedule_NeedsAtLeastOneFieldPerItem()
    {
        var error = Assert.Throws<ArgumentException>(() => new LeaseSchedule(null!, "d", "i", new FakeTimeProvider(Now)));
        Assert.Equal("fields", error.ParamName);
    }
}
