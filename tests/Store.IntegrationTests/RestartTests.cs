using StackExchange.Redis;
using TestSupport;

namespace Store.IntegrationTests;

public sealed class RestartTests
{
    [Fact]
    public async Task RedisWithAof_KeepsAcknowledgedWritesAcrossARestart()
    {
        await using var redis = await RedisServer.StartAsync(persistent: true, TestContext.Current.CancellationToken);
        var key = TestKeys.Prefix() + "kept";
        await using (var before = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString))
        {
            await before.GetDatabase().HashSetAsync(key, [new("a", 1), new("b", 2)]);
        }

        await redis.RestartAsync(TestContext.Current.CancellationToken);

        await using var after = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var kept = await after.GetDatabase().HashGetAllAsync(key);
        Assert.Equal(["a=1", "b=2"], kept.Select(e => $"{e.Name}={e.Value}").Order());
    }

    [Fact]
    public async Task RedisWithoutAof_ForgetsEverythingOnRestart()
    {
        await using var redis = await RedisServer.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        var key = TestKeys.Prefix() + "gone";
        await using (var before = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString))
        {
            await before.GetDatabase().StringSetAsync(key, "x");
        }

        await redis.RestartAsync(TestContext.Current.CancellationToken);

        await using var after = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        Assert.False(await after.GetDatabase().KeyExistsAsync(key));
    }

    [Fact]
    public async Task EmbeddedGarnetWithAof_KeepsAcknowledgedWritesAcrossARestart()
    {
        using var garnet = GarnetTestServer.Start(persistent: true);
        var key = TestKeys.Prefix() + "kept";
        await using (var before = await ConnectionMultiplexer.ConnectAsync(garnet.ConnectionString))
        {
            await before.GetDatabase().HashSetAsync(key, [new("a", 1), new("b", 2)]);
        }

        garnet.Restart();

        await using var after = await ConnectionMultiplexer.ConnectAsync(garnet.ConnectionString);
        var kept = await after.GetDatabase().HashGetAllAsync(key);
        Assert.Equal(["a=1", "b=2"], kept.Select(e => $"{e.Name}={e.Value}").Order());
    }

    [Fact]
    public async Task Disposing_StopsTheRedisProcess()
    {
        var redis = await RedisServer.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        var port = redis.Port;

        await redis.DisposeAsync();

        using var client = new System.Net.Sockets.TcpClient();
        await Assert.ThrowsAnyAsync<System.Net.Sockets.SocketException>(
            () => client.ConnectAsync("127.0.0.1", port, TestContext.Current.CancellationToken).AsTask());
    }
}
