using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Shared.ServiceDefaults;
using TestSupport;

namespace Intelligence.Tests.Faults;

/// <summary>
/// The store away and back: Intelligence keeps running, says it is degraded, and serves again by itself. Before every
/// background loop was supervised, the model refresher's <c>RedisConnectionException</c> stopped the host for good.
/// </summary>
public sealed class StoreOutageTests
{
    private static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan within, string what)
    {
        var waited = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(waited.Elapsed < within, $"{what} within {within}");
            await Task.Delay(200);
        }
    }

    [Fact]
    public async Task StartedWhileTheStoreIsDown_ItStaysUp_AndServesOnceTheStoreReturns()
    {
        await using var redis = await RedisServer.StartAsync();
        await redis.StopAsync();
        await using var app = new IntelligenceApp(redis.ConnectionString);
        using var client = app.CreateClient();
        var lifetime = app.Services.GetRequiredService<IHostApplicationLifetime>();
        var supervised = app.Services.GetServices<IHostedService>().OfType<SupervisedService>().Distinct().ToList();
        Assert.NotEmpty(supervised);

        // Every loop that needs the store at start-up fails, is counted, and waits to be restarted.
        await UntilAsync(() => Task.FromResult(supervised.Any(s => s.Faults > 0)), TimeSpan.FromSeconds(30), "a background service meets the dead store");
        var notReady = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, notReady.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), notReady.Headers.RetryAfter?.Delta);
        // A read that needs the store is a 503 a client can act on (Retry-After), not a bare 500.
        using (var reader = app.ClientWithKey(IntelligenceApp.CrmKey))
        {
            var unanswered = await reader.GetAsync(new Uri("/v1/players/nobody/scores", UriKind.Relative));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, unanswered.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(1), unanswered.Headers.RetryAfter?.Delta);
        }

        await redis.RestartAsync();
        await UntilAsync(async () => (await client.GetAsync(new Uri("/health/ready", UriKind.Relative))).StatusCode == HttpStatusCode.OK,
            TimeSpan.FromSeconds(60), "ready again");
        using var crm = app.ClientWithKey(IntelligenceApp.CrmKey);
        var scores = await crm.GetAsync(new Uri("/v1/players/nobody/scores", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, scores.StatusCode);
        Assert.False(lifetime.ApplicationStopping.IsCancellationRequested, "the host was stopped by a background fault");
    }
}
