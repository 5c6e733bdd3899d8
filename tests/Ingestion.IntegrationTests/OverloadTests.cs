using System.Net;
using System.Text;
using System.Text.Json;
using Ingestion.Events;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using TestSupport;

namespace Ingestion.IntegrationTests;

/// <summary>
/// <c>Ingestion:MaxRequestsInFlight</c> crossed, with the store holding the first request (its writes paused): a request
/// past the places waits in the queue and is applied once a place frees; past <c>Ingestion:MaxRequestsQueued</c>, or
/// after <c>Ingestion:MaxQueueWait</c> without a place, it is refused at the door with <c>429</c> and
/// <c>Retry-After</c>, acknowledges nothing, and its resend counts its event once.
/// </summary>
public sealed class OverloadTests
{
    private static readonly DateTimeOffset T = new(2026, 11, 2, 12, 0, 0, TimeSpan.Zero);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static StringContent Bet(string id) =>
        new(new GenEvent("wallet.bet", id, "p-overload", T, Tx: "tx-" + id, Game: "g", Amount: 2).ToJson(), Encoding.UTF8, "application/cloudevents+json");

    private static async Task<JsonElement> BodyAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.Clone();

    [Fact]
    public async Task ARequestPastTheLimit_Is429WithRetryAfter_AcknowledgesNothing_AndItsResendCountsOnce()
    {
        await using var redis = await RedisServer.StartAsync();
        using var admin = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString + ",allowAdmin=true");
        await using var app = new IngestionApp(redis.ConnectionString, new Dictionary<string, string?>
        {
            ["Ingestion:MaxRequestsInFlight"] = "1",
            ["Ingestion:MaxRequestsQueued"] = "0",
        })
        {
            Clock = new Shared.ServiceDefaults.AsOfClock(T.AddHours(1)),
        };
        using var client = app.ClientWithKey(IngestionApp.WalletKey);
        var admission = app.Services.GetRequiredService<IngestAdmission>();
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync(new Uri("/v1/events", UriKind.Relative), Bet("warm"), Ct)).StatusCode);

        // The store holds writes for a while: the first request waits inside, holding the only place.
        await admin.GetServers()[0].ExecuteAsync("CLIENT", "PAUSE", "10000", "WRITE");
        var first = client.PostAsync(new Uri("/v1/events", UriKind.Relative), Bet("first"), Ct);
        await Eventually.UntilAsync(() => Task.FromResult(admission.InFlight == 1), TimeSpan.FromSeconds(10), "the first request inside");

        using var refused = await client.PostAsync(new Uri("/v1/events", UriKind.Relative), Bet("second"), Ct);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), refused.Headers.RetryAfter?.Delta);
        Assert.Contains("Ingestion:MaxRequestsInFlight", (await BodyAsync(refused)).GetProperty("detail").GetString(), StringComparison.Ordinal);

        await admin.GetServers()[0].ExecuteAsync("CLIENT", "UNPAUSE");
        using var firstAnswer = await first;
        Assert.Equal(HttpStatusCode.OK, firstAnswer.StatusCode);
        Assert.Equal(0, admission.InFlight);

        // Refused means not applied: the resend is accepted, not a duplicate.
        using var resent = await client.PostAsync(new Uri("/v1/events", UriKind.Relative), Bet("second"), Ct);
        Assert.Equal(HttpStatusCode.OK, resent.StatusCode);
        var result = await BodyAsync(resent);
        Assert.Equal(1, result.GetProperty("accepted").GetInt32());
        Assert.Equal(0, result.GetProperty("duplicates").GetInt32());
    }

    [Fact]
    public async Task ARequestPastThePlaces_WaitsInTheQueue_AndIsApplied_WhileOnePastTheQueueIsRefusedAtOnce()
    {
        await using var redis = await RedisServer.StartAsync();
        using var admin = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString + ",allowAdmin=true");
        await using var app = new IngestionApp(redis.ConnectionString, new Dictionary<string, string?>
        {
            ["Ingestion:MaxRequestsInFlight"] = "1",
            ["Ingestion:MaxRequestsQueued"] = "1",
            ["Ingestion:MaxQueueWait"] = "00:00:30",
        })
        {
            Clock = new Shared.ServiceDefaults.AsOfClock(T.AddHours(1)),
        };
        using var client = app.ClientWithKey(IngestionApp.WalletKey);
        var admission = app.Services.GetRequiredService<IngestAdmission>();
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync(new Uri("/v1/events", UriKind.Relative), Bet("warm"), Ct)).StatusCode);

        await admin.GetServers()[0].ExecuteAsync("CLIENT", "PAUSE", "20000", "WRITE");
        var first = client.PostAsync(new Uri("/v1/events", UriKind.Relative), Bet("first"), Ct);
        await Eventually.UntilAsync(() => Task.FromResult(admission.InFlight == 1), TimeSpan.FromSeconds(10), "the first request inside");
        var second = client.PostAsync(new Uri("/v1/events", UriKind.Relative), Bet("second"), Ct);
        await Eventually.UntilAsync(() => Task.FromResult(admission.Waiting == 1), TimeSpan.FromSeconds(10), "the second request waiting");

        // The queue's one place is taken: the third is refused without waiting.
        using var refused = await client.PostAsync(new Uri("/v1/events", UriKind.Relative), Bet("third"), Ct);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), refused.Headers.RetryAfter?.Delta);
        Assert.Contains("Ingestion:MaxRequestsQueued", (await BodyAsync(refused)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.False(second.IsCompleted, "the waiting request is not answered while it waits");

        await admin.GetServers()[0].ExecuteAsync("CLIENT", "UNPAUSE");
        using var firstAnswer = await first;
        using var secondAnswer = await second;
        Assert.Equal(HttpStatusCode.OK, firstAnswer.StatusCode);
        Assert.Equal(HttpStatusCode.OK, secondAnswer.StatusCode);
        Assert.Equal(1, (await BodyAsync(secondAnswer)).GetProperty("accepted").GetInt32());
        Assert.Equal((0, 0), (admission.InFlight, admission.Waiting));

        using var resent = await client.PostAsync(new Uri("/v1/events", UriKind.Relative), Bet("third"), Ct);
        Assert.Equal(1, (await BodyAsync(resent)).GetProperty("accepted").GetInt32());
    }

    [Fact]
    public async Task ARequestThatWaitsLongerThanMaxQueueWait_Is429_AndAcknowledgesNothing()
    {
        await using var redis = await RedisServer.StartAsync();
        using var admin = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString + ",allowAdmin=true");
        await using var app = new IngestionApp(redis.ConnectionString, new Dictionary<string, string?>
        {
            ["Ingestion:MaxRequestsInFlight"] = "1",
            ["Ingestion:MaxQueueWait"] = "00:00:00.300",
        })
        {
            Clock = new Shared.ServiceDefaults.AsOfClock(T.AddHours(1)),
        };
        using var client = app.ClientWithKey(IngestionApp.WalletKey);
        var admission = app.Services.GetRequiredService<IngestAdmission>();
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync(new Uri("/v1/events", UriKind.Relative), Bet("warm"), Ct)).StatusCode);

        await admin.GetServers()[0].ExecuteAsync("CLIENT", "PAUSE", "10000", "WRITE");
        var first = client.PostAsync(new Uri("/v1/events", UriKind.Relative), Bet("first"), Ct);
        await Eventually.UntilAsync(() => Task.FromResult(admission.InFlight == 1), TimeSpan.FromSeconds(10), "the first request inside");

        var waited = System.Diagnostics.Stopwatch.StartNew();
        using var refused = await client.PostAsync(new Uri("/v1/events", UriKind.Relative), Bet("second"), Ct);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.True(waited.Elapsed >= TimeSpan.FromMilliseconds(290), $"refused after {waited.Elapsed.TotalMilliseconds:0} ms, before its wait ran out");
        Assert.Contains("Ingestion:MaxQueueWait", (await BodyAsync(refused)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, admission.Waiting);

        await admin.GetServers()[0].ExecuteAsync("CLIENT", "UNPAUSE");
        using var firstAnswer = await first;
        Assert.Equal(HttpStatusCode.OK, firstAnswer.StatusCode);
        using var resent = await client.PostAsync(new Uri("/v1/events", UriKind.Relative), Bet("second"), Ct);
        var result = await BodyAsync(resent);
        Assert.Equal(1, result.GetProperty("accepted").GetInt32());
        Assert.Equal(0, result.GetProperty("duplicates").GetInt32());
    }
}
