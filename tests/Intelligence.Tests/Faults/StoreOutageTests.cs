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
        await Eventually.UntilAsync(() => Task.FromResult(supervised.Any(s => s.Faults > 0)), TimeSpan.FromSeconds(30), "a background service meets the dead store");
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
        await Eventually.UntilAsync(async () => (await client.GetAsync(new Uri("/health/ready", UriKind.Relative))).StatusCode == HttpStatusCode.OK,
            TimeSpan.FromSeconds(60), "ready again");
        using var crm = app.ClientWithKey(IntelligenceApp.CrmKey);
        var scores = await crm.GetAsync(new Uri("/v1/players/nobody/scores", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, scores.StatusCode);
        Assert.False(lifetime.ApplicationStopping.IsCancellationRequested, "the host was stopped by a background fault");
    }

    /// <summary>Intelligence's background loops, one test each: rescoring, the sweep, segments, membership announcements, model refresh (scoring models and recommender), training, webhooks, trending.</summary>
    public static TheoryData<string> BackgroundServices => new(
        "RescoreWorker", "SweepWorker", "SegmentsWorker", "MembershipAnnouncer", "ModelHost", "ModelRefresher", "TrainingScheduler", "WebhookDeliveryWorker", "Trending");

    [Theory, MemberData(nameof(BackgroundServices))]
    public async Task ABackgroundService_RidesOutTheStoreStoppedAndRestarted(string name)
    {
        await using var redis = await RedisServer.StartAsync();
        await using var app = new IntelligenceApp(redis.ConnectionString + ",connectTimeout=1000,syncTimeout=1000,asyncTimeout=1000");
        using var client = app.CreateClient();
        var lifetime = app.Services.GetRequiredService<IHostApplicationLifetime>();
        var service = app.Services.GetServices<IHostedService>().OfType<SupervisedService>().Distinct().Single(s => s.ServiceName == name);
        async Task<HttpStatusCode> ReadyAsync() => (await client.GetAsync(new Uri("/health/ready", UriKind.Relative))).StatusCode;
        // The first start trains the models the scores need before it is ready.
        await Eventually.UntilAsync(async () => await ReadyAsync() == HttpStatusCode.OK && service.ExecuteTask is not null, TimeSpan.FromSeconds(120), "ready");
        var runningBefore = !service.ExecuteTask!.IsCompleted;

        // Stopped mid-run: the loop meets the dead store (or waits it out), the process stays up.
        await redis.StopAsync();
        await Eventually.UntilAsync(async () => await ReadyAsync() == HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(30), "not ready while the store is away");
        await Eventually.UntilAsync(() => Task.FromResult(service.Faults > 0 || service.RestartAt is null), TimeSpan.FromSeconds(10), "the loop reacts");
        await redis.RestartAsync();

        // Back by itself: ready, not waiting in a back-off, and its loop still running as before.
        await Eventually.UntilAsync(async () => await ReadyAsync() == HttpStatusCode.OK && service.RestartAt is null, TimeSpan.FromSeconds(70), $"{name} back after the store returned");
        Assert.Equal(runningBefore, !service.ExecuteTask.IsCompleted);
        Assert.False(lifetime.ApplicationStopping.IsCancellationRequested, $"the host was stopped by {name}");
    }
}
