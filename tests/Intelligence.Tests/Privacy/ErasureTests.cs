using System.Net;
using System.Net.Http.Json;
using System.Text;
using Intelligence.Tests.Support;
using Intelligence.Tests.Webhooks;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using TestSupport;
using static Intelligence.Tests.Segments.SegmentKit;

namespace Intelligence.Tests.Privacy;

/// <summary>
/// An erasure leaves nothing of the player anywhere in the store (every key listed, every value read) but the mark
/// that refuses their later events, and touches no one else.
/// </summary>
public sealed class ErasureTests(StoreServers servers)
{
    private const string Gone = "p-erase-me";
    private const string Stays = "p-stays";
    private static readonly string[] SegmentEvents = ["segment.entered", "segment.exited"];

    /// <summary>Every key under the prefix with everything it holds, as text; the trending de-duplication sets apart.</summary>
    private static async Task<Dictionary<string, string>> DumpAsync(ConnectionMultiplexer redis, string prefix)
    {
        var db = redis.GetDatabase();
        var dump = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var server in redis.GetServers().Where(s => !s.IsReplica))
        {
            await foreach (var key in server.KeysAsync(pattern: prefix + "*", pageSize: 1_000))
            {
                var text = new StringBuilder(key.ToString()).Append(" = ");
                switch (await db.KeyTypeAsync(key))
                {
                    case RedisType.String: text.Append((string?)await db.StringGetAsync(key)); break;
                    case RedisType.Hash: foreach (var e in await db.HashGetAllAsync(key)) text.Append(e.Name).Append(':').Append(e.Value).Append(' '); break;
                    case RedisType.Set: foreach (var m in await db.SetMembersAsync(key)) text.Append(m).Append(' '); break;
                    case RedisType.SortedSet: foreach (var m in await db.SortedSetRangeByRankAsync(key)) text.Append(m).Append(' '); break;
                    case RedisType.List: foreach (var m in await db.ListRangeAsync(key)) text.Append(m).Append(' '); break;
                }
                dump[key.ToString()] = text.ToString();
            }
        }
        return dump;
    }

    [Fact]
    public async Task AnErasedPlayer_IsNowhereInTheStoreButTheirMark_AndTheirLaterEventsAreRefusedAndNotKept()
    {
        var cs = await servers.ConnectionStringAsync(StoreKinds.Redis);
        var prefix = TestKeys.Prefix("erasure");
        await using var redis = await ConnectionMultiplexer.ConnectAsync(cs);
        await using var ingestion = new IngestionHost(cs, prefix);
        // Deliveries to a receiver that refuses connections stay queued and end as dead letters: both must go.
        await using var app = new IntelligenceApp(cs, prefix, new Dictionary<string, string?> { ["Webhooks:MaxAttempts"] = "2", ["Webhooks:InitialDelay"] = "00:00:30" });
        using var admin = app.ClientWithKey(IntelligenceApp.AdminKey);
        using var crm = app.ClientWithKey(IntelligenceApp.CrmKey);
        using var events = ingestion.ClientWithKey(SimulatedCasino.EventsKey);
        using var ops = ingestion.ClientWithKey(SimulatedCasino.OpsKey);
        (await admin.PostAsJsonAsync("/v1/webhooks", new { url = "http://127.0.0.1:9/hooks", events = SegmentEvents, secret = WebhookTestHost.Secret })).EnsureSuccessStatusCode();

        foreach (var player in new[] { Gone, Stays })
        {
            await RegisterAsync(ingestion, player, "MT", "spring");
            await DepositAsync(ingestion, player, 25);
        }
        // A vendor's message about the player that could not be applied waits on the dead-letter list with its body.
        await ingestion.Services.GetRequiredService<global::Ingestion.DeadLetters.DeadLetterStore>().AddAsync("fasttrack",
            "payment: field amount: must be a number", $$"""{"user_id":"{{Gone}}","payment_id":"t-bad","amount":"lots"}""");
        await IndexedAsync(app, Gone, Stays);
        var segment = await CreateAsync(admin, new { name = "Spring", purpose = "marketing", channel = "email", rule = new { field = "campaign", op = "eq", value = "spring" } });
        Assert.Equal([Gone, Stays], await MemberIdsAsync(crm, segment.Id));
        await Poll.UntilAsync(async () => (await app.Db.HashValuesAsync(app.Keys.WebhookDeliveries)).Any(v => v.ToString().Contains(Gone, StringComparison.Ordinal)),
            "a webhook delivery about the player queued");
        Assert.Contains((await DumpAsync(redis, prefix)).Values, v => v.Contains(Gone, StringComparison.Ordinal) && v.Contains("t-bad", StringComparison.Ordinal));

        Assert.Equal(HttpStatusCode.NoContent, (await ops.DeleteAsync($"/v1/players/{Gone}")).StatusCode);

        var erasedKey = app.Keys.Erased(Gone).ToString();
        var holding = new List<string>();
        await Poll.UntilAsync(async () =>
        {
            holding = [.. (await DumpAsync(redis, prefix)).Where(e => e.Key != erasedKey && !e.Key.Contains(":recs:trend:seen:", StringComparison.Ordinal)
                && e.Value.Contains(Gone, StringComparison.Ordinal)).Select(e => e.Value)];
            return holding.Count == 0;
        }, () => "nothing of the player left; still held: " + string.Join(" | ", holding));
        // The mark holds the time of the erasure and nothing else.
        Assert.True(long.TryParse((string?)await app.Db.StringGetAsync(erasedKey), out _));
        // Trending's de-duplication pairs (player|game of the current hour) expire with the counts, within eight days.
        foreach (var seen in (await DumpAsync(redis, prefix)).Keys.Where(k => k.Contains(":recs:trend:seen:", StringComparison.Ordinal)))
        {
            Assert.InRange((await app.Db.KeyTimeToLiveAsync(seen))!.Value, TimeSpan.Zero, TimeSpan.FromDays(8));
        }

        // A late event for the player is refused and kept nowhere; the other player's event in the same batch counts.
        var late = await events.PostAsync("/v1/events", new StringContent(
            "[" + Event("wallet.deposit", Gone, """{"transactionId":"t-late","amount":5,"currency":"EUR","status":"approved"}""") + "," +
            Event("wallet.deposit", Stays, """{"transactionId":"t-other","amount":5,"currency":"EUR","status":"approved"}""") + "]",
            Encoding.UTF8, "application/cloudevents-batch+json"));
        var result = (await late.Content.ReadFromJsonAsync<Shared.Contracts.IngestResult>(Json))!;
        Assert.Equal(1, result.Accepted);
        Assert.Equal($"field subject: player {Gone} was erased; events for them are refused and not kept", Assert.Single(result.Rejected).Error);
        Assert.DoesNotContain((await DumpAsync(redis, prefix)).Values, v => v.Contains("t-late", StringComparison.Ordinal));
        Assert.False(await app.Db.KeyExistsAsync(app.Keys.Profile(Gone)));
        Assert.True(await app.Db.KeyExistsAsync(app.Keys.Profile(Stays)));
        Assert.Equal([Stays], await MemberIdsAsync(crm, segment.Id));
    }
}
