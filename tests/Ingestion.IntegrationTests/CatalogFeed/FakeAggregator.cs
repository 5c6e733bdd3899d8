using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Ingestion.IntegrationTests.CatalogFeed;

/// <summary>
/// An aggregator's game-list endpoint on a real Kestrel server (127.0.0.1, a port the kernel picks): serves
/// <see cref="Body"/> at <c>/games</c> with a strong ETag of its content, 304 to a matching <c>If-None-Match</c>,
/// 500 while <see cref="Failing"/>, and 401 without the key.
/// </summary>
public sealed class FakeAggregator : IAsyncDisposable
{
    public const string KeyHeader = "X-Aggregator-Key";
    public const string Key = "aggregator-secret";

    private readonly WebApplication _app;
    private int _served200;
    private int _served304;
    private int _requests;
    private volatile string _body = "[]";
    private volatile bool _failing;

    private FakeAggregator(WebApplication app) => _app = app;

    /// <summary>The list served now; its ETag follows its content.</summary>
    public string Body { get => _body; set => _body = value; }

    public bool Failing { get => _failing; set => _failing = value; }

    public string Url { get; private set; } = "";
    public int Requests => Volatile.Read(ref _requests);
    public int Served200 => Volatile.Read(ref _served200);
    public int Served304 => Volatile.Read(ref _served304);

    public static async Task<FakeAggregator> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var aggregator = new FakeAggregator(app);
        app.MapGet("/games", (HttpContext http) => aggregator.Serve(http));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        aggregator.Url = address.TrimEnd('/') + "/games";
        return aggregator;
    }

    private IResult Serve(HttpContext http)
    {
        Interlocked.Increment(ref _requests);
        if (Failing) return Results.StatusCode(500);
        if (http.Request.Headers[KeyHeader] != Key) return Results.StatusCode(401);
        var body = Body;
        var etag = $"\"{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(body)))[..16]}\"";
        if (http.Request.Headers.IfNoneMatch == etag)
        {
            Interlocked.Increment(ref _served304);
            http.Response.Headers.ETag = etag;
            return Results.StatusCode(304);
        }
        Interlocked.Increment(ref _served200);
        http.Response.Headers.ETag = etag;
        return Results.Text(body, "application/json");
    }

    /// <summary>Waits until the aggregator has seen at least <paramref name="count"/> requests.</summary>
    public async Task WaitForRequestsAsync(int count)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (Requests < count) await Task.Delay(20, timeout.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
