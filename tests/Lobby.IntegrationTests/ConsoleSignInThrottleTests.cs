using Lobby.Console;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Shared.Store;
using StackExchange.Redis;
using TestSupport;

namespace Lobby.IntegrationTests;

/// <summary>
/// Console sign-in throttling is counted in the store: failures made at one lobby instance count at every other, on a
/// single Redis and on a cluster, and the store keeps no more than the window's worth of them.
/// </summary>
public sealed class ConsoleSignInThrottleTests(Backends backends)
{
    private static readonly DateTimeOffset Start = new(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);

    private static ConsoleSignInThrottle Throttle(IConnectionMultiplexer redis, StoreKeys keys, TimeProvider clock, int perUser = 5, int perAddress = 20) =>
        new(redis, keys, Options.Create(new ConsoleOptions { MaxFailuresPerUser = perUser, MaxFailuresPerAddress = perAddress, LockoutWindow = TimeSpan.FromMinutes(15) }), clock);

    [Theory, ClassData(typeof(RedisKinds))]
    public async Task FailuresAtEitherInstance_LockTheNameAtBoth_UntilTheOldestLeavesTheWindow(string store)
    {
        var backend = await backends.OnAsync(store);
        var keys = new StoreKeys(TestKeys.Prefix($"throttle-{store}"));
        var clock = new FakeTimeProvider(Start);
        await using var first = await ConnectionMultiplexer.ConnectAsync(backend.Redis);
        await using var second = await ConnectionMultiplexer.ConnectAsync(backend.Redis);
        ConsoleSignInThrottle[] lobbies = [Throttle(first, keys, clock), Throttle(second, keys, clock)];

        for (var i = 0; i < 5; i++)
        {
            Assert.Null(await lobbies[i % 2].LockedForAsync("ann", $"10.0.0.{i + 1}"));
            await lobbies[i % 2].FailedAsync("ann", $"10.0.0.{i + 1}");
            clock.Advance(TimeSpan.FromMinutes(1));
        }

        // Locked by name at both instances, whatever the address and the case.
        Assert.Equal(TimeSpan.FromMinutes(10), await lobbies[0].LockedForAsync(" ANN", "10.9.9.9"));
        Assert.Equal(TimeSpan.FromMinutes(10), await lobbies[1].LockedForAsync("ann", "10.9.9.9"));
        Assert.Null(await lobbies[1].LockedForAsync("bob", "10.9.9.9"));
        // The first failure leaves the window 15 minutes after it was made: then one more attempt is allowed.
        clock.Advance(TimeSpan.FromMinutes(10) + TimeSpan.FromMilliseconds(1));
        Assert.Null(await lobbies[1].LockedForAsync("ann", "10.9.9.9"));
        await lobbies[1].FailedAsync("ann", "10.9.9.9");
        Assert.NotNull(await lobbies[0].LockedForAsync("ann", "10.9.9.9"));
        // A success at one instance clears the name at both.
        await lobbies[0].SucceededAsync("ann");
        Assert.Null(await lobbies[1].LockedForAsync("ann", "10.0.0.99"));
    }

    [Theory, ClassData(typeof(RedisKinds))]
    public async Task OneAddressTryingManyNamesAtBothInstances_IsLockedByAddress(string store)
    {
        var backend = await backends.OnAsync(store);
        var keys = new StoreKeys(TestKeys.Prefix($"throttle-address-{store}"));
        var clock = new FakeTimeProvider(Start);
        await using var first = await ConnectionMultiplexer.ConnectAsync(backend.Redis);
        await using var second = await ConnectionMultiplexer.ConnectAsync(backend.Redis);
        var (a, b) = (Throttle(first, keys, clock, perAddress: 3), Throttle(second, keys, clock, perAddress: 3));

        await a.FailedAsync("a", "192.0.2.7");
        await b.FailedAsync("b", "192.0.2.7");
        Assert.Null(await a.LockedForAsync("c", "192.0.2.7"));
        await a.FailedAsync("c", "192.0.2.7");

        Assert.Equal(TimeSpan.FromMinutes(15), await b.LockedForAsync("d", "192.0.2.7"));
        Assert.Null(await b.LockedForAsync("d", "192.0.2.8"));
        clock.Advance(TimeSpan.FromMinutes(15));
        Assert.Null(await a.LockedForAsync("d", "192.0.2.7"));
    }

    [Fact]
    public async Task UnderAnAttack_TheStoreKeepsOnlyTheLargerLimitsWorth_ForNoLongerThanTheWindow()
    {
        var backend = await backends.OnAsync(StoreKinds.Redis);
        var keys = new StoreKeys(TestKeys.Prefix("throttle-bounded"));
        var clock = new FakeTimeProvider(Start);
        await using var redis = await ConnectionMultiplexer.ConnectAsync(backend.Redis);
        var throttle = Throttle(redis, keys, clock, perUser: 5, perAddress: 20);

        for (var i = 0; i < 200; i++)
        {
            await throttle.FailedAsync("ann", "203.0.113.1");
            clock.Advance(TimeSpan.FromMilliseconds(10));
        }

        var db = redis.GetDatabase();
        foreach (var key in new[] { keys.ConsoleSignInFailures(ConsoleSignInThrottle.UserKey("ann")), keys.ConsoleSignInFailures(ConsoleSignInThrottle.AddressKey("203.0.113.1")) })
        {
            Assert.Equal(20, await db.SortedSetLengthAsync(key));
            Assert.InRange((await db.KeyTimeToLiveAsync(key))!.Value, TimeSpan.FromMinutes(14), TimeSpan.FromMinutes(15));
        }
        Assert.NotNull(await throttle.LockedForAsync("ann", "203.0.113.2"));
    }
}
