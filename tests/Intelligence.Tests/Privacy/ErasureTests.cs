using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
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
/// that refuses their later events, and touches no one else: their affiliate's export rows, applied and FTD marks and
/// queued <c>affiliate.ftd</c> postback, their payments' states, methods and declines, their KYC, AML and geo verdicts
/// (a Sumsub webhook's among them) go with the profile. The affiliate's day totals are sums over players, without
/// ids, and keep the player's anonymous share.
/// </summary>
public sealed class ErasureTests(StoreServers servers)
{
    private const string Gone = "p-erase-me";
    private const string Stays = "p-stays";
    private static readonly string[] SegmentEvents = ["segment.entered", "segment.exited", "affiliate.ftd"];
    private const string SumsubSecret = "erasure-sumsub-secret";
    private const string Affiliate = "aff-erasure";

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
        await using var ingestion = new IngestionHost(cs, prefix, extra: new Dictionary<string, string?> { ["Sumsub:Enabled"] = "true", ["Sumsub:SecretKey"] = SumsubSecret });
        // Deliveries to a receiver that refuses connections stay queued and end as dead letters: both must go.
        await using var app = new IntelligenceApp(cs, prefix, new Dictionary<string, string?> { ["Webhooks:MaxAttempts"] = "2", ["Webhooks:InitialDelay"] = "00:00:30" });
        using var admin = app.ClientWithKey(IntelligenceApp.AdminKey);
        using var crm = app.ClientWithKey(IntelligenceApp.CrmKey);
        using var events = ingestion.ClientWithKey(SimulatedCasino.EventsKey);
        using var ops = ingestion.ClientWithKey(SimulatedCasino.OpsKey);
        (await admin.PostAsJsonAsync("/v1/webhooks", new { url = "http://127.0.0.1:9/hooks", events = SegmentEvents, secret = WebhookTestHost.Secret })).EnsureSuccessStatusCode();

        foreach (var player in new[] { Gone, Stays })
        {
            await ingestion.PostAsync(Event("player.registered", player,
                $$"""{"country":"MT","currency":"EUR","market":"MT","campaign":"spring","affiliateId":"{{Affiliate}}","btag":"bt-{{player}}","clickId":"ck-{{player}}","channel":"web","birthYear":1990}"""));
            await ingestion.PostAsync(Event("player.consent", player, """{"channel":"email","granted":true}"""));
            await DepositAsync(ingestion, player, 25);
        }
        // The payment lifecycle's and the checks' keys: methods and PSPs, a decline with its reason and code, a chargeback,
        // AML and geo verdicts, and Sumsub's review through its adapter (plus one it could not apply, dead-lettered).
        await ingestion.PostAsync(Event("wallet.deposit", Gone, """{"transactionId":"t-card","amount":40,"currency":"EUR","status":"approved","method":"card","provider":"adyen"}"""));
        await ingestion.PostAsync(Event("wallet.deposit", Gone, """{"transactionId":"t-card","amount":40,"currency":"EUR","status":"chargeback","method":"card","provider":"adyen"}"""));
        await ingestion.PostAsync(Event("wallet.deposit", Gone,
            """{"transactionId":"t-declined","amount":90,"currency":"EUR","status":"rejected","method":"e_wallet","provider":"skrill","declineReason":"insufficient_funds","vendorCode":"51"}"""));
        await ingestion.PostAsync(Event("wallet.withdrawal", Gone, """{"transactionId":"t-out","amount":10,"currency":"EUR","status":"approved","method":"bank_transfer","provider":"trustly"}"""));
        // Play that reconciliation keeps: a bet's version and its open round, a rollback waiting for its transaction.
        await ingestion.PostAsync(Event("wallet.bet", Gone, """{"transactionId":"t-bet","roundId":"r-1","gameId":"g-1","amount":2,"currency":"EUR"}"""));
        await ingestion.PostAsync(Event("wallet.rollback", Gone, """{"transactionId":"t-rb","referenceTransactionId":"t-unseen"}"""));
        await ingestion.PostAsync(Event("player.aml", Gone, """{"riskLevel":"low","provider":"complyadvantage"}"""));
        await ingestion.PostAsync(Event("player.geo", Gone, """{"result":"allowed","country":"MT"}"""));
        using var sumsub = ingestion.CreateClient();
        var reviewedAt = DateTimeOffset.UtcNow.AddMinutes(-1).UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture);
        foreach (var (body, answer) in new[]
        {
            ($$$"""{"applicantId":"66a0e0","correlationId":"req-erase-1","externalUserId":"{{{Gone}}}","levelName":"basic-kyc-level","type":"applicantReviewed","createdAtMs":"{{{reviewedAt}}}","reviewResult":{"reviewAnswer":"GREEN"}}""", "recorded"),
            ($$$"""{"applicantId":"66a0e0","correlationId":"req-erase-2","externalUserId":"{{{Gone}}}","levelName":"basic-kyc-level","type":"applicantReviewed","createdAtMs":"yesterday","reviewResult":{"reviewAnswer":"GREEN"}}""", "deadlettered"),
        })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/compat/sumsub") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            request.Headers.Add("X-Payload-Digest", Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(SumsubSecret), Encoding.UTF8.GetBytes(body))));
            request.Headers.Add("X-Payload-Digest-Alg", "HMAC_SHA256_HEX");
            using var response = await sumsub.SendAsync(request);
            Assert.Contains($"\"status\":\"{answer}\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        Assert.Equal("verified", (string?)await app.Db.HashGetAsync(app.Keys.Profile(Gone), "kyc"));
        // A vendor's message about the player that could not be applied waits on the dead-letter list with its body.
        await ingestion.Services.GetRequiredService<global::Ingestion.DeadLetters.DeadLetterStore>().AddAsync("fasttrack",
            "payment: field amount: must be a number", $$"""{"user_id":"{{Gone}}","payment_id":"t-bad","amount":"lots"}""");
        await IndexedAsync(app, Gone, Stays);
        var segment = await CreateAsync(admin, new { name = "Spring", purpose = "marketing", channel = "email", rule = new { field = "campaign", op = "eq", value = "spring" } });
        Assert.Equal([Gone, Stays], await MemberIdsAsync(crm, segment.Id));
        await Poll.UntilAsync(async () => (await app.Db.HashValuesAsync(app.Keys.WebhookDeliveries)).Any(v => v.ToString().Contains(Gone, StringComparison.Ordinal)),
            "a webhook delivery about the player queued");
        Assert.Contains((await DumpAsync(redis, prefix)).Values, v => v.Contains(Gone, StringComparison.Ordinal) && v.Contains("t-bad", StringComparison.Ordinal));
        // The affiliate holds the player's export row, and their affiliate.ftd postback is queued.
        await Poll.UntilAsync(async () => (await DumpAsync(redis, prefix)).Any(e => e.Key.Contains(":players:", StringComparison.Ordinal) && e.Value.Contains(Gone, StringComparison.Ordinal)),
            "the player's affiliate export row");
        await Poll.UntilAsync(async () => (await app.Db.HashValuesAsync(app.Keys.WebhookDeliveries)).Any(v => v.ToString().Contains("affiliate.ftd", StringComparison.Ordinal)
            && v.ToString().Contains(Gone, StringComparison.Ordinal)), "the player's affiliate.ftd postback queued");
        // Reconciliation holds the player's bet version, open round, waiting rollback and chargeback.
        Assert.Equal(4, (await DumpAsync(redis, prefix)).Count(e => e.Key.Contains(":recon:", StringComparison.Ordinal) && e.Value.Contains(Gone, StringComparison.Ordinal)
            && (e.Key.EndsWith(":tx:a", StringComparison.Ordinal) || e.Key.EndsWith(":open", StringComparison.Ordinal) || e.Key.EndsWith(":wait", StringComparison.Ordinal)
                || e.Key.EndsWith(":reversed:d", StringComparison.Ordinal))));
        var totalsBefore = await app.Db.HashGetAllAsync(app.Keys.AffiliateDayTotals(Affiliate));
        Assert.NotEmpty(totalsBefore);

        Assert.Equal(HttpStatusCode.NoContent, (await ops.DeleteAsync($"/v1/players/{Gone}")).StatusCode);

        var erasedKey = app.Keys.Erased(Gone).ToString();
        var holding = new List<string>();
        await Poll.UntilAsync(async () =>
        {
            holding = [.. (await DumpAsync(redis, prefix)).Where(e => e.Key != erasedKey && !e.Key.Contains(":recs:trend:seen:", StringComparison.Ordinal)
                && e.Value.Contains(Gone, StringComparison.Ordinal)).Select(e => e.Value)];
            return holding.Count == 0;
        }, () => "nothing of the player left; still held: " + string.Join(" | ", holding));
        // The affiliate's day totals are sums over players, without ids: they keep the player's anonymous share.
        static string Text(HashEntry[] h) => string.Join(' ', h.Select(e => $"{e.Name}={e.Value}").Order(StringComparer.Ordinal));
        Assert.Equal(Text(totalsBefore), Text(await app.Db.HashGetAllAsync(app.Keys.AffiliateDayTotals(Affiliate))));
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
