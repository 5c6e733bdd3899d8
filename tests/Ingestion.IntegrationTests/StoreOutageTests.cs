using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using TestSupport;

namespace Ingestion.IntegrationTests;

/// <summary>The store gone mid-run: events are answered 503 with Retry-After (a sender backs off and resends), and counted once when it returns.</summary>
public sealed class StoreOutageTests
{
    [Fact]
    public async Task EventsSentWhileTheStoreIsDown_Are503WithRetryAfter_AndTheResendCountsOnce()
    {
        // Persistent: what was applied before the outage is there after it, as on a real store.
        await using var redis = await RedisServer.StartAsync(persistent: true);
        var t = new DateTimeOffset(2026, 11, 2, 12, 0, 0, TimeSpan.Zero);
        await using var app = new IngestionApp(redis.ConnectionString + ",syncTimeout=1000,asyncTimeout=1000,connectTimeout=1000")
        {
            Clock = new Shared.ServiceDefaults.AsOfClock(t.AddMinutes(1)),
        };
        using var client = app.ClientWithKey(IngestionApp.WalletKey);
        var bet = new GenEvent("wallet.bet", "b-1", "p-outage", t, Tx: "tx-outage", Game: "g", Amount: 2).ToJson();
        StringContent Body() => new(bet, Encoding.UTF8, "application/cloudevents+json");
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync(new Uri("/v1/events", UriKind.Relative), Body(), TestContext.Current.CancellationToken)).StatusCode);

        await redis.StopAsync();
        var refused = await client.PostAsync(new Uri("/v1/events", UriKind.Relative), Body(), TestContext.Current.CancellationToken);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), refused.Headers.RetryAfter?.Delta);
        Assert.Equal("The events were not acknowledged", problem.GetProperty("title").GetString());
        // Every 503 carries Retry-After, the readiness check's too (RetryAfter.UseRetryAfterOnRefusals).
        var notReady = await client.GetAsync(new Uri("/health/ready", UriKind.Relative), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, notReady.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), notReady.Headers.RetryAfter?.Delta);

        await redis.RestartAsync();
        HttpResponseMessage resent;
        var waited = System.Diagnostics.Stopwatch.StartNew();
        do
        {
            resent = await client.PostAsync(new Uri("/v1/events", UriKind.Relative), Body(), TestContext.Current.CancellationToken);
            if (resent.StatusCode == HttpStatusCode.OK) break;
            await Task.Delay(200, TestContext.Current.CancellationToken);
        }
        while (waited.Elapsed < TimeSpan.FromSeconds(30));
        var result = (await resent.Content.ReadFromJsonAsync<Shared.Contracts.IngestResult>(TestContext.Current.CancellationToken))!;
        // The bet was applied before the outage: the resend is a duplicate, not a second bet.
        Assert.Equal((0, 1), (result.Accepted, result.Duplicates));
    }
}
