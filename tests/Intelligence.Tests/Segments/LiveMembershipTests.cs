using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Intelligence.Segments;
using Intelligence.Tests.Support;
using Intelligence.Tests.Webhooks;
using Microsoft.Extensions.DependencyInjection;
using Shared.Contracts;
using StackExchange.Redis;
using TestSupport;
using static Intelligence.Tests.Segments.SegmentKit;

namespace Intelligence.Tests.Segments;

/// <summary>
/// Membership kept live end to end, on Redis, Garnet and Redis Cluster: events through Ingestion move players in and out of
/// segments, edits recompute members, erasure removes them, and the lobby's channel hears each change.
/// </summary>
public sealed class LiveMembershipTests(StoreServers servers)
{
    private static readonly string[] SpringAndAutumn = ["spring", "autumn"];
    private static readonly string[] SegmentEvents = ["segment.entered", "segment.exited"];
    private static readonly string[] Stays = ["p-stays"];

    [Theory, ClassData(typeof(StoreKinds))]
    public async Task Players_EnterAndLeaveLive_AsTheirProfilesChange_AsTheSegmentIsEdited_AndWhenErased(string store)
    {
        var cs = await servers.ConnectionStringAsync(store);
        var prefix = TestKeys.Prefix($"live-{store}");
        await using var ingestion = new IngestionHost(cs, prefix);
        await using var app = new IntelligenceApp(cs, prefix, new Dictionary<string, string?> { ["Logging:LogLevel:Default"] = "Warning" });
        using var admin = app.ClientWithKey(IntelligenceApp.AdminKey);
        using var crm = app.ClientWithKey(IntelligenceApp.CrmKey);
        await using var lobby = await ChannelLog.StartAsync(cs, app.Keys.SegmentMembershipChanged);

        await RegisterAsync(ingestion, "p-ann", "MT", "spring");
        await RegisterAsync(ingestion, "p-bob", "SE", "spring");
        await RegisterAsync(ingestion, "p-cy", "MT", "autumn");
        await RegisterAsync(ingestion, "p-dee", "MT", "spring", emailConsent: false);
        await IndexedAsync(app, "p-ann", "p-bob", "p-cy", "p-dee");

        var segment = await CreateAsync(admin, new
        {
            name = "Spring campaign",
            purpose = "marketing",
            channel = "email",
            rule = new { field = "campaign", op = "eq", value = "spring" },
        });
        // p-dee matches the rule but never consented to email: a marketing segment never holds her.
        Assert.Equal(2, segment.Members);
        Assert.Equal(["p-ann", "p-bob"], await MemberIdsAsync(crm, segment.Id));
        await lobby.SeenAsync($"p-ann|{segment.Id}|entered");
        // The scores list the segment too (brought in line in the background after a bulk change).
        await Poll.UntilAsync(async () => (await ScoresAsync(crm, "p-ann")).Segments.Any(s => s.Id == segment.Id && s.Name == "Spring campaign"), "p-ann's scores to list the segment");

        // Live: a self-exclusion takes p-bob out within moments, and his stored scores say so.
        await SelfExcludeAsync(ingestion, "p-bob");
        await lobby.SeenAsync($"p-bob|{segment.Id}|exited");
        Assert.Equal(["p-ann"], await MemberIdsAsync(crm, segment.Id));
        await Poll.UntilAsync(async () => (await ScoresAsync(crm, "p-bob")).Segments.Count == 0, "p-bob's scores to list no segment");

        // Live: consent to email brings p-dee in.
        await ingestion.PostAsync(Event("player.consent", "p-dee", """{"channel":"email","granted":true}"""));
        await lobby.SeenAsync($"p-dee|{segment.Id}|entered");
        await Poll.UntilAsync(async () => (await ScoresAsync(crm, "p-dee")).Segments.Contains(new SegmentRef(segment.Id, "Spring campaign")), "p-dee's scores to list the segment");

        // An edit recomputes the members at once: a new version, and p-cy enters.
        var put = await admin.PutAsJsonAsync($"/v1/segments/{segment.Id}", new
        {
            name = "Spring and autumn",
            purpose = "marketing",
            channel = "email",
            rule = new { field = "campaign", op = "in", value = SpringAndAutumn },
        });
        var edited = (await put.Content.ReadFromJsonAsync<Segment>(Json))!;
        Assert.Equal(2, edited.Version);
        Assert.Equal(3, edited.Members);
        Assert.Equal(["p-ann", "p-cy", "p-dee"], await MemberIdsAsync(crm, segment.Id));
        await lobby.SeenAsync($"p-cy|{segment.Id}|entered");

        // Erasure (Ingestion's DELETE) removes the player from every segment.
        using var ops = ingestion.ClientWithKey(SimulatedCasino.OpsKey);
        Assert.Equal(HttpStatusCode.NoContent, (await ops.DeleteAsync("/v1/players/p-ann")).StatusCode);
        await lobby.SeenAsync($"p-ann|{segment.Id}|exited");
        Assert.Equal(["p-cy", "p-dee"], await MemberIdsAsync(crm, segment.Id));
        Assert.False(app.Services.GetRequiredService<PlayerIndex>().Contains("p-ann"));
        Assert.False(await app.Db.HashExistsAsync(app.Keys.SegmentsOfPlayers, "p-ann"));

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/v1/segments/{segment.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await crm.GetAsync($"/v1/segments/{segment.Id}/players")).StatusCode);
        Assert.False(await app.Db.KeyExistsAsync(app.Keys.SegmentMembers(segment.Id)));
        await Poll.UntilAsync(async () => (await ScoresAsync(crm, "p-cy")).Segments.Count == 0, "p-cy's scores to forget the deleted segment");
    }

    [Theory, ClassData(typeof(RedisKinds))]
    public async Task ASegmentEntered_ReachesTheCrmAsASignedWebhook_AndOnlyForPlayersWhoMayBeMarketedTo(string store)
    {
        var cs = await servers.ConnectionStringAsync(store);
        var prefix = TestKeys.Prefix($"webhook-{store}");
        await using var ingestion = new IngestionHost(cs, prefix);
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = new IntelligenceApp(cs, prefix, new Dictionary<string, string?> { ["Webhooks:PollInterval"] = "00:00:00.020" });
        using var admin = app.ClientWithKey(IntelligenceApp.AdminKey);
        await app.Services.GetRequiredService<IndexFeed>().Loaded.WaitAsync(TimeSpan.FromSeconds(60));
        var registered = await admin.PostAsJsonAsync("/v1/webhooks", new { url = receiver.Url, events = SegmentEvents, secret = WebhookTestHost.Secret });
        registered.EnsureSuccessStatusCode();
        var segment = await CreateAsync(admin, new { name = "High depositors", purpose = "analysis", rule = new { field = "lifetime.depositAmount", op = "gte", value = 500 } });
        Assert.Equal(0, segment.Members);

        await RegisterAsync(ingestion, "p-whale", "MT");
        await RegisterAsync(ingestion, "p-excluded", "MT");
        await SelfExcludeAsync(ingestion, "p-excluded");
        await IndexedAsync(app, "p-whale", "p-excluded");
        await DepositAsync(ingestion, "p-excluded", 900);
        await DepositAsync(ingestion, "p-whale", 250);
        await DepositAsync(ingestion, "p-whale", 300);

        await receiver.WaitForRequestsAsync(1);
        var crm = app.ClientWithKey(IntelligenceApp.CrmKey);
        // An analysis segment holds the self-excluded player, but no CRM ever hears about him.
        await Poll.UntilAsync(async () => (await MemberIdsAsync(crm, segment.Id)).Count == 2, "both players in the analysis segment");
        await Task.Delay(1000, TestContext.Current.CancellationToken);
        var request = Assert.Single(receiver.Requests);
        using var body = JsonDocument.Parse(request.Body);
        Assert.Equal("segment.entered", body.RootElement.GetProperty("type").GetString());
        Assert.Equal("p-whale", body.RootElement.GetProperty("playerId").GetString());
        Assert.Equal(segment.Id, body.RootElement.GetProperty("data").GetProperty("segmentId").GetString());
        Assert.Equal("High depositors", body.RootElement.GetProperty("data").GetProperty("segmentName").GetString());
        Assert.Equal("sha256=" + Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(
            System.Text.Encoding.UTF8.GetBytes(WebhookTestHost.Secret), request.RawBody)), request.Header("X-Signature"));
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task ARelativeDateRule_RollsWithTime_WithoutAnyEvent()
    {
        var cs = await servers.ConnectionStringAsync(StoreKinds.Redis);
        var prefix = TestKeys.Prefix("rolling");
        await using var ingestion = new IngestionHost(cs, prefix);
        await using var app = new IntelligenceApp(cs, prefix, new Dictionary<string, string?> { ["Segments:ReevaluateInterval"] = "00:00:01" });
        using var admin = app.ClientWithKey(IntelligenceApp.AdminKey);
        using var crm = app.ClientWithKey(IntelligenceApp.CrmKey);
        await app.Services.GetRequiredService<IndexFeed>().Loaded.WaitAsync(TimeSpan.FromSeconds(60));
        var segment = await CreateAsync(admin, new { name = "Just registered", purpose = "analysis", rule = new { field = "registeredAt", op = "gte", value = "-20s" } });

        await RegisterAsync(ingestion, "p-new", "MT");
        await IndexedAsync(app, "p-new");
        await Poll.UntilAsync(async () => (await MemberIdsAsync(crm, segment.Id)).Contains("p-new"), "the new player in the segment");
        var deadline = DateTime.UtcNow.AddSeconds(45);
        while ((await MemberIdsAsync(crm, segment.Id)).Contains("p-new"))
        {
            Assert.True(DateTime.UtcNow < deadline, "the player should leave once registered more than 20 s ago, by the periodic re-evaluation");
            await Task.Delay(250, TestContext.Current.CancellationToken);
        }
    }

    [Theory, ClassData(typeof(RedisKinds))]
    public async Task APlayerErasedWhileNoInstanceRan_LeavesEverySegment_WhenIntelligenceStartsAgain(string store)
    {
        var cs = await servers.ConnectionStringAsync(store);
        var prefix = TestKeys.Prefix($"erased-offline-{store}");
        await using var ingestion = new IngestionHost(cs, prefix);
        string segmentId;
        await using (var first = new IntelligenceApp(cs, prefix))
        {
            using var admin = first.ClientWithKey(IntelligenceApp.AdminKey);
            await RegisterAsync(ingestion, "p-stays", "MT");
            await RegisterAsync(ingestion, "p-goes", "MT");
            await IndexedAsync(first, "p-stays", "p-goes");
            segmentId = (await CreateAsync(admin, new { name = "Malta", purpose = "analysis", rule = new { field = "country", op = "eq", value = "MT" } })).Id;
            Assert.Equal(["p-goes", "p-stays"], await MemberIdsAsync(first.ClientWithKey(IntelligenceApp.CrmKey), segmentId));
        }

        // No Intelligence runs: nobody hears the erasure.
        using (var ops = ingestion.ClientWithKey(SimulatedCasino.OpsKey))
        {
            Assert.Equal(HttpStatusCode.NoContent, (await ops.DeleteAsync("/v1/players/p-goes")).StatusCode);
        }

        await using var second = new IntelligenceApp(cs, prefix);
        using var crm = second.ClientWithKey(IntelligenceApp.CrmKey);
        await second.Services.GetRequiredService<IndexFeed>().Loaded.WaitAsync(TimeSpan.FromSeconds(60));
        await Poll.UntilAsync(async () => (await MemberIdsAsync(crm, segmentId)).SequenceEqual(Stays), "the erased player out of the segment");
        await Poll.UntilAsync(async () => !await second.Db.HashExistsAsync(second.Keys.SegmentsOfPlayers, "p-goes"), "the erased player's membership record dropped");
        Assert.True(await second.Db.HashExistsAsync(second.Keys.SegmentsOfPlayers, "p-stays"));
    }

    private static async Task<PlayerScores> ScoresAsync(HttpClient client, string playerId) =>
        (await client.GetFromJsonAsync<PlayerScores>($"/v1/players/{playerId}/scores", Json))!;

    [Theory, ClassData(typeof(RedisKinds))]
    public async Task AChangeWhoseInstanceDiedBeforeAnnouncingIt_IsAnnouncedByAnother_UnderTheSameEventId(string store)
    {
        var cs = await servers.ConnectionStringAsync(store);
        var prefix = TestKeys.Prefix($"orphan-{store}");
        await using var ingestion = new IngestionHost(cs, prefix);
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = new IntelligenceApp(cs, prefix, new Dictionary<string, string?>
        {
            ["Webhooks:PollInterval"] = "00:00:00.020",
            ["Segments:AnnounceGrace"] = "00:00:01",
        });
        using var admin = app.ClientWithKey(IntelligenceApp.AdminKey);
        await app.Services.GetRequiredService<IndexFeed>().Loaded.WaitAsync(TimeSpan.FromSeconds(60));
        (await admin.PostAsJsonAsync("/v1/webhooks", new { url = receiver.Url, events = SegmentEvents, secret = WebhookTestHost.Secret })).EnsureSuccessStatusCode();
        var segment = await CreateAsync(admin, new { name = "Swedes", purpose = "analysis", rule = new { field = "country", op = "eq", value = "SE" } });
        await RegisterAsync(ingestion, "p-orphan", "MT");
        await IndexedAsync(app, "p-orphan");

        // Another instance decided the player in, stored it, and died before announcing it: only the journal knows.
        var memberships = app.Services.GetRequiredService<MembershipStore>();
        var version = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeMilliseconds();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var stored = await memberships.ApplyPlayersAsync([(segment.Id, 1)], [new MembershipDecision("p-orphan", version, [true])], now, now + 1000);
        Assert.Equal([segment.Id], Assert.Single(stored!).Entered);

        await receiver.WaitForRequestsAsync(1);
        using var body = JsonDocument.Parse(Assert.Single(receiver.Requests).Body);
        Assert.Equal("segment.entered", body.RootElement.GetProperty("type").GetString());
        Assert.Equal("p-orphan", body.RootElement.GetProperty("playerId").GetString());
        // The id depends on the change alone: whoever announces it, it is the same event.
        var expectedId = new MembershipChange("p-orphan", segment.Id, "Swedes", true, new MarketingStatus(true, [], []), DateTimeOffset.UnixEpoch, version).EventId;
        Assert.Equal(expectedId, body.RootElement.GetProperty("id").GetString());
        await Poll.UntilAsync(async () => await app.Db.SortedSetLengthAsync(app.Keys.SegmentAnnouncements) == 0, "the journal to be empty once announced");
    }
}
