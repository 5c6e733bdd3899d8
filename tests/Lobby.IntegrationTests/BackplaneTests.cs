using System.Text.RegularExpressions;
using Lobby.Live;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using Shared.Contracts;
using StackExchange.Redis;
using TestSupport;

namespace Lobby.IntegrationTests;

/// <summary>
/// Scale-out: two lobby processes' worth of hosts on one Redis, and on a Redis Cluster. A push sent on one instance
/// reaches a player connected to the other only through the Redis backplane, and the key prefix keeps two deployments
/// on one Redis apart.
/// </summary>
[Trait("Category", "Slow")]
public sealed partial class BackplaneTests(Backends backends)
{
    private static readonly TimeSpan Arrival = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Quiet = TimeSpan.FromSeconds(2);

    private const string Catalogue = """
        [{"id":"g-bp-starburst","title":"Starburst","provider":"NetEnt","category":"slots","tags":["space"],"rtp":96.1,"volatility":"low","minBet":0.1,"maxBet":100,"jackpot":false,"markets":["*"],"releasedAt":"2012-01-01T00:00:00Z","enabled":true}]
        """;

    [Theory, ClassData(typeof(RedisKinds))]
    public async Task PushSentOnTheOtherInstance_ReachesTheClient_ButNotAcrossDeployments(string store)
    {
        var ct = TestContext.Current.CancellationToken;
        var backend = await backends.OnAsync(store);
        var on = new Dictionary<string, string?> { ["Lobby:Backplane"] = "true" };
        await using var first = backend.StartLobby(on);
        await using var second = backend.StartLobby(on);
        // Another deployment on the same Redis: same hub, same player ids, its own prefix.
        var otherPrefix = TestKeys.Prefix("other-deployment");
        await using var other = backend.StartLobby(new Dictionary<string, string?>(on) { ["Store:KeyPrefix"] = otherPrefix });
        var player = $"p-bp-{Guid.NewGuid():N}"[..20];

        await using var client = await HubClient.ConnectAsync(first, player, ct);
        await client.WaitForAsync(LobbyHub.ConnectedReason, Arrival, ct);

        await SendAsync(other, player, "from-the-other-deployment");
        await SendAsync(second, player, "from-the-second-instance");

        var update = await client.WaitForAsync("from-the-second-instance", Arrival, ct);
        Assert.Equal(player, update.PlayerId);
        await Task.Delay(Quiet, ct);
        Assert.DoesNotContain(client.Received, u => u.Reason == "from-the-other-deployment");

        // What keeps them apart: each deployment's hub channels carry its own prefix. On a cluster each node lists the
        // channels subscribed on it.
        await using var redis = await ConnectionMultiplexer.ConnectAsync(backend.Redis);
        var channels = new List<string>();
        foreach (var server in redis.GetServers())
        {
            channels.AddRange(((RedisResult[])(await server.ExecuteAsync("PUBSUB", "CHANNELS", "*"))!)
                .Select(c => c.ToString()).Where(c => c.Contains(nameof(LobbyHub), StringComparison.Ordinal)));
        }
        Assert.Contains(channels, c => c.StartsWith($"{backend.Prefix}signalr:", StringComparison.Ordinal));
        Assert.Contains(channels, c => c.StartsWith($"{otherPrefix}signalr:", StringComparison.Ordinal));
        // Other tests' lobbies on the same store (each with a test prefix of its own) may be subscribed too: every test
        // deployment's channels carry a whole prefix, none a bare or another's part of one.
        Assert.All(channels, c => Assert.True(!c.StartsWith("t:", StringComparison.Ordinal) || TestDeploymentChannel().IsMatch(c), c));
    }

    [Theory, ClassData(typeof(RedisKinds))]
    public async Task ARealBet_IsPushedToThePlayer_ConnectedToEitherInstance(string store)
    {
        var ct = TestContext.Current.CancellationToken;
        var backend = await backends.OnAsync(store);
        using (var ingestion = Backend.Client(backend.IngestionUrl))
        {
            (await ingestion.PutAsync("/v1/catalog/games", new StringContent(Catalogue, System.Text.Encoding.UTF8, "application/json"), ct)).EnsureSuccessStatusCode();
        }
        var on = new Dictionary<string, string?> { ["Lobby:Backplane"] = "true" };
        await using var first = backend.StartLobby(on);
        await using var second = backend.StartLobby(on);
        var suffix = Guid.NewGuid().ToString("N")[..8];
        string a = $"p-bp-a-{suffix}", b = $"p-bp-b-{suffix}";
        await using var onFirst = await HubClient.ConnectAsync(first, a, ct);
        await using var onSecond = await HubClient.ConnectAsync(second, b, ct);
        await onFirst.WaitForAsync(LobbyHub.ConnectedReason, Arrival, ct);
        await onSecond.WaitForAsync(LobbyHub.ConnectedReason, Arrival, ct);

        using var ingestionClient = Backend.Client(backend.IngestionUrl);
        foreach (var player in new[] { a, b })
        {
            var bet = $$$"""{"specversion":"1.0","id":"bp-{{{player}}}","source":"/wallet","type":"wallet.bet","subject":"{{{player}}}","data":{"transactionId":"tx-{{{player}}}","roundId":"r-1","gameId":"g-bp-starburst","amount":1.5,"currency":"EUR"}}""";
            (await ingestionClient.PostAsync("/v1/events", new StringContent(bet, System.Text.Encoding.UTF8, "application/cloudevents+json"), ct)).EnsureSuccessStatusCode();
        }

        Assert.Equal(a, (await onFirst.WaitForAsync("wallet.bet", Arrival, ct)).PlayerId);
        Assert.Equal(b, (await onSecond.WaitForAsync("wallet.bet", Arrival, ct)).PlayerId);
        Assert.All(onFirst.Received, u => Assert.Equal(a, u.PlayerId));
        Assert.All(onSecond.Received, u => Assert.Equal(b, u.PlayerId));
    }

    [Fact]
    public async Task WithTheBackplaneOff_APushSentOnTheOtherInstance_NeverArrives()
    {
        var ct = TestContext.Current.CancellationToken;
        var backend = await backends.OnAsync(StoreKinds.Redis);
        var off = new Dictionary<string, string?> { ["Lobby:Backplane"] = "false" };
        await using var first = backend.StartLobby(off);
        await using var second = backend.StartLobby(off);
        var player = $"p-bp-{Guid.NewGuid():N}"[..20];

        await using var client = await HubClient.ConnectAsync(first, player, ct);
        await client.WaitForAsync(LobbyHub.ConnectedReason, Arrival, ct);

        await SendAsync(second, player, "from-the-second-instance");
        await Task.Delay(Quiet, ct);
        // The connection is live: the instance it is connected to still reaches it.
        await SendAsync(first, player, "from-the-first-instance");
        await client.WaitForAsync("from-the-first-instance", Arrival, ct);

        Assert.DoesNotContain(client.Received, u => u.Reason == "from-the-second-instance");
    }

    private static Task SendAsync(LobbyInstance lobby, string player, string reason) =>
        lobby.Services.GetRequiredService<IHubContext<LobbyHub, ILobbyClient>>().Clients.User(player)
            .LobbyUpdated(new LobbyUpdated(player, [], reason, DateTimeOffset.UtcNow));

    /// <summary>A hub channel of a test deployment: its whole prefix (<c>t:{name}:{hex}:</c>) and then <c>signalr:</c>.</summary>
    [GeneratedRegex("^t:[^:]+:[0-9a-f]{8}:signalr:")]
    private static partial Regex TestDeploymentChannel();
}
