using System.Net;
using System.Text.Json;
using Ingestion.Connectors.Catalog;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Shared.Contracts;
using TestSupport;

namespace Ingestion.IntegrationTests.CatalogFeed;

/// <summary>The catalogue pull connector against a fake aggregator on real Kestrel and the real Redis of the fixture.</summary>
public class CatalogFeedTests(StoreServers servers)
{
    internal static string Game(string id, string title = "Dragon Rising", string? enabled = null) =>
        $$"""{"id":"{{id}}","title":"{{title}}","provider":"Pragmatic","category":"slots","tags":["dragons"],"rtp":96.5,"volatility":"high","minBet":0.1,"maxBet":100,"jackpot":false,"markets":["*"],"releasedAt":"2026-01-01T00:00:00Z"{{(enabled is null ? "" : $",\"enabled\":{enabled}")}}}""";

    internal static string List(params string[] games) => "[" + string.Join(",", games) + "]";

    private async Task<IngestionApp> StartAsync(FakeAggregator aggregator, Dictionary<string, string?>? extra = null, LogRecorder? logs = null)
    {
        // Only the pull at start-up runs by itself; the tests pull when they want to.
        var settings = Settings(aggregator, TimeSpan.FromHours(1));
        foreach (var (k, v) in extra ?? []) settings[k] = v;
        var app = new IngestionApp((await servers.RedisAsync()).ConnectionString, settings) { Logs = logs };
        _ = app.Services; // starts the host, and with it the connector's first pull
        await aggregator.WaitForRequestsAsync(1);
        // Waits for that first pull to finish (pulls take turns), so every later pull is the test's own.
        await Connector(app).PullOnceAsync();
        return app;
    }

    /// <summary>The feed enabled against the aggregator, pulling every <paramref name="interval"/>, retrying a request once at once.</summary>
    internal static Dictionary<string, string?> Settings(FakeAggregator aggregator, TimeSpan interval) => new()
    {
        ["CatalogFeed:Enabled"] = "true",
        ["CatalogFeed:Url"] = aggregator.Url,
        ["CatalogFeed:ApiKeyHeader"] = FakeAggregator.KeyHeader,
        ["CatalogFeed:ApiKey"] = FakeAggregator.Key,
        ["CatalogFeed:Interval"] = interval.ToString("c", System.Globalization.CultureInfo.InvariantCulture),
        ["CatalogFeed:Resilience:Retry:MaxRetryAttempts"] = "1",
        ["CatalogFeed:Resilience:Retry:Delay"] = "00:00:00.010",
    };

    private static CatalogPullConnector Connector(IngestionApp app) => app.Services.GetRequiredService<CatalogPullConnector>();

    private static async Task<Dictionary<string, Game>> CatalogAsync(IngestionApp app) =>
        (await app.Db.HashGetAllAsync(app.Keys.Catalog)).ToDictionary(
            e => e.Name.ToString(), e => JsonSerializer.Deserialize(e.Value.ToString(), ContractsJsonContext.Default.Game)!);

    [Fact]
    public async Task FirstPull_StoresTheFeedsGames_AsEnabled()
    {
        await using var aggregator = await FakeAggregator.StartAsync();
        aggregator.Body = List(Game("g-a"), Game("g-b", "Book of Ra"));
        await using var app = await StartAsync(aggregator);

        var catalog = await CatalogAsync(app);

        Assert.Equal(["g-a", "g-b"], catalog.Keys.Order());
        Assert.Equal("Book of Ra", catalog["g-b"].Title);
        Assert.All(catalog.Values, g => Assert.True(g.Enabled));
        Assert.Equal(1, aggregator.Served200);
        Assert.NotNull(app.Services.GetRequiredService<CatalogFeedMetrics>().LastSuccessAt);
    }

    [Fact]
    public async Task UnchangedList_Gets304_AndWritesNothing()
    {
        await using var aggregator = await FakeAggregator.StartAsync();
        aggregator.Body = List(Game("g-a"));
        await using var app = await StartAsync(aggregator);
        // A mark in the store that any write of g-a would erase.
        var tampered = JsonSerializer.Serialize((await CatalogAsync(app))["g-a"] with { Title = "marked" }, ContractsJsonContext.Default.Game);
        await app.Db.HashSetAsync(app.Keys.Catalog, "g-a", tampered);
        var served304 = aggregator.Served304;

        var result = await Connector(app).PullOnceAsync();

        Assert.Equal(CatalogPullOutcome.NotModified, result.Outcome);
        Assert.Equal(served304 + 1, aggregator.Served304);
        Assert.Equal(1, aggregator.Served200);
        Assert.Equal("marked", (await CatalogAsync(app))["g-a"].Title);
    }

    [Fact]
    public async Task ChangedList_AddsNewGames_AndUpdatesChangedOnes_Only()
    {
        await using var aggregator = await FakeAggregator.StartAsync();
        aggregator.Body = List(Game("g-a"), Game("g-b"));
        await using var app = await StartAsync(aggregator);

        aggregator.Body = List(Game("g-a", "Dragon Rising Deluxe"), Game("g-b"), Game("g-c", "Crash X"));
        var result = await Connector(app).PullOnceAsync();

        Assert.Equal(new CatalogPullResult(CatalogPullOutcome.Applied, Added: 1, Updated: 1), result);
        var catalog = await CatalogAsync(app);
        Assert.Equal("Dragon Rising Deluxe", catalog["g-a"].Title);
        Assert.Equal("Crash X", catalog["g-c"].Title);
        Assert.Equal(2, aggregator.Served200);
    }

    [Fact]
    public async Task RemovedGame_IsDisabled_NotDeleted_AndComesBackWhenListedAgain()
    {
        await using var aggregator = await FakeAggregator.StartAsync();
        aggregator.Body = List(Game("g-a"), Game("g-b"));
        await using var app = await StartAsync(aggregator);
        // A game from another source (PUT /v1/catalog/games) that the feed never listed.
        var put = await app.ClientWithKey(IngestionApp.OpsKey).PutAsync("/v1/catalog/games",
            new StringContent(List(Game("g-house", "House Blackjack", "true")), System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);

        aggregator.Body = List(Game("g-a"));
        var removed = await Connector(app).PullOnceAsync();
        var afterRemoval = await CatalogAsync(app);
        aggregator.Body = List(Game("g-a"), Game("g-b"));
        await Connector(app).PullOnceAsync();

        Assert.Equal(1, removed.Disabled);
        Assert.False(afterRemoval["g-b"].Enabled);
        Assert.True(afterRemoval["g-a"].Enabled);
        Assert.True(afterRemoval["g-house"].Enabled);
        Assert.True((await CatalogAsync(app))["g-b"].Enabled);
    }

    [Fact]
    public async Task FailingAggregator_DoesNotCrashTheService_AndTheNextPullCatchesUp()
    {
        await using var aggregator = await FakeAggregator.StartAsync();
        aggregator.Body = List(Game("g-a"));
        aggregator.Failing = true;
        await using var app = await StartAsync(aggregator);

        var failed = await Connector(app).PullOnceAsync();
        var live = await app.CreateClient().GetAsync("/health/live");
        aggregator.Failing = false;
        var recovered = await Connector(app).PullOnceAsync();

        Assert.Equal(CatalogPullOutcome.Failed, failed.Outcome);
        Assert.Contains("500", failed.Error, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.False(app.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested);
        Assert.Equal(CatalogPullOutcome.Applied, recovered.Outcome);
        Assert.True((await CatalogAsync(app)).ContainsKey("g-a"));
    }

    [Fact]
    public async Task UntilTheAggregatorFirstAnswers_FailedPullsAreQuiet_AfterwardsTheyAreWarnings()
    {
        // Start-up order: Ingestion is up before the operator's side, so its first pulls find nobody.
        await using var aggregator = await FakeAggregator.StartAsync();
        aggregator.Body = List(Game("g-a"));
        aggregator.Failing = true;
        var logs = new LogRecorder();
        await using var app = await StartAsync(aggregator, logs: logs);
        Assert.Equal(CatalogPullOutcome.Failed, (await Connector(app).PullOnceAsync()).Outcome);

        static bool AboutThePull(LogRecorder.Entry e) => e.Category == "Polly" || e.Category.EndsWith(nameof(CatalogPullConnector), StringComparison.Ordinal);
        var beforeFirstAnswer = logs.Entries.Where(AboutThePull).ToList();
        Assert.DoesNotContain(beforeFirstAnswer, e => e.Level >= LogLevel.Warning);
        Assert.Contains(beforeFirstAnswer, e => e.Level == LogLevel.Information && e.Message.Contains("failed; the catalogue is unchanged", StringComparison.Ordinal));

        aggregator.Failing = false;
        Assert.Equal(CatalogPullOutcome.Applied, (await Connector(app).PullOnceAsync()).Outcome);
        aggregator.Failing = true;
        logs.Clear();
        Assert.Equal(CatalogPullOutcome.Failed, (await Connector(app).PullOnceAsync()).Outcome);

        var afterFirstAnswer = logs.Entries.Where(AboutThePull).ToList();
        Assert.Contains(afterFirstAnswer, e => e.Level == LogLevel.Warning && e.Category.EndsWith(nameof(CatalogPullConnector), StringComparison.Ordinal));
        // A pull the next interval retries is no error, not even in the resilience pipeline's own events.
        Assert.DoesNotContain(afterFirstAnswer, e => e.Level >= LogLevel.Error);
        Assert.Contains(afterFirstAnswer, e => e.Category == "Polly" && e.Level == LogLevel.Warning);
    }

    [Fact]
    public async Task EmptyOrBrokenList_LeavesTheCatalogueAsItWas()
    {
        await using var aggregator = await FakeAggregator.StartAsync();
        aggregator.Body = List(Game("g-a"), Game("g-b"));
        await using var app = await StartAsync(aggregator);

        aggregator.Body = "[]";
        var empty = await Connector(app).PullOnceAsync();
        aggregator.Body = "<html>maintenance</html>";
        var broken = await Connector(app).PullOnceAsync();

        Assert.Equal(CatalogPullOutcome.Failed, empty.Outcome);
        Assert.Equal(CatalogPullOutcome.Failed, broken.Outcome);
        Assert.All((await CatalogAsync(app)).Values, g => Assert.True(g.Enabled));
    }

    [Fact]
    public async Task AggregatorsOwnShape_IsReadThroughTheConfiguredFieldNames_SkippingInvalidGames()
    {
        await using var aggregator = await FakeAggregator.StartAsync();
        aggregator.Body = """
            {"data":{"games":[
              {"game_code":"clt_dragonrising","name":"Dragon Rising","product":"Pragmatic","category":"slots","tags":[],"meta":{"rtp":96.5},
               "volatility":"high","minBet":0.2,"maxBet":50,"jackpot":true,"markets":["MT","DE"],"releasedAt":"2025-06-01T00:00:00Z"},
              {"game_code":"bad_one","name":"Poker Night","product":"Evo","category":"poker","tags":[],"meta":{"rtp":97},
               "volatility":"low","minBet":1,"maxBet":10,"jackpot":false,"markets":["*"],"releasedAt":"2025-06-01T00:00:00Z"}
            ]}}
            """;
        await using var app = await StartAsync(aggregator, new()
        {
            ["CatalogFeed:ItemsPath"] = "data.games",
            ["CatalogFeed:Fields:id"] = "game_code",
            ["CatalogFeed:Fields:title"] = "name",
            ["CatalogFeed:Fields:provider"] = "product",
            ["CatalogFeed:Fields:rtp"] = "meta.rtp",
        });

        var catalog = await CatalogAsync(app);

        var game = Assert.Single(catalog.Values);
        var expected = new Game("clt_dragonrising", "Dragon Rising", "Pragmatic", "slots", [], 96.5m, "high", 0.2m, 50m, true, ["MT", "DE"],
            new DateTimeOffset(2025, 6, 1, 0, 0, 0, TimeSpan.Zero), Enabled: true);
        Assert.Equal(JsonSerializer.Serialize(expected, ContractsJsonContext.Default.Game), JsonSerializer.Serialize(game, ContractsJsonContext.Default.Game));
    }
}
