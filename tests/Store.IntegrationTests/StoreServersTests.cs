using StackExchange.Redis;
using TestSupport;

namespace Store.IntegrationTests;

public sealed class StoreServersTests(StoreServers servers)
{
    private const string IncrementAndEcho = """
        local n = redis.call('INCRBY', KEYS[1], ARGV[1])
        redis.call('HSET', KEYS[2], 'n', n, 'by', ARGV[1])
        return {n, redis.call('HGET', KEYS[2], 'by'), redis.call('EXISTS', KEYS[2])}
        """;

    [Theory, ClassData(typeof(StoreKinds))]
    public async Task Server_StartsAndAnswersPing(string store)
    {
        await using var connection = await servers.ConnectAsync(store);

        var latency = await connection.GetDatabase().PingAsync();

        Assert.True(connection.IsConnected);
        Assert.True(latency < TimeSpan.FromSeconds(5));
    }

    [Theory, ClassData(typeof(StoreKinds))]
    public async Task Server_StoresAndReadsBackAValue(string store)
    {
        await using var connection = await servers.ConnectAsync(store);
        var db = connection.GetDatabase();
        var key = TestKeys.Prefix() + "value";

        await db.StringSetAsync(key, "hello");

        Assert.Equal("hello", (string?)await db.StringGetAsync(key));
    }

    [Fact]
    public async Task LuaScript_GivesTheSameResultOnEveryStore()
    {
        var results = new List<string>();
        foreach (var store in new StoreKinds().Select(row => row.Data))
        {
            await using var connection = await servers.ConnectAsync(store);
            var db = connection.GetDatabase();
            // One hash tag: a script's keys must share a slot on a cluster.
            var prefix = $"{{{TestKeys.Prefix()}}}";
            RedisKey[] keys = [prefix + "counter", prefix + "hash"];

            await db.ScriptEvaluateAsync(IncrementAndEcho, keys, [5]);
            var result = (RedisResult[])(await db.ScriptEvaluateAsync(IncrementAndEcho, keys, [7]))!;

            results.Add(string.Join(",", result.Select(r => r.ToString())));
        }

        Assert.Equal(["12,7,1", "12,7,1", "12,7,1"], results);
    }

    [Theory, ClassData(typeof(StoreKinds))]
    public async Task TwoPrefixes_DoNotCollide(string store)
    {
        await using var connection = await servers.ConnectAsync(store);
        var db = connection.GetDatabase();
        var first = TestKeys.Prefix();
        var second = TestKeys.Prefix();

        await db.StringSetAsync(first + "k", "first");
        await db.StringSetAsync(second + "k", "second");

        Assert.NotEqual(first, second);
        Assert.StartsWith($"t:{nameof(TwoPrefixes_DoNotCollide)}:", first, StringComparison.Ordinal);
        Assert.Equal("first", (string?)await db.StringGetAsync(first + "k"));
        Assert.Equal("second", (string?)await db.StringGetAsync(second + "k"));
    }
}
