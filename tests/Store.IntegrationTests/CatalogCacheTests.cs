using Microsoft.Extensions.Time.Testing;
using Shared.Contracts;
using Shared.Store;
using StackExchange.Redis;
using TestSupport;

namespace Store.IntegrationTests;

/// <summary>
/// The catalogue as one service writes it and another reads it, each through its own connection as in production: a
/// game put in the catalogue is served at once, not when the reader's copy ages out (Intelligence kept serving its
/// ten-second-old copy, so a player's first bet on a new game was missing from "Continue playing").
/// </summary>
public sealed class CatalogCacheTests(StoreServers servers)
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    private static Game Game(string id, bool enabled = true) => new(id, $"Title {id}", "NetEnt", "slots", [], 96.1m, "low", 0.1m, 100m, false, ["*"],
        new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero), enabled);

    [Theory, ClassData(typeof(StoreKinds))]
    public async Task AGameWrittenByAnotherService_IsReadAtOnce_WithTheClockStanding(string store)
    {
        await using var writer = await servers.ConnectAsync(store);
        await using var reader = await servers.ConnectAsync(store);
        var keys = new StoreKeys(TestKeys.Prefix());
        var clock = new FakeTimeProvider(Now);
        using var cache = new CatalogCache(reader, keys, clock);
        var catalog = new CatalogStore(writer, keys);
        await catalog.UpsertAsync([Game("g-1")]);
        Assert.Equal(["g-1"], (await cache.GetAsync()).Keys);

        await catalog.UpsertAsync([Game("g-2"), Game("g-1", enabled: false)]);

        // The clock stands still: only the announcement can make the reader look again.
        await Eventually.UntilAsync(async () => (await cache.GetAsync()).ContainsKey("g-2"), TimeSpan.FromSeconds(10), "the new game served");
        var games = await cache.GetAsync();
        Assert.False(games["g-1"].Enabled);
        Assert.Equal(Now, clock.GetUtcNow());
    }

    [Theory, ClassData(typeof(StoreKinds))]
    public async Task AWriteAroundTheStore_IsServedWhenTheCopyAgesOut_AndNotOneTickBefore(string store)
    {
        await using var redis = await servers.ConnectAsync(store);
        var keys = new StoreKeys(TestKeys.Prefix());
        var clock = new FakeTimeProvider(Now);
        using var cache = new CatalogCache(redis, keys, clock);
        // Both games written by hand (an operator's HSET: no announcement). An announced first write could reach the
        // cache after its first load on a cluster (a PUBLISH crosses the cluster bus late) and count as a newer one.
        Task WriteAroundAsync(string id) =>
            redis.GetDatabase().HashSetAsync(keys.Catalog, id, System.Text.Json.JsonSerializer.Serialize(Game(id), ContractsJsonContext.Default.Game));
        await WriteAroundAsync("g-1");
        Assert.Single(await cache.GetAsync());

        await WriteAroundAsync("g-2");

        clock.Advance(CatalogCache.MaxAge - TimeSpan.FromTicks(1));
        Assert.Single(await cache.GetAsync());
        clock.Advance(TimeSpan.FromTicks(1));
        Assert.Equal(2, (await cache.GetAsync()).Count);
    }
}
