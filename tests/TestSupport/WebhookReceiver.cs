using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace TestSupport;

/// <summary>One request a CRM's webhook endpoint received: the raw body bytes (what the signature covers) and the headers.</summary>
public sealed record ReceivedWebhook(byte[] RawBody, IReadOnlyDictionary<string, string> Headers)
{
    public string Body => System.Text.Encoding.UTF8.GetString(RawBody);

    public string Header(string name) => Headers.TryGetValue(name, out var v) ? v : "";
}

/// <summary>
/// A CRM's webhook endpoint on a real Kestrel server (127.0.0.1, a free port the kernel picks). It records every
/// request, then answers with what <see cref="Respond"/> gives for the request's number (1-based; 200 by default).
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedWebhook> _received = new();
    private readonly ConcurrentQueue<(int Number, ReceivedWebhook Request, int Status)> _answered = new();
    private int _count;

    private WebhookReceiver(WebApplication app) => _app = app;

    public string Url { get; private set; } = "";

    /// <summary>The status for request number n; may wait, to hold a delivery in flight while the test acts.</summary>
    public Func<int, Task<int>> Respond { get; set; } = _ => Task.FromResult(200);

    public IReadOnlyList<ReceivedWebhook> Requests => [.. _received];

    /// <summary>The requests answered so far, in the order answered: each one's number (as given to <see cref="Respond"/>) and the status it got.</summary>
    public IReadOnlyList<(int Number, ReceivedWebhook Request, int Status)> Answered => [.. _answered];

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.MapPost("/hooks/crm", receiver.ReceiveAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        receiver.Url = address.TrimEnd('/') + "/hooks/crm";
        return receiver;
    }

    private async Task ReceiveAsync(HttpContext http)
    {
        using var body = new MemoryStream();
        await http.Request.Body.CopyToAsync(body);
        var headers = http.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var request = new ReceivedWebhook(body.ToArray(), headers);
        _received.Enqueue(request);
        var number = Interlocked.Increment(ref _count);
        var status = await Respond(number);
        _answered.Enqueue((number, request, status));
        http.Response.StatusCode = status;
        if (status != 200) await http.Response.WriteAsync("the CRM is down for maintenance");
    }

    /// <summary>Waits until at least <paramref name="count"/> requests have come, failing after <paramref name="timeout"/> (10 s by default).</summary>
    public async Task WaitForRequestsAsync(int count, TimeSpan? timeout = null)
    {
        var clock = Stopwatch.StartNew();
        while (_received.Count < count)
        {
            if (clock.Elapsed > (timeout ?? TimeSpan.FromSeconds(10)))
            {
                throw new TimeoutException($"Timed out after {clock.Elapsed.TotalSeconds:0} s waiting for {count} requests at the receiver (got {_received.Count})");
            }
            await Task.Delay(10);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
