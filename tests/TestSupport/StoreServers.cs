using StackExchange.Redis;
using Xunit;

namespace TestSupport;

/// <summary>
/// One real Redis and one embedded Garnet per test assembly, each started on first use and stopped when
/// the assembly's tests are done, so a store-facing test runs against both. Register it once in the test
/// project with <c>[assembly: AssemblyFixture(typeof(StoreServers))]</c> and take it in a constructor;
/// tests share the servers, so each owns its keys through <see cref="TestKeys.Prefix"/>.
/// </summary>
public sealed class StoreServers : IAsyncLifetime
{
    private readonly Lazy<Task<RedisServer>> _redis = new(() => RedisServer.StartAsync());
    private readonly Lazy<Task<GarnetTestServer>> _garnet = new(() => Task.Run(() => GarnetTestServer.Start()));

    /// <summary>The kinds, for <c>[MemberData(nameof(StoreServers.Kinds), MemberType = typeof(StoreServers))]</c>.</summary>
    public static TheoryData<string> Kinds => new StoreKinds();

    public Task<RedisServer> RedisAsync() => _redis.Value;

    public Task<GarnetTestServer> GarnetAsync() => _garnet.Value;

    /// <summary>The connection string (<c>127.0.0.1:port</c>) of the server of this kind, starting it if needed.</summary>
    public async Task<string> ConnectionStringAsync(string kind) => kind switch
    {
        StoreKinds.Redis => (await RedisAsync()).ConnectionString,
        StoreKinds.Garnet => (await GarnetAsync()).ConnectionString,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, $"expected \"{StoreKinds.Redis}\" or \"{StoreKinds.Garnet}\""),
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
    }
}

/// <summary>
/// Theory data naming both stores: <c>[Theory, ClassData(typeof(StoreKinds))] public async Task X(string store)</c>,
/// then <c>await servers.ConnectAsync(store)</c>.
/// </summary>
public sealed class StoreKinds : TheoryData<string>
{
    public const string Redis = "redis";
    public const string Garnet = "garnet";

    public StoreKinds()
    {
        Add(Redis);
        Add(Garnet);
    }
}
