using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using TestSupport;

namespace Ingestion.IntegrationTests.FastTrack;

/// <summary>
/// An operator's PAM with Fast Track's operator API (<c>GET /userdetails/{id}</c>, <c>/userconsents/{id}</c>,
/// <c>/userblocks/{id}</c>), as a real Kestrel server on a free loopback port. <see cref="Up"/> switches it between
/// answering and failing every request with 503; it counts the requests that reached it.
/// </summary>
public sealed class FakePam : IAsyncDisposable
{
    public const string ApiKey = "pam-secret";

    private readonly WebApplication _app;
    private int _hits;

    private FakePam(WebApplication app, int port)
    {
        _app = app;
        BaseUrl = $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/fasttrack";
    }

    /// <summary>Where the operator's endpoints are (with a path, as a real PAM often has).</summary>
    public string BaseUrl { get; }

    private volatile bool _up = true;

    public bool Up
    {
        get => _up;
        set => _up = value;
    }

    public int Hits => Volatile.Read(ref _hits);

    /// <summary>Answers by path, e.g. <c>userdetails/p-1</c> → JSON.</summary>
    public ConcurrentDictionary<string, string> Answers { get; } = new(StringComparer.Ordinal);

    public static async Task<FakePam> StartAsync()
    {
        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort.Get();
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}");
            builder.Logging.ClearProviders();
            var app = builder.Build();
            var pam = new FakePam(app, port);
            app.MapGet("/fasttrack/{kind}/{id}", (string kind, string id, HttpContext http) => pam.Answer(kind, id, http));
            try
            {
                await app.StartAsync();
                return pam;
            }
            catch (IOException) when (attempt < 3)
            {
                // The free port was taken between the probe and the bind: try another.
                await app.DisposeAsync();
            }
        }
    }

    public void Player(string id, string details, string consents, string blocks)
    {
        Answers[$"userdetails/{id}"] = details;
        Answers[$"userconsents/{id}"] = consents;
        Answers[$"userblocks/{id}"] = blocks;
    }

    private IResult Answer(string kind, string id, HttpContext http)
    {
        Interlocked.Increment(ref _hits);
        if (!_up) return Results.StatusCode((int)HttpStatusCode.ServiceUnavailable);
        if (http.Request.Headers["X-Api-Key"] != ApiKey) return Results.StatusCode((int)HttpStatusCode.Unauthorized);
        return Answers.TryGetValue($"{kind}/{id}", out var json) ? Results.Text(json, "application/json") : Results.NotFound();
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
