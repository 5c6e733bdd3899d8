using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using TestSupport;

namespace Ingestion.IntegrationTests;

/// <summary>
/// The store at its memory limit (<c>maxmemory</c>, <c>noeviction</c>): events are answered 507 with a reason and
/// <c>Retry-After</c>, nothing is acknowledged or half-written, health and metrics say so, and the resend once memory
/// is freed counts every event exactly once.
/// </summary>
public sealed class StoreFullTests
{
    private static readonly DateTimeOffset T = new(2026, 11, 2, 12, 0, 0, TimeSpan.Zero);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Bet(string id, string player, int minute) =>
        new GenEvent("wallet.bet", id, player, T.AddMinutes(minute), Tx: "tx-" + id, Game: "g", Amount: 2).ToJson();

    /// <summary>
    /// Sets the limit well below what the server holds, so every write is refused. (A limit just reached is not a
    /// steady state: the refused write's own buffer is freed after it, and the next command may pass.)
    /// </summary>
    private static async Task FillAsync(ConnectionMultiplexer admin)
    {
        var server = admin.GetServers()[0];
        var used = long.Parse(server.Info("memory").SelectMany(g => g).First(p => p.Key == "used_memory").Value, CultureInfo.InvariantCulture);
        await server.ConfigSetAsync("maxmemory-policy", "noeviction");
        await server.ConfigSetAsync("maxmemory", (used / 2).ToString(CultureInfo.InvariantCulture));
        var refused = await Assert.ThrowsAsync<RedisServerException>(() => admin.GetDatabase().StringSetAsync("filler", "x"));
        Assert.Contains("OOM", refused.Message, StringComparison.Ordinal);
    }

    private static async Task<Dictionary<string, string>> DumpAsync(ConnectionMultiplexer admin, string prefix)
    {
        var server = admin.GetServers()[0];
        var db = admin.GetDatabase();
        var dump = new Dictionary<string, string>(StringComparer.Ordinal);
        await foreach (var key in server.KeysAsync(pattern: prefix + "*"))
        {
            var bytes = (byte[]?)await db.KeyDumpAsync(key);
            dump[key!] = bytes is null ? "" : Convert.ToHexString(bytes);
        }
        return dump;
    }

    [Fact]
    public async Task EventsSentToAFullStore_Are507WithAReason_NothingIsWritten_AndTheResendCountsEachOnce()
    {
        await using var redis = await RedisServer.StartAsync();
        using var admin = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString + ",allowAdmin=true");
        await using var app = new IngestionApp(redis.ConnectionString) { Clock = new Shared.ServiceDefaults.AsOfClock(T.AddHours(1)) };
        using var client = app.ClientWithKey(IngestionApp.WalletKey);
        StringContent Batch(params string[] events) => new("[" + string.Join(',', events) + "]", Encoding.UTF8, "application/cloudevents-batch+json");
        var first = await client.PostAsync(new Uri("/v1/events", UriKind.Relative), Batch(Bet("b1", "p-full", 0)), Ct);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);

        await FillAsync(admin);
        var before = await DumpAsync(admin, app.Prefix);
        // One event the store already has and two it has not: none may be acknowledged, none half-written.
        var batch = new[] { Bet("b1", "p-full", 0), Bet("b2", "p-full", 1), Bet("b3", "p-other", 2) };
        var refused = await client.PostAsync(new Uri("/v1/events", UriKind.Relative), Batch(batch), Ct);
        Assert.Equal(HttpStatusCode.InsufficientStorage, refused.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(30), refused.Headers.RetryAfter?.Delta);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("The store is full", problem.GetProperty("title").GetString());
        Assert.Contains("maxmemory", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, await DumpAsync(admin, app.Prefix));

        // Health says why, while still answering (reads work); the refusal is counted.
        var ready = await client.GetAsync(new Uri("/health/ready", UriKind.Relative), Ct);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("Degraded", await ready.Content.ReadAsStringAsync(Ct));
        var metrics = await client.GetStringAsync(new Uri("/metrics", UriKind.Relative), Ct);
        Assert.Contains("store_full_refusals", metrics, StringComparison.Ordinal);

        // Any other write meets the same answer through the shared handler, never a bare 500.
        using var ops = app.ClientWithKey(IngestionApp.OpsKey);
        const string Game = """[{"id":"g-full","title":"T","provider":"P","category":"slots","volatility":"low","rtp":96,"minBet":0.1,"maxBet":10,"markets":["*"],"tags":[]}]""";
        var catalogue = await ops.PutAsync(new Uri("/v1/catalog/games", UriKind.Relative), new StringContent(Game, Encoding.UTF8, "application/json"), Ct);
        Assert.Equal(HttpStatusCode.InsufficientStorage, catalogue.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(30), catalogue.Headers.RetryAfter?.Delta);

        // Space freed: the resend counts the two new events once and the old one as a duplicate; a second resend, all duplicates.
        await admin.GetServers()[0].ConfigSetAsync("maxmemory", "0");
        var resent = (await (await client.PostAsync(new Uri("/v1/events", UriKind.Relative), Batch(batch), Ct)).Content.ReadFromJsonAsync<Shared.Contracts.IngestResult>(Ct))!;
        Assert.Equal((2, 1), (resent.Accepted, resent.Duplicates));
        var again = (await (await client.PostAsync(new Uri("/v1/events", UriKind.Relative), Batch(batch), Ct)).Content.ReadFromJsonAsync<Shared.Contracts.IngestResult>(Ct))!;
        Assert.Equal((0, 3), (again.Accepted, again.Duplicates));
        var full = await ExactnessTests.ReadAsync(admin, app.Keys, "p-full", T.AddHours(1));
        var other = await ExactnessTests.ReadAsync(admin, app.Keys, "p-other", T.AddHours(1));
        Assert.Equal((2L, 4m, 1L), (full!.Lifetime.BetCount, full.Lifetime.StakeAmount, other!.Lifetime.BetCount));
    }
}
