using System.Text.Json;
using Intelligence.Tests.Support;
using StackExchange.Redis;
using TestSupport;

namespace Intelligence.Tests.Webhooks;

/// <summary>Live rescoring that moves a player's band sends the CRM a signed webhook; never for a player who may not be marketed to.</summary>
public sealed class BandChangeWebhookTests(SimulatedCasino casino)
{
    private static readonly string[] ChurnEvents = ["churn.band.changed"];

    [Fact]
    public async Task ABandChangeOnRescoring_IsDelivered_ButNotForASelfExcludedPlayer()
    {
        await casino.EnsureTrainedAsync();
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = casino.Intelligence(new Dictionary<string, string?> { ["Webhooks:PollInterval"] = "00:00:00.020" });
        using var admin = app.ClientWithKey(IntelligenceApp.AdminKey);
        var registered = await admin.PostAsync("/v1/webhooks", new StringContent(
            JsonSerializer.Serialize(new { url = receiver.Url, events = ChurnEvents, secret = WebhookTestHost.Secret }), System.Text.Encoding.UTF8, "application/json"),
            TestContext.Current.CancellationToken);
        registered.EnsureSuccessStatusCode();

        await using var redis = await ConnectionMultiplexer.ConnectAsync(casino.ConnectionString);
        var db = redis.GetDatabase();
        var ids = (await db.SetMembersAsync(casino.Keys.Players)).Select(v => v.ToString()).Order(StringComparer.Ordinal).Skip(100).Take(2).ToArray();
        var (marketable, excluded) = (ids[0], ids[1]);
        var now = casino.Clock.GetUtcNow();
        await casino.Ingestion.PostAsync($$$"""{"specversion":"1.0","id":"{{{Guid.NewGuid()}}}","source":"/test","type":"player.rg","time":"{{{now:O}}}","subject":"{{{excluded}}}","data":{"kind":"self_exclusion","until":"{{{now.AddDays(30):O}}}"}}""");
        await Poll.UntilAsync(async () => (await db.HashGetAsync(casino.Keys.Scores(excluded), "json")).ToString().Contains("self_excluded", StringComparison.Ordinal), "the self-exclusion scored");

        // Both players' stored band says something the model will not say now: their next rescoring is a band change.
        foreach (var id in ids) await db.HashSetAsync(casino.Keys.Scores(id), "cb", "was-elsewhere");
        foreach (var id in ids)
        {
            await casino.Ingestion.PostAsync($$$"""{"specversion":"1.0","id":"{{{Guid.NewGuid()}}}","source":"/test","type":"player.consent","time":"{{{casino.Now()}}}","subject":"{{{id}}}","data":{"channel":"email","granted":true}}""");
        }
        await receiver.WaitForRequestsAsync(1);
        await Task.Delay(1000, TestContext.Current.CancellationToken);

        var request = Assert.Single(receiver.Requests);
        using var body = JsonDocument.Parse(request.Body);
        Assert.Equal("churn.band.changed", body.RootElement.GetProperty("type").GetString());
        Assert.Equal(marketable, body.RootElement.GetProperty("playerId").GetString());
        Assert.Equal("was-elsewhere", body.RootElement.GetProperty("data").GetProperty("from").GetString());
        var to = (await db.HashGetAsync(casino.Keys.Scores(marketable), "cb")).ToString();
        Assert.Equal(to, body.RootElement.GetProperty("data").GetProperty("to").GetString());
        // The CRM is told what made the score: the served model's or rule's version.
        var scored = JsonSerializer.Deserialize((await db.HashGetAsync(casino.Keys.Scores(marketable), "json")).ToString(), Shared.Contracts.ContractsJsonContext.Default.PlayerScores)!;
        Assert.Equal(scored.Churn!.Source, body.RootElement.GetProperty("data").GetProperty("source").GetString());
        Assert.Equal(scored.Churn.Version, body.RootElement.GetProperty("data").GetProperty("version").GetString());
        Assert.Equal("sha256=" + Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(
            System.Text.Encoding.UTF8.GetBytes(WebhookTestHost.Secret), request.RawBody)), request.Header("X-Signature"));
    }
}
