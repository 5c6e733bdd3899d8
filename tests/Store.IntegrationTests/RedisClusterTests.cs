using StackExchange.Redis;
using TestSupport;

namespace Store.IntegrationTests;

/// <summary>The cluster fixture is a real Redis Cluster: three masters sharing the slots, a replica each, keys spread over the masters.</summary>
public sealed class RedisClusterTests(StoreServers servers)
{
    [Fact]
    public async Task Cluster_HasThreeMastersCoveringEverySlot_EachWithAReplicaInSync()
    {
        var cluster = await servers.ClusterAsync();

        var nodes = await cluster.NodesAsync(TestContext.Current.CancellationToken);

        var masters = nodes.Where(n => n.IsMaster).ToList();
        Assert.Equal(3, masters.Count);
        Assert.Equal(RedisCluster.Slots, masters.Sum(m => m.SlotCount));
        Assert.All(masters, m => Assert.Single(nodes, n => n.MasterId == m.Id));
        Assert.DoesNotContain(nodes, n => n.Failed);
    }

    [Fact]
    public async Task KeysOfDifferentHashTags_LandOnEveryMaster_AndAScriptRunsOnlyOverOneSlot()
    {
        await using var redis = await servers.ConnectAsync(StoreKinds.Cluster);
        var db = redis.GetDatabase();
        var prefix = TestKeys.Prefix();
        var keys = Enumerable.Range(0, 30).Select(i => (RedisKey)$"{prefix}k:{{p-{i}}}").ToList();

        foreach (var key in keys) await db.StringSetAsync(key, "v");
        await db.StringSetAsync($"{prefix}a:{{p-1}}", "x");
        var copied = await db.ScriptEvaluateAsync("redis.call('SET', KEYS[2], redis.call('GET', KEYS[1]) .. '!') return redis.call('GET', KEYS[2])",
            [$"{prefix}a:{{p-1}}", $"{prefix}b:{{p-1}}"]);

        Assert.Equal(3, keys.Select(k => db.IdentifyEndpoint(k)?.ToString()).Distinct().Count());
        Assert.Equal("x!", (string?)copied);
        var crossSlot = await Assert.ThrowsAsync<RedisCommandException>(() => db.ScriptEvaluateAsync("return 1", [$"{prefix}a:{{p-1}}", $"{prefix}a:{{p-2}}"]));
        Assert.Contains("slot", crossSlot.Message, StringComparison.OrdinalIgnoreCase);
    }
}
