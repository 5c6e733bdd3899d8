using System.Diagnostics.Metrics;
using System.Net;
using System.Text;
using Ingestion.Adapters.FastTrack;
using Ingestion.Connectors.Catalog;
using Ingestion.IntegrationTests.CatalogFeed;
using Ingestion.IntegrationTests.FastTrack;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Shared.ServiceDefaults;
using Shared.Store;
using StackExchange.Redis;
using TestSupport;

namespace Ingestion.IntegrationTests;

/// <summary>
/// Redis stopped and started again under each of Ingestion's pulls, as Intelligence's loops are tested
/// (<c>Intelligence.Tests.Faults.StoreOutageTests</c>): the process stays up, says it is not ready while the store is
/// away, counts the failures in its metrics, and does its work again by itself once the store is back.
/// </summary>
public sealed class BackgroundLoopRestartTests
{
    private const string Connection = ",connectTimeout=1000,syncTimeout=1000,asyncTimeout=1000";

    private static async Task<HttpStatusCode> ReadyAsync(HttpClient client) =>
        (await client.GetAsync(new Uri("/health/ready", UriKind.Relative))).StatusCode;

    [Fact]
    public async Task ThePamPull_BacksOffWhileTheStoreIsAway_CountsIt_AndEnrichesAgainOnceItIsBack()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var pam = await FakePam.StartAsync();
        const string player = "p-pam-restart";
        pam.Player(player,
            """{"user_id":"p-pam-restart","country":"MT","currency":"EUR","market":"mt","registration_date":"2026-01-02T03:04:05Z","is_blocked":false,"is_excluded":false,"roles":[]}""",
            """{"consents":[{"opted_in":true,"type":"email"}]}""",
            """{"blocks":[]}""");
        var clock = new AnchoredClock();
        await using var app = new IngestionApp(redis.ConnectionString + Connection,
            new Dictionary<string, string?>(FastTrackFeedTests.FastPam) { ["Pam:BaseUrl"] = pam.BaseUrl }) { Clock = clock };
        using var client = app.CreateClient();
        var lifetime = app.Services.GetRequiredService<IHostApplicationLifetime>();
        var worker = app.Services.GetServices<IHostedService>().OfType<PamEnrichmentWorker>().Single();
        // The meter is static (every host in the process reports to it): the worker's own faults are told by its name.
        using var counted = new CounterListener(i => i.Name == "service.background.faults" && i.Meter.Name == SupervisedService.MeterName, "service", worker.ServiceName);
        await Eventually.UntilAsync(async () => await ReadyAsync(client) == HttpStatusCode.OK && worker.ExecuteTask is not null, TimeSpan.FromSeconds(30), "ready");

        await redis.StopAsync();
        await Eventually.UntilAsync(async () => await ReadyAsync(client) == HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(30), "not ready while the store is away");
        // The worker polls every 50 ms; against a dead store it is stopped, counted and started again after a back-off.
        await Eventually.UntilAsync(() => Task.FromResult(worker.RestartAt is not null), TimeSpan.FromSeconds(30), "the worker backing off");
        var (faultAt, fault) = worker.LastFault!.Value;
        Assert.True(worker.RestartAt!.Value - faultAt >= SupervisedService.FirstBackOff / 2, $"backs off {worker.RestartAt - faultAt} after {fault}");
        Assert.True(worker.Faults > 0 && counted.Count > 0, $"service.background.faults counts the worker's faults ({counted.Count}; the worker says {worker.Faults})");

        await redis.RestartAsync();
        await Eventually.UntilAsync(async () => await ReadyAsync(client) == HttpStatusCode.OK && worker.RestartAt is null, TimeSpan.FromSeconds(70), "ready again, the worker running");
        // Working again: a new player is looked up in the PAM and enriched.
        using var wallet = app.ClientWithKey(IngestionApp.WalletKey);
        var user = await wallet.PostAsync(new Uri("/compat/fasttrack/v2/integration/user", UriKind.Relative),
            new StringContent($$"""{"user_id":"{{player}}","timestamp":"{{clock.GetUtcNow():O}}","origin":"sub.example.com"}""", Encoding.UTF8, "application/json"));
        Assert.True(user.IsSuccessStatusCode, await user.Content.ReadAsStringAsync());
        var reader = new ProfileReader(app.Services.GetRequiredService<IConnectionMultiplexer>(), app.Keys, clock);
        await Eventually.UntilAsync(async () => (await reader.ReadAsync(player, _ => null))?.Country == "MT", TimeSpan.FromSeconds(30), "the player enriched from the PAM");
        Assert.False(lifetime.ApplicationStopping.IsCancellationRequested, "the host was stopped by the PAM worker");
    }

    [Fact]
    public async Task TheCataloguePull_FailsWhileTheStoreIsAway_CountsIt_AndAppliesTheListAgainOnceItIsBack()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var aggregator = await FakeAggregator.StartAsync();
        aggregator.Body = CatalogFeedTests.List(CatalogFeedTests.Game("g-a"));
        // It retries on its interval: short here, so the test sees several pulls meet the dead store.
        var clock = new AnchoredClock();
        await using var app = new IngestionApp(redis.ConnectionString + Connection, CatalogFeedTests.Settings(aggregator, TimeSpan.FromSeconds(1))) { Clock = clock };
        using var client = app.CreateClient();
        var lifetime = app.Services.GetRequiredService<IHostApplicationLifetime>();
        var metrics = app.Services.GetRequiredService<CatalogFeedMetrics>();
        var factory = app.Services.GetRequiredService<IMeterFactory>();
        using var failed = new CounterListener(i => i.Name == "catalog.feed.pulls" && i.Meter.Scope == factory, "outcome", "failed");
        await Eventually.UntilAsync(async () => await app.Db.HashExistsAsync(app.Keys.Catalog, "g-a"), TimeSpan.FromSeconds(30), "the first pull applied");

        await redis.StopAsync();
        var stoppedAt = clock.GetUtcNow();
        await Eventually.UntilAsync(async () => await ReadyAsync(client) == HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(30), "not ready while the store is away");
        await Eventually.UntilAsync(() => Task.FromResult(failed.Count >= 2), TimeSpan.FromSeconds(30), "pulls meeting the dead store counted as failed");
        // The aggregator lists a new game while the store is away: it arrives once the store is back.
        aggregator.Body = CatalogFeedTests.List(CatalogFeedTests.Game("g-a"), CatalogFeedTests.Game("g-b", "Book of Ra"));

        await redis.RestartAsync();
        await Eventually.UntilAsync(async () => await ReadyAsync(client) == HttpStatusCode.OK, TimeSpan.FromSeconds(30), "ready again");
        var db = app.Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase();
        await Eventually.UntilAsync(async () => await db.HashExistsAsync(app.Keys.Catalog, "g-b"), TimeSpan.FromSeconds(30), "the list applied by the next pull");
        Assert.True(metrics.LastSuccessAt > stoppedAt, "a successful pull after the outage");
        Assert.False(lifetime.ApplicationStopping.IsCancellationRequested, "the host was stopped by the catalogue pull");
    }

    /// <summary>Adds up one counter's measurements carrying one tag value, from now on.</summary>
    private sealed class CounterListener : IDisposable
    {
        private readonly MeterListener _listener = new();
        private long _count;

        public CounterListener(Func<Instrument, bool> select, string tag, string value)
        {
            _listener.InstrumentPublished = (instrument, l) =>
            {
                if (select(instrument)) l.EnableMeasurementEvents(instrument);
            };
            _listener.SetMeasurementEventCallback<long>((_, v, tags, _) =>
            {
                foreach (var t in tags)
                {
                    if (t.Key == tag && (string?)t.Value == value) Interlocked.Add(ref _count, v);
                }
            });
            _listener.Start();
        }

        public long Count => Interlocked.Read(ref _count);

        public void Dispose() => _listener.Dispose();
    }
}
