using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Intelligence.Tests.Webhooks;
using TestSupport;

namespace Intelligence.Tests.Models;

/// <summary>Training through the API: a job to poll, one run at a time, and clear refusals.</summary>
public sealed class ModelsApiTests(StoreServers servers)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly string[] ChurnAndSegments = ["churn", "segments"];
    private static readonly string[] WithUnknownKind = ["churn", "ltv"];
    private static readonly string[] RecommendationsOnly = ["recommendations"];

    [Theory, ClassData(typeof(RedisKinds))]
    public async Task Train_StartsAJobThatReportsEachKind_AndASecondRunWaitsItsTurn(string store)
    {
        await using var app = new IntelligenceApp(await servers.ConnectionStringAsync(store));
        using var admin = app.ClientWithKey(IntelligenceApp.AdminKey);
        var ct = TestContext.Current.CancellationToken;

        // Another instance's run holds the lock: this one is told which job runs.
        await app.Db.StringSetAsync(app.Keys.TrainingLock, "job-elsewhere");
        var busy = await admin.PostAsJsonAsync("/v1/models/train", new { }, ct);
        Assert.Equal(HttpStatusCode.Conflict, busy.StatusCode);
        Assert.Equal("job-elsewhere", (await busy.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("jobId").GetString());
        await app.Db.KeyDeleteAsync(app.Keys.TrainingLock);

        var started = await admin.PostAsJsonAsync("/v1/models/train", new { kinds = ChurnAndSegments }, ct);
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var jobId = (await started.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("jobId").GetString()!;
        Assert.Equal($"/v1/models/jobs/{jobId}", started.Headers.Location!.OriginalString);

        JsonElement job;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        do
        {
            await Task.Delay(50, ct);
            job = await admin.GetFromJsonAsync<JsonElement>($"/v1/models/jobs/{jobId}", Json, ct);
        } while (job.GetProperty("status").GetString() == "running" && DateTime.UtcNow < deadline);

        Assert.Equal("succeeded", job.GetProperty("status").GetString());
        var results = job.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(["churn", "segments"], results.Select(r => r.GetProperty("kind").GetString()));
        // An empty store has nothing to learn from: each kind says so rather than serving a model of nothing.
        Assert.All(results, r => Assert.StartsWith("not trained: too", r.GetProperty("decision").GetString(), StringComparison.Ordinal));
        Assert.False(await app.Db.KeyExistsAsync(app.Keys.TrainingLock));
    }

    [Theory, ClassData(typeof(RedisKinds))]
    public async Task Train_CanRetrainTheRecommender_AndModelsListsItsServedVersion(string store)
    {
        await using var app = new IntelligenceApp(await servers.ConnectionStringAsync(store), extra: new Dictionary<string, string?> { ["Recommendations:TrainOnStart"] = "false" });
        using var admin = app.ClientWithKey(IntelligenceApp.AdminKey);
        var ct = TestContext.Current.CancellationToken;
        var started = await admin.PostAsJsonAsync("/v1/models/train", new { kinds = RecommendationsOnly }, ct);
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var jobId = (await started.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("jobId").GetString()!;
        JsonElement job;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        do
        {
            await Task.Delay(50, ct);
            job = await admin.GetFromJsonAsync<JsonElement>($"/v1/models/jobs/{jobId}", Json, ct);
        } while (job.GetProperty("status").GetString() == "running" && DateTime.UtcNow < deadline);
        Assert.Equal("succeeded", job.GetProperty("status").GetString());
        var result = Assert.Single(job.GetProperty("results").EnumerateArray());
        Assert.Equal("recommendations", result.GetProperty("kind").GetString());
        var version = result.GetProperty("version").GetString();

        await Poll.UntilAsync(async () =>
        {
            using var doc = JsonDocument.Parse(await admin.GetStringAsync("/v1/models", ct));
            return doc.RootElement.GetProperty("models").EnumerateArray().Single(m => m.GetProperty("kind").GetString() == "recommendations")
                .GetProperty("current").GetString() == version;
        }, "GET /v1/models shows the retrained recommender");
    }

    [Fact]
    public async Task Train_RefusesAnUnknownKind_AndAnUnknownJobIs404()
    {
        await using var app = new IntelligenceApp((await servers.RedisAsync()).ConnectionString);
        using var admin = app.ClientWithKey(IntelligenceApp.AdminKey);
        var ct = TestContext.Current.CancellationToken;
        var bad = await admin.PostAsJsonAsync("/v1/models/train", new { kinds = WithUnknownKind }, ct);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("kinds[1]", await bad.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync("/v1/models/jobs/job-nope", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await admin.PostAsync("/v1/models/churn/rollback", null, ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PostAsync("/v1/models/ltv/rollback", null, ct)).StatusCode);
    }
}
