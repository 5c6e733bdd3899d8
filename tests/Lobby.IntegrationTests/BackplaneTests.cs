using Lobby.Live;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using Shared.Contracts;
using StackExchange.Redis;
using TestSupport;

namespace Lobby.IntegrationTests;

/// <summary>
/// Scale-out: two lobby processes' worth of hosts on one Redis. A push sent on one instance reaches a player connected
/// to the other only through the Redis backplane, and the key prefix keeps two deployments on one Redis apart.
/// </summary>
[Trait("Category", "Slow")]
public sealed class BackplaneTests(Backend backend)
{
    private static readonly TimeSpan Arrival = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Quiet = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task PushSentOnTheOtherInstance_ReachesTheClient_ButNotAcrossDeployments()
    {
        var ct = TestContext.Current.CancellationToken;
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

        // What keeps them apart: each deployment's hub channels carry its own prefix.
        await using var redis = await ConnectionMultiplexer.ConnectAsync(backend.Redis);
        var channels = ((RedisResult[])(await redis.GetServers()[0].ExecuteAsync("PUBSUB", "CHANNELS", "*"))!)
            .Select(c => c.ToString()).Where(c => c.Contains(nameof(LobbyHub), StringComparison.Ordinal)).ToList();
        Assert.Contains(channels, c => c.StartsWith($"{backend.Prefix}signalr:", StringComparison.Ordinal));
        Assert.Contains(channels, c => c.StartsWith($"{otherPrefix}signalr:", StringComparison.Ordinal));
        Assert.All(channels, c => Assert.True(
            c.StartsWith($"{backend.Prefix}signalr:", StringComparison.Ordinal) || c.StartsWith($"{otherPrefix}signalr:", StringComparison.Ordinal) ||
            !c.StartsWith("t:", StringComparison.Ordinal), c));
    }

    [Fact]
    public async Task WithTheBackplaneOff_APushSentOnTheOtherInstance_NeverArrives()
    {
        var ct = TestContext.Current.CancellationToken;
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
}
