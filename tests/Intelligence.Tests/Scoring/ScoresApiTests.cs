using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Intelligence.Tests.Support;
using Shared.Contracts;
using Shared.Store;
using StackExchange.Redis;
using TestSupport;

namespace Intelligence.Tests.Scoring;

/// <summary>The CRM scoring API on the simulated casino's trained models, and live rescoring from Ingestion's change feed.</summary>
public sealed class ScoresApiTests(SimulatedCasino casino, StoreServers servers)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly string[] ChurnBands = ["low", "medium", "high", "lapsed"];
    private static readonly string[] Sources = ["model", "rule"];

    private async Task<string[]> SomePlayersAsync(int n)
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(casino.ConnectionString);
        return [.. (await redis.GetDatabase().SetMembersAsync(casino.Keys.Players)).Select(v => v.ToString()).Order(StringComparer.Ordinal).Take(n)];
    }

    [Fact]
    public async Task Scores_CarryProbabilitiesBandsDriversSegmentAndModelVersions()
    {
        await casino.EnsureTrainedAsync();
        await using var app = casino.Intelligence();
        using var client = app.ClientWithKey(IntelligenceApp.CrmKey);
        foreach (var id in await SomePlayersAsync(20))
        {
            var scores = await client.GetFromJsonAsync<PlayerScores>($"/v1/players/{id}/scores", Json, TestContext.Current.CancellationToken);
            Assert.NotNull(scores);
            Assert.Equal(id, scores.PlayerId);
            Assert.NotNull(scores.Churn);
            Assert.InRange(scores.Churn.Probability, 0, 1);
            Assert.Contains(scores.Churn.Band, ChurnBands);
            Assert.NotEmpty(scores.Churn.Drivers);
            Assert.All(scores.Churn.Drivers, d => Assert.False(string.IsNullOrWhiteSpace(d.Description)));
            Assert.NotNull(scores.Vip);
            // Each probability says what made it: the served model, or the kind's rule when no model beats it.
            foreach (var (kind, score) in new[] { ("churn", scores.Churn), ("vip", scores.Vip) })
            {
                Assert.Equal(scores.ModelVersions[kind], score.Version);
                Assert.Contains(score.Source, Sources);
                Assert.Equal(score.Source == "rule", score.Rule is not null);
            }
            Assert.NotNull(scores.Segment);
            Assert.StartsWith("seg-", scores.Segment.Id, StringComparison.Ordinal);
            Assert.Equal(["churn", "harm", "segments", "vip"], scores.ModelVersions.Keys.Order(StringComparer.Ordinal));
            Assert.Equal(scores.ModelVersions["harm"], scores.Harm!.Version);
        }
    }

    [Fact]
    public async Task UnknownPlayer_Is404WithAClearMessage_AndKeysAndScopesAreEnforced()
    {
        await using var app = casino.Intelligence();
        using var crm = app.ClientWithKey(IntelligenceApp.CrmKey);
        var missing = await crm.GetAsync("/v1/players/p-nobody/scores", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains("p-nobody", await missing.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);

        using var anonymous = app.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/v1/players/p-1/scores", TestContext.Current.CancellationToken)).StatusCode);
        // scores:read cannot start training.
        Assert.Equal(HttpStatusCode.Forbidden, (await crm.PostAsJsonAsync("/v1/models/train", new { }, TestContext.Current.CancellationToken)).StatusCode);
    }

    [Fact]
    public async Task Batch_ReturnsKnownPlayers_ListsUnknownOnes_AndRefusesOverAThousand()
    {
        await casino.EnsureTrainedAsync();
        await using var app = casino.Intelligence();
        using var client = app.ClientWithKey(IntelligenceApp.CrmKey);
        var ids = await SomePlayersAsync(30);
        var response = await client.PostAsJsonAsync("/v1/scores/batch", new { playerIds = ids.Append("p-ghost").ToArray() }, TestContext.Current.CancellationToken);
        var batch = await response.Content.ReadFromJsonAsync<BatchScoresResponse>(Json, TestContext.Current.CancellationToken);
        Assert.Equal(ids.Order(StringComparer.Ordinal), batch!.Items.Select(i => i.PlayerId).Order(StringComparer.Ordinal));
        Assert.Equal(["p-ghost"], batch.NotFound);

        var tooMany = await client.PostAsJsonAsync("/v1/scores/batch", new { playerIds = Enumerable.Range(0, 1001).Select(i => $"p-{i}").ToArray() }, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
        Assert.Contains("playerIds", await tooMany.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        var blank = await client.PostAsJsonAsync("/v1/scores/batch", new BatchScoresRequest(["p-1", " "]), TestContext.Current.CancellationToken);
        Assert.Contains("playerIds[1]", await blank.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Models_ListVersionsWithHoldoutMetricsNextToTheBaseline()
    {
        await casino.EnsureTrainedAsync();
        await using var app = casino.Intelligence();
        using var client = app.ClientWithKey(IntelligenceApp.CrmKey);
        using var doc = JsonDocument.Parse(await client.GetStringAsync("/v1/models", TestContext.Current.CancellationToken));
        var churn = doc.RootElement.GetProperty("models").EnumerateArray().Single(m => m.GetProperty("kind").GetString() == "churn");
        var current = churn.GetProperty("current").GetString();
        Assert.StartsWith("churn-", current, StringComparison.Ordinal);
        // The served version, a model or the rule, ranks at least as well as the rule on the holdout.
        var served = churn.GetProperty("versions").EnumerateArray().Single(v => v.GetProperty("version").GetString() == current);
        var evaluation = served.GetProperty("evaluation");
        Assert.True(evaluation.GetProperty("model").GetProperty("auc").GetDouble() >= evaluation.GetProperty("baseline").GetProperty("auc").GetDouble());
        Assert.Equal("days since the last real-money bet", evaluation.GetProperty("baselineRule").GetString());
        Assert.Contains(served.GetProperty("source").GetString(), Sources);
    }

    [Fact]
    public async Task ABet_RescoresThePlayerLive_AndASelfExclusionStopsMarketingAtOnce()
    {
        await casino.EnsureTrainedAsync();
        await using var app = casino.Intelligence();
        using var client = app.ClientWithKey(IntelligenceApp.CrmKey);
        var id = (await SomePlayersAsync(40))[^1];
        var before = await client.GetFromJsonAsync<PlayerScores>($"/v1/players/{id}/scores", Json, TestContext.Current.CancellationToken);

        await casino.Ingestion.PostAsync($$$"""{"specversion":"1.0","id":"{{{Guid.NewGuid()}}}","source":"/test","type":"player.consent","time":"{{{casino.Now()}}}","subject":"{{{id}}}","data":{"channel":"email","granted":true}}""");
        var scored = await UntilScoredAfterAsync(client, id, before!.ScoredAt);
        Assert.True(scored.Marketing.Allowed, string.Join(",", scored.Marketing.Reasons));

        await casino.Ingestion.PostAsync($$$"""{"specversion":"1.0","id":"{{{Guid.NewGuid()}}}","source":"/test","type":"player.rg","time":"{{{casino.Now()}}}","subject":"{{{id}}}","data":{"kind":"self_exclusion","until":"{{{casino.Now(TimeSpan.FromDays(180))}}}"}}""");
        var excluded = await UntilScoredAfterAsync(client, id, scored.ScoredAt);
        Assert.False(excluded.Marketing.Allowed);
        Assert.Contains("self_excluded", excluded.Marketing.Reasons);
    }

    [Theory, ClassData(typeof(StoreKinds))]
    public async Task ChangesMadeWhileIntelligenceIsDown_AreScoredWhenItStarts(string store)
    {
        var cs = await servers.ConnectionStringAsync(store);
        var prefix = TestKeys.Prefix($"catchup-{store}");
        await using var ingestion = new IngestionHost(cs, prefix, casino.Clock);
        // Intelligence is not running: the change waits in the durable feed.
        await ingestion.PostAsync($$$"""{"specversion":"1.0","id":"r-1","source":"/pam","type":"player.registered","time":"{{{casino.Now()}}}","subject":"p-late","data":{"country":"MT","currency":"EUR"}}""");
        await using var redis = await ConnectionMultiplexer.ConnectAsync(cs);
        var keys = new StoreKeys(prefix);
        Assert.NotNull(await redis.GetDatabase().SortedSetScoreAsync(keys.RescorePending, "p-late"));

        await using var app = new IntelligenceApp(cs, prefix, clock: casino.Clock);
        _ = app.Services; // start the host and its workers
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!(await redis.GetDatabase().HashExistsAsync(keys.Scores("p-late"), "json")))
        {
            Assert.True(DateTime.UtcNow < deadline, "the waiting change was not scored within 15 s of start-up");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
        Assert.Null(await redis.GetDatabase().SortedSetScoreAsync(keys.RescorePending, "p-late"));
        Assert.Equal(0, await redis.GetDatabase().SortedSetLengthAsync(keys.RescoreClaimed));
        var json = (string)(await redis.GetDatabase().HashGetAsync(keys.Scores("p-late"), "json"))!;
        var scores = JsonSerializer.Deserialize<PlayerScores>(json, Json)!;
        // No consent yet: never marketed to.
        Assert.Equal(["no_marketing_consent"], scores.Marketing.Reasons);
    }

    private static async Task<PlayerScores> UntilScoredAfterAsync(HttpClient client, string id, DateTimeOffset after)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var s = await client.GetFromJsonAsync<PlayerScores>($"/v1/players/{id}/scores", Json);
            if (s!.ScoredAt > after) return s;
            Assert.True(DateTime.UtcNow < deadline, "not rescored within 10 s");
            await Task.Delay(20);
        }
    }
}
