using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using Lobby.Live;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using TestSupport;

namespace Lobby.IntegrationTests;

/// <summary>
/// Redis stopped and started again under the lobby feed (the loop that turns profile, membership and placement changes
/// into pushes), as Intelligence's loops are tested (<c>Intelligence.Tests.Faults.StoreOutageTests</c>): the lobby stays
/// up, says it is not ready while the store is away, counts the lost connection, and pushes again by itself.
/// </summary>
public sealed class LobbyFeedRestartTests
{
    [Fact]
    public async Task TheFeed_RidesOutTheStoreStoppedAndRestarted_AndPushesTheNextBet()
    {
        var ct = TestContext.Current.CancellationToken;
        // A backend of its own: the test stops its Redis under Ingestion, Intelligence and the lobby.
        await using var backend = new Backend(StoreKinds.Redis);
        await backend.InitializeAsync();
        var redis = backend.Server!;
        await using var lobby = backend.StartLobby(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Redis"] = backend.Redis + ",connectTimeout=1000,syncTimeout=1000,asyncTimeout=1000",
        });
        var feed = lobby.Services.GetServices<IHostedService>().OfType<LobbyFeed>().Single();
        var factory = lobby.Services.GetRequiredService<IMeterFactory>();
        long interruptions = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == "lobby.feed.interruptions" && instrument.Meter.Scope == factory) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, v, _, _) => Interlocked.Add(ref interruptions, v));
        listener.Start();
        using var http = new HttpClient { BaseAddress = lobby.Url };
        async Task<HttpStatusCode> ReadyAsync() => (await http.GetAsync(new Uri("/health/ready", UriKind.Relative), ct)).StatusCode;
        var lifetime = lobby.Services.GetRequiredService<IHostApplicationLifetime>();
        var player = $"p-feed-{Guid.NewGuid():N}"[..20];
        await using var client = await HubClient.ConnectAsync(lobby, player, ct);
        await client.WaitForAsync(LobbyHub.ConnectedReason, TimeSpan.FromSeconds(30), ct);
        await Eventually.UntilAsync(async () => await ReadyAsync() == HttpStatusCode.OK, TimeSpan.FromSeconds(30), "ready");

        await redis.StopAsync(ct);
        await Eventually.UntilAsync(async () => await ReadyAsync() == HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(30), "not ready while the store is away");
        await Eventually.UntilAsync(() => Task.FromResult(feed.Interrupted && Interlocked.Read(ref interruptions) > 0), TimeSpan.FromSeconds(30), "the lost connection told and counted");

        await redis.RestartAsync(ct);
        await Eventually.UntilAsync(async () => await ReadyAsync() == HttpStatusCode.OK && !feed.Interrupted, TimeSpan.FromSeconds(60), "ready again, the feed listening");
        // A bet now reaches the player's open connection: the feed subscribed again by itself. Bets are sent until one is
        // pushed, since Ingestion may still be reconnecting and a change made before the feed listened again is not pushed.
        using var ingestion = Backend.Client(backend.IngestionUrl);
        var pushed = Stopwatch.StartNew();
        for (var i = 0; !client.Received.Any(u => u.Reason == "wallet.bet"); i++)
        {
            Assert.True(pushed.Elapsed < TimeSpan.FromSeconds(60), $"no bet pushed within a minute of the store's return; received: {string.Join(", ", client.Received.Select(u => u.Reason))}");
            var bet = $$$"""{"specversion":"1.0","id":"feed-{{{i}}}","source":"/wallet","type":"wallet.bet","subject":"{{{player}}}","data":{"transactionId":"tx-feed-{{{i}}}","roundId":"r-1","gameId":"g-1","amount":1.5,"currency":"EUR"}}""";
            try
            {
                await ingestion.PostAsync(new Uri("/v1/events", UriKind.Relative), new StringContent(bet, System.Text.Encoding.UTF8, "application/cloudevents+json"), ct);
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(500, ct);
        }
        Assert.Equal(player, client.Received.First(u => u.Reason == "wallet.bet").PlayerId);
        Assert.True(feed.ExecuteTask is { IsCompleted: false }, "the feed's loop still runs");
        Assert.False(lifetime.ApplicationStopping.IsCancellationRequested, "the lobby was stopped by its feed");
    }
}
