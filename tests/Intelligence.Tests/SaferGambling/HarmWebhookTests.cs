using System.Text.Json;
using Intelligence.Tests.Support;
using Intelligence.Tests.Webhooks;
using TestSupport;

namespace Intelligence.Tests.SaferGambling;

/// <summary><c>harm.band_changed</c> reaches the safer-gambling team's webhook even though the player may not be marketed to.</summary>
public sealed class HarmWebhookTests(SimulatedCasino casino, StoreServers servers)
{
    private static readonly string[] Events = ["harm.band_changed"];

    [Fact]
    public async Task AHarmBandChange_IsDelivered_WhileMarketingIsSuppressed()
    {
        var cs = await servers.ConnectionStringAsync("redis");
        var prefix = TestKeys.Prefix("harm-webhook");
        await using var ingestion = new IngestionHost(cs, prefix, casino.Clock);
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = new IntelligenceApp(cs, prefix, new Dictionary<string, string?>
        {
            ["SaferGambling:Elevated"] = "0", ["SaferGambling:High"] = "0", ["Webhooks:PollInterval"] = "00:00:00.020",
        }, casino.Clock);
        using var admin = app.ClientWithKey(IntelligenceApp.AdminKey);
        (await admin.PostAsync("/v1/webhooks", new StringContent(JsonSerializer.Serialize(new { url = receiver.Url, events = Events, secret = WebhookTestHost.Secret }),
            System.Text.Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();

        // The player appears after the webhook exists: live rescoring scores them for the first time, at high.
        await ingestion.PostAsync($$$"""{"specversion":"1.0","id":"r1","source":"/test","type":"player.registered","time":"{{{casino.Now(TimeSpan.FromHours(-1))}}}","subject":"p-w","data":{"country":"MT","currency":"EUR"}}""");
        await receiver.WaitForRequestsAsync(1);

        var request = Assert.Single(receiver.Requests);
        Assert.Contains("harm.band_changed", request.Body, StringComparison.Ordinal);
        using var body = JsonDocument.Parse(request.Body);
        Assert.Equal("p-w", body.RootElement.GetProperty("playerId").GetString());
        Assert.Equal("high", body.RootElement.GetProperty("data").GetProperty("to").GetString());
        Assert.Equal("rule", body.RootElement.GetProperty("data").GetProperty("source").GetString());
    }
}
