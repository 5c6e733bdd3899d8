using System.Net;
using System.Net.Sockets;
using TestSupport;

namespace EndToEnd.Tests;

/// <summary>
/// The in-process hosts' port retry (<see cref="KestrelService{T}.Start"/>): a port taken between picking it and binding
/// it costs one more try, and past <see cref="KestrelService{T}.Attempts"/> taken ports the bind error comes out.
/// </summary>
public sealed class KestrelServiceTests(StoreServers servers) : IDisposable
{
    private readonly List<TcpListener> _taken = [];

    /// <summary>A port another listener holds on 127.0.0.1, as a server of another suite would.</summary>
    private int Taken()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        _taken.Add(listener);
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task<Dictionary<string, string?>> SettingsAsync() => new()
    {
        ["ConnectionStrings:Redis"] = (await servers.RedisAsync()).ConnectionString,
        ["Store:KeyPrefix"] = TestKeys.Prefix("kestrel-retry"),
        ["EmbeddedStore:Enabled"] = "false",
        ["ApiKeys:0:Name"] = "retry",
        ["ApiKeys:0:Key"] = "retry-key",
        ["ApiKeys:0:Scopes"] = "events:write",
    };

    [Fact]
    public async Task APortTakenBeforeTheBind_CostsATry_AndTheServiceListensOnTheNextOne()
    {
        var ports = new Queue<int>([.. Enumerable.Range(0, KestrelService<Ingestion.IngestionEntryPoint>.Attempts - 1).Select(_ => Taken()), FreePort.Get()]);
        var last = ports.Last();
        await using var host = new KestrelService<Ingestion.IngestionEntryPoint>(await SettingsAsync(), pickPort: ports.Dequeue);

        var url = host.Start();

        Assert.Equal(last, url.Port);
        Assert.Empty(ports);
        using var http = new HttpClient { BaseAddress = url };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/health/live", UriKind.Relative), TestContext.Current.CancellationToken)).StatusCode);
    }

    [Fact]
    public async Task PastItsAttempts_TheBindErrorComesOut()
    {
        var picked = 0;
        await using var host = new KestrelService<Ingestion.IngestionEntryPoint>(await SettingsAsync(), pickPort: () => { picked++; return Taken(); });

        var error = Assert.Throws<IOException>(() => host.Start());

        Assert.IsType<Microsoft.AspNetCore.Connections.AddressInUseException>(error.InnerException);
        Assert.Equal(KestrelService<Ingestion.IngestionEntryPoint>.Attempts, picked);
    }

    public void Dispose()
    {
        foreach (var listener in _taken) listener.Stop();
    }
}
