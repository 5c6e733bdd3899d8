using StackExchange.Redis;
using Xunit;

namespace TestSupport;

/// <summary>
/// One real Redis, one embedded Garnet and one Redis Cluster (three masters, each with a replica) per test assembly,
/// each started on first use and stopped when the assembly's tests are done, so a store-facing test runs against all
/// three. Register it once in the test project with <c>[assembly: AssemblyFixture(typeof(StoreServers))]</c> and take
/// it in a constructor; tests share the servers, so each owns its keys through <see cref="TestKeys.Prefix"/>.
/// </summary>
public sealed class StoreServers : IAsyncLifetime
{
    private readonly Lazy<Task<RedisServer>> _redis = new(() => RedisServer.StartAsync());
    private readonly Lazy<Task<GarnetTestServer>> _garnet = new(() => Task.Run(() => GarnetTestServer.Start()));
    private readonly Lazy<Task<RedisCluster>> _cluster = new(() => RedisCluster.StartAsync());

    /// <summary>The kinds, for <c>[MemberData(nameof(StoreServers.Kinds), MemberType = typeof(StoreServers))]</c>.</summary>
    public static TheoryData<string> Kinds => new StoreKinds();

    public Task<RedisServer> RedisAsync() => _redis.Value;

    public Task<GarnetTestServer> GarnetAsync() => _garnet.Value;

    public Task<RedisCluster> ClusterAsync() => _cluster.Value;

    /// <summary>
    /// The connection string of the server of this kind, starting it if needed: <c>127.0.0.1:port</c>, or for the
    /// cluster every node's, comma-separated.
    /// </summary>
    public async Task<string> ConnectionStringAsync(string kind) => kind switch
    {
        StoreKinds.Redis => (await RedisAsync()).ConnectionString,
        StoreKinds.Garnet => (await GarnetAsync()).ConnectionString,
        StoreKinds.Cluster => (await ClusterAsync()).ConnectionString,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, $"expected \"{StoreKinds.Redis}\", \"{StoreKinds.Garnet}\" or \"{StoreKinds.Cluster}\""),
    };

    /// <summary>A new multiplexer to the server of this kind; the caller disposes it.</summary>
    public async Task<IConnectionMultiplexer> ConnectAsync(string kind)
    {
        var options = ConfigurationOptions.Parse(await ConnectionStringAsync(kind));
        options.AbortOnConnectFail = true;
        return await ConnectionMultiplexer.ConnectAsync(options);
    }

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (_redis.IsValueCreated)
        {
            await (await _redis.Value).DisposeAsync();
        }
        if (_garnet.IsValueCreated)
        {
            (await _garnet.Value).Dispose();
        }
        if (_cluster.IsValueCreated)
        {
            await (await _cluster.Value).DisposeAsync();
        }
    }
}

/// <summary>
/// Theory data naming every store: <c>[Theory, ClassData(typeof(StoreKinds))] public async Task X(string store)</c>,
/// then <c>await servers.ConnectAsync(store)</c>.
/// </summary>
public sealed class StoreKinds : TheoryData<string>
{
    public const string Redis = "redis";
    public const string Garnet = "garnet";

    /// <summary>Redis Cluster: three masters with a replica each (<see cref="RedisCluster"/>).</summary>
    public const string Cluster = "cluster";

    public StoreKinds()
    {
        Add(Redis);
        Add(Garnet);
        Add(Cluster);
    }
}

/// <summary>
/// Theory data naming the Redis deployments, single server and cluster, for suites that need what only Redis does
/// (or that Garnet's suites already cover): <c>[Theory, ClassData(typeof(RedisKinds))]</c>.
/// </summary>
public sealed class RedisKinds : TheoryData<string>
{
    public RedisKinds()
    {
        Add(StoreKinds.Redis);
        Add(StoreKinds.Cluster);
    }
}
