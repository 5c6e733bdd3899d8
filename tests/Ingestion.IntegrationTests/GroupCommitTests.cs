using System.Net;
using System.Text;
using System.Text.Json;
using Ingestion.Profiles;
using Microsoft.Extensions.DependencyInjection;
using Shared.Store;
using StackExchange.Redis;
using TestSupport;

namespace Ingestion.IntegrationTests;

/// <summary>
/// The writer's group commit (<c>Ingestion:FoldsInFlight</c>): requests that arrive while the store is busy with a round
/// are applied together in the next one, each answered with its own outcomes; a round the store refuses fails every
/// request in it, none acknowledged, and their resends count once. The store's writes are paused (CLIENT PAUSE WRITE)
/// to hold the first round while the others arrive.
/// </summary>
public sealed class GroupCommitTests
{
    private static readonly DateTimeOffset T = new(2026, 11, 2, 12, 0, 0, TimeSpan.Zero);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static StringContent Bet(string id, string player, decimal amount = 2) =>
        new(new GenEvent("wallet.bet", id, player, T, Tx: "tx-" + id, Game: "g", Amount: amount).ToJson(), Encoding.UTF8, "application/cloudevents+json");

    private static async Task<JsonElement> BodyAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.Clone();

    private static IngestionApp App(RedisServer redis) => new(redis.ConnectionString, new Dictionary<string, string?> { ["Ingestion:FoldsInFlight"] = "1" })
    {
        Clock = new Shared.ServiceDefaults.AsOfClock(T.AddHours(1)),
    };

    [Fact]
    public async Task RequestsArrivingWhileARoundIsWithTheStore_AreAppliedTogetherInTheNext_EachWithItsOwnOutcomes()
    {
        await using var redis = await RedisServer.StartAsync();
        using var admin = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString + ",allowAdmin=true");
        await using var app = App(redis);
        using var client = app.ClientWithKey(IngestionApp.WalletKey);
        var writer = app.Services.GetRequiredService<ProfileWriter>();
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync(new Uri("/v1/events", UriKind.Relative), Bet("warm", "p-a"), Ct)).StatusCode);
        var before = writer.Flushes;

        await admin.GetServers()[0].ExecuteAsync("CLIENT", "PAUSE", "20000", "WRITE");
        var first = client.PostAsync(new Uri("/v1/events", UriKind.Relative), Bet("first", "p-a"), Ct);
        await Eventually.UntilAsync(() => Task.FromResult(writer.Flushes == before + 1), TimeSpan.FromSeconds(10), "the first round with the store");
        // Three players, one of them twice, and a resend of the warm-up bet (a duplicate) among them.
        var others = new[] { Bet("b", "p-b", 3), Bet("c", "p-c", 4), Bet("a2", "p-a", 5), Bet("warm", "p-a") }
            .Select(b => client.PostAsync(new Uri("/v1/events", UriKind.Relative), b, Ct)).ToList();
        await Eventually.UntilAsync(() => Task.FromResult(writer.Queued == 4), TimeSpan.FromSeconds(10), "the four requests waiting for the next round");
        await admin.GetServers()[0].ExecuteAsync("CLIENT", "UNPAUSE");

        Assert.Equal(HttpStatusCode.OK, (await first).StatusCode);
        var answers = new List<JsonElement>();
        foreach (var o in others)
        {
            using var answer = await o;
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            answers.Add(await BodyAsync(answer));
        }
        Assert.Equal(before + 2, writer.Flushes);
        Assert.Equal([1, 1, 1, 0], answers.Select(a => a.GetProperty("accepted").GetInt32()));
        Assert.Equal([0, 0, 0, 1], answers.Select(a => a.GetProperty("duplicates").GetInt32()));

        var reader = new ProfileReader(admin, app.Keys, new Microsoft.Extensions.Time.Testing.FakeTimeProvider(T.AddHours(1)));
        Assert.Equal(9m, (await reader.ReadAsync("p-a", _ => null))!.Lifetime.StakeAmount);
        Assert.Equal(3m, (await reader.ReadAsync("p-b", _ => null))!.Lifetime.StakeAmount);
        Assert.Equal(4m, (await reader.ReadAsync("p-c", _ => null))!.Lifetime.StakeAmount);
    }

    [Fact]
    public async Task ARoundTheStoreRefuses_FailsEveryRequestInIt_AndTheirResendsCountOnce()
    {
        await using var redis = await RedisServer.StartAsync();
        using var admin = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString + ",allowAdmin=true");
        await using var app = App(redis);
        using var client = app.ClientWithKey(IngestionApp.WalletKey);
        var writer = app.Services.GetRequiredService<ProfileWriter>();
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync(new Uri("/v1/events", UriKind.Relative), Bet("warm", "p-a"), Ct)).StatusCode);
        var before = writer.Flushes;
        var server = admin.GetServers()[0];

        await server.ExecuteAsync("CLIENT", "PAUSE", "20000", "WRITE");
        var first = client.PostAsync(new Uri("/v1/events", UriKind.Relative), Bet("first", "p-a"), Ct);
        await Eventually.UntilAsync(() => Task.FromResult(writer.Flushes == before + 1), TimeSpan.FromSeconds(10), "the first round with the store");
        var others = new[] { Bet("b", "p-b"), Bet("c", "p-c") }.Select(b => client.PostAsync(new Uri("/v1/events", UriKind.Relative), b, Ct)).ToList();
        await Eventually.UntilAsync(() => Task.FromResult(writer.Queued == 2), TimeSpan.FromSeconds(10), "the two requests waiting for the next round");
        // The store is full: every write is refused (OOM), so both rounds fail.
        await server.ExecuteAsync("CONFIG", "SET", "maxmemory", "1");
        await server.ExecuteAsync("CLIENT", "UNPAUSE");
        foreach (var request in others.Prepend(first))
        {
            using var refused = await request;
            Assert.Equal(HttpStatusCode.InsufficientStorage, refused.StatusCode);
        }
        Assert.Equal(before + 2, writer.Flushes);

        await server.ExecuteAsync("CONFIG", "SET", "maxmemory", "0");
        foreach (var (id, player) in new[] { ("first", "p-a"), ("b", "p-b"), ("c", "p-c") })
        {
            using var resent = await client.PostAsync(new Uri("/v1/events", UriKind.Relative), Bet(id, player), Ct);
            Assert.Equal(1, (await BodyAsync(resent)).GetProperty("accepted").GetInt32());
        }
        var reader = new ProfileReader(admin, app.Keys, new Microsoft.Extensions.Time.Testing.FakeTimeProvider(T.AddHours(1)));
        Assert.Equal(2, (await reader.ReadAsync("p-a", _ => null))!.Lifetime.BetCount);
        Assert.Equal(1, (await reader.ReadAsync("p-b", _ => null))!.Lifetime.BetCount);
    }
}
