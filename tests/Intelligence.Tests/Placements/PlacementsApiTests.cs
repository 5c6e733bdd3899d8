using System.Net;
using System.Net.Http.Json;
using Intelligence.Segments;
using Intelligence.Tests.Support;
using Shared.Contracts;
using TestSupport;
using static Intelligence.Tests.Segments.SegmentKit;

namespace Intelligence.Tests.Placements;

/// <summary>Lobby placements: validated, audited, announced, and shown only to members who may be marketed to while they run.</summary>
public sealed class PlacementsApiTests(StoreServers servers)
{
    private const string Catalogue = """
        [{"id":"g-starburst","title":"Starburst","provider":"NetEnt","category":"slots","tags":[],"rtp":96.1,"volatility":"low","minBet":0.1,"maxBet":100,"jackpot":false,"markets":["*"],"releasedAt":"2012-01-01T00:00:00Z","enabled":true},
         {"id":"g-roulette","title":"Lightning Roulette","provider":"Evolution","category":"live","tags":[],"rtp":97.3,"volatility":"medium","minBet":0.2,"maxBet":500,"jackpot":false,"markets":["*"],"releasedAt":"2018-01-01T00:00:00Z","enabled":true},
         {"id":"g-retired","title":"Retired","provider":"NetEnt","category":"slots","tags":[],"rtp":95,"volatility":"high","minBet":0.1,"maxBet":10,"jackpot":false,"markets":["*"],"releasedAt":"2010-01-01T00:00:00Z","enabled":false}]
        """;

    private static readonly string[] Starburst = ["g-starburst"];
    private static readonly string[] EnteredEvents = ["segment.entered"];

    [Theory, ClassData(typeof(RedisKinds))]
    public async Task Placements_ShowOnlyToMembersWhoMayBeMarketedTo_WhileTheyRun_HighestPriorityFirst(string store)
    {
        var (cs, ingestion, app) = await StartAsync(store);
        await using var _ = ingestion;
        await using var __ = app;
        using var admin = app.ClientWithKey(IntelligenceApp.AdminKey);
        using var crm = app.ClientWithKey(IntelligenceApp.CrmKey);
        await using var changes = await ChannelLog.StartAsync(cs, app.Keys.PlacementsChanged);

        await RegisterAsync(ingestion, "p-member", "MT", "vip-drive");
        await RegisterAsync(ingestion, "p-excluded", "MT", "vip-drive");
        await SelfExcludeAsync(ingestion, "p-excluded");
        await RegisterAsync(ingestion, "p-outsider", "MT", "other");
        await IndexedAsync(app, "p-member", "p-excluded", "p-outsider");
        // Analysis: the self-excluded player is a member too, yet must never see a promotion.
        var segment = await CreateAsync(admin, new { name = "VIP drive", purpose = "analysis", rule = new { field = "campaign", op = "eq", value = "vip-drive" } });
        Assert.Equal(2, segment.Members);

        var now = DateTimeOffset.UtcNow;
        var running = await CreatePlacementAsync(admin, new { segmentId = segment.Id, title = "Picked for you", kind = "games", gameIds = Starburst, priority = 10, startsAt = now.AddHours(-1), endsAt = now.AddDays(7) }, "mia");
        var higher = await CreatePlacementAsync(admin, new { segmentId = segment.Id, title = "Live tonight", kind = "category", category = "live", priority = 90, startsAt = now.AddHours(-1), endsAt = now.AddDays(1) }, "mia");
        await CreatePlacementAsync(admin, new { segmentId = segment.Id, title = "Last week", kind = "category", category = "slots", priority = 99, startsAt = now.AddDays(-14), endsAt = now.AddDays(-7) }, "mia");
        await CreatePlacementAsync(admin, new { segmentId = segment.Id, title = "Next week", kind = "category", category = "slots", priority = 99, startsAt = now.AddDays(7), endsAt = now.AddDays(14) }, "mia");
        await changes.SeenAsync(segment.Id);
        Assert.Equal("mia", running.CreatedBy);
        Assert.Equal(["g-starburst"], running.GameIds);
        Assert.Null(running.Category);

        var member = (await crm.GetFromJsonAsync<PlayerPlacements>("/v1/players/p-member/placements", Json))!;
        Assert.Equal([higher.Id, running.Id], member.Items.Select(p => p.Id));
        Assert.Empty((await crm.GetFromJsonAsync<PlayerPlacements>("/v1/players/p-excluded/placements", Json))!.Items);
        Assert.Empty((await crm.GetFromJsonAsync<PlayerPlacements>("/v1/players/p-outsider/placements", Json))!.Items);
        Assert.Equal(HttpStatusCode.NotFound, (await crm.GetAsync("/v1/players/p-nobody/placements")).StatusCode);

        // Edit and delete, both audited.
        var edited = await admin.PutAsJsonAsync($"/v1/placements/{running.Id}", new { segmentId = segment.Id, title = "Picked for you, again", kind = "games", gameIds = Starburst, priority = 95, startsAt = now.AddHours(-1), endsAt = now.AddDays(7) });
        Assert.Equal(HttpStatusCode.OK, edited.StatusCode);
        member = (await crm.GetFromJsonAsync<PlayerPlacements>("/v1/players/p-member/placements", Json))!;
        Assert.Equal([running.Id, higher.Id], member.Items.Select(p => p.Id));
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/v1/placements/{higher.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await crm.GetAsync($"/v1/placements/{higher.Id}")).StatusCode);
        Assert.Equal([running.Id], (await crm.GetFromJsonAsync<PlayerPlacements>("/v1/players/p-member/placements", Json))!.Items.Select(p => p.Id));
        Assert.Equal(3, (await crm.GetFromJsonAsync<List<Placement>>("/v1/placements", Json))!.Count);
        var audit = (await admin.GetFromJsonAsync<List<AuditEntry>>("/v1/segments/audit", Json))!;
        Assert.Equal(["placement.deleted", "placement.updated"], audit.Take(2).Select(a => a.Action));
        Assert.Equal(4, audit.Count(a => a.Action == "placement.created" && a.Actor == "mia"));

        // A member who self-excludes loses them at once; deleting the segment deletes its placements.
        await SelfExcludeAsync(ingestion, "p-member");
        await Intelligence.Tests.Webhooks.Poll.UntilAsync(async () => (await crm.GetFromJsonAsync<PlayerPlacements>("/v1/players/p-member/placements", Json))!.Items.Count == 0,
            "the self-excluded member to see no placement");
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/v1/segments/{segment.Id}")).StatusCode);
        Assert.Empty((await crm.GetFromJsonAsync<List<Placement>>("/v1/placements", Json))!);
    }

    [Fact]
    public async Task BonusLedPlacements_NeedAVerifiedKyc_InMarketsThatSaySo_AndARejectedKycSeesNoPlacementAtAll()
    {
        var cs = await servers.ConnectionStringAsync(StoreKinds.Redis);
        var prefix = TestKeys.Prefix(nameof(BonusLedPlacements_NeedAVerifiedKyc_InMarketsThatSaySo_AndARejectedKycSeesNoPlacementAtAll));
        await using var ingestion = new IngestionHost(cs, prefix);
        using (var ops = ingestion.ClientWithKey(SimulatedCasino.OpsKey)) (await ops.PutAsync("/v1/catalog/games", JsonBody(Catalogue))).EnsureSuccessStatusCode();
        await using var app = new IntelligenceApp(cs, prefix, new Dictionary<string, string?> { ["Compliance:BonusesRequireVerification:0"] = "GB" });
        using var admin = app.ClientWithKey(IntelligenceApp.AdminKey);
        using var crm = app.ClientWithKey(IntelligenceApp.CrmKey);

        foreach (var (player, country) in new[] { ("p-gb", "GB"), ("p-gb-verified", "GB"), ("p-mt", "MT"), ("p-mt-rejected", "MT") })
        {
            await RegisterAsync(ingestion, player, country, "welcome");
        }
        await ingestion.PostAsync(Event("player.kyc", "p-gb-verified", """{"status":"verified","provider":"sumsub"}"""));
        await ingestion.PostAsync(Event("player.kyc", "p-mt-rejected", """{"status":"rejected","provider":"sumsub","reasons":["FORGERY"],"final":true}"""));
        await IndexedAsync(app, "p-gb", "p-gb-verified", "p-mt", "p-mt-rejected");
        var segment = await CreateAsync(admin, new { name = "Welcome", purpose = "analysis", rule = new { field = "campaign", op = "eq", value = "welcome" } });
        var now = DateTimeOffset.UtcNow;
        var games = await CreatePlacementAsync(admin, new { segmentId = segment.Id, title = "Picked for you", kind = "games", gameIds = Starburst, priority = 10, startsAt = now.AddHours(-1), endsAt = now.AddDays(7) }, "mia");
        var bonus = await CreatePlacementAsync(admin, new { segmentId = segment.Id, title = "100% welcome bonus", kind = "category", category = "slots", priority = 50, startsAt = now.AddHours(-1), endsAt = now.AddDays(7), bonusLed = true }, "mia");
        Assert.True(bonus.BonusLed);

        async Task<List<string>> Seen(string player) => [.. (await crm.GetFromJsonAsync<PlayerPlacements>($"/v1/players/{player}/placements", Json))!.Items.Select(p => p.Id).Order()];
        Assert.Equal([games.Id], await Seen("p-gb"));
        Assert.Equal(new[] { games.Id, bonus.Id }.Order(), await Seen("p-gb-verified"));
        Assert.Equal(new[] { games.Id, bonus.Id }.Order(), await Seen("p-mt"));
        Assert.Empty(await Seen("p-mt-rejected"));

        // The segments path: a marketing segment leaves the rejected player out, with the reason.
        var preview = await (await admin.PostAsync("/v1/segments/preview", JsonContent.Create(new { rule = new { field = "campaign", op = "eq", value = "welcome" }, purpose = "marketing" })))
            .Content.ReadFromJsonAsync<SegmentPreview>(Json);
        Assert.Equal(3, preview!.Count);
        Assert.Equal(1, preview.Excluded[MarketingPolicy.KycRejected]);
    }

    /// <summary>
    /// The demo's promise: a player whose KYC Sumsub rejects (RED, FINAL, through its adapter) leaves every marketing
    /// path at once: a marketing segment's members, its webhooks (a segment made afterwards announces only the others),
    /// and the placements the lobby's promotional rows are built from (Lobby.Blazor/Rows/PlacementRowSource.cs).
    /// </summary>
    [Fact]
    public async Task AKycRejectedBySumsub_LeavesSegmentMembers_SegmentWebhooks_AndPlacements()
    {
        const string secret = "placements-sumsub-secret";
        var cs = await servers.ConnectionStringAsync(StoreKinds.Redis);
        var prefix = TestKeys.Prefix(nameof(AKycRejectedBySumsub_LeavesSegmentMembers_SegmentWebhooks_AndPlacements));
        await using var ingestion = new IngestionHost(cs, prefix, extra: new Dictionary<string, string?> { ["Sumsub:Enabled"] = "true", ["Sumsub:SecretKey"] = secret });
        using (var ops = ingestion.ClientWithKey(SimulatedCasino.OpsKey)) (await ops.PutAsync("/v1/catalog/games", JsonBody(Catalogue))).EnsureSuccessStatusCode();
        // Deliveries to a receiver that refuses connections stay queued, so every webhook the segments made can be read.
        await using var app = new IntelligenceApp(cs, prefix, new Dictionary<string, string?> { ["Webhooks:MaxAttempts"] = "50", ["Webhooks:InitialDelay"] = "00:01:00" });
        using var admin = app.ClientWithKey(IntelligenceApp.AdminKey);
        using var crm = app.ClientWithKey(IntelligenceApp.CrmKey);
        (await admin.PostAsJsonAsync("/v1/webhooks", new { url = "http://127.0.0.1:9/hooks", events = EnteredEvents, secret = "a-long-enough-crm-secret" })).EnsureSuccessStatusCode();
        foreach (var player in new[] { "p-rejected", "p-other" }) await RegisterAsync(ingestion, player, "MT", "spring");
        await IndexedAsync(app, "p-rejected", "p-other");
        var before = await CreateAsync(admin, new { name = "Spring", purpose = "marketing", channel = "email", rule = new { field = "campaign", op = "eq", value = "spring" } });
        var now = DateTimeOffset.UtcNow;
        var placement = await CreatePlacementAsync(admin, new { segmentId = before.Id, title = "Picked for you", kind = "games", gameIds = Starburst, priority = 10, startsAt = now.AddHours(-1), endsAt = now.AddDays(7) }, "mia");
        async Task<List<string>> Seen(string player) => [.. (await crm.GetFromJsonAsync<PlayerPlacements>($"/v1/players/{player}/placements", Json))!.Items.Select(p => p.Id)];
        Assert.Equal(["p-other", "p-rejected"], (await MemberIdsAsync(crm, before.Id)).Order(StringComparer.Ordinal));
        Assert.Equal([placement.Id], await Seen("p-rejected"));

        var body = $$$"""{"applicantId":"5cb56e8e0a975a35f333cb83","inspectionId":"5cb56e8e0a975a35f333cb84","correlationId":"req-reject-1","externalUserId":"p-rejected","levelName":"basic-kyc-level","type":"applicantReviewed","reviewStatus":"completed","createdAtMs":"{{{now.UtcDateTime:yyyy-MM-dd HH:mm:ss.fff}}}","reviewResult":{"reviewAnswer":"RED","rejectLabels":["FORGERY"],"reviewRejectType":"FINAL"}}""";
        using var sumsub = ingestion.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/compat/sumsub") { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Payload-Digest", Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(System.Text.Encoding.UTF8.GetBytes(secret), System.Text.Encoding.UTF8.GetBytes(body))));
        request.Headers.Add("X-Payload-Digest-Alg", "HMAC_SHA256_HEX");
        using (var answer = await sumsub.SendAsync(request)) Assert.Contains("\"status\":\"recorded\"", await answer.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        await Intelligence.Tests.Webhooks.Poll.UntilAsync(async () => !(await MemberIdsAsync(crm, before.Id)).Contains("p-rejected"), "the rejected player to leave the segment");
        await Intelligence.Tests.Webhooks.Poll.UntilAsync(async () => (await Seen("p-rejected")).Count == 0, "the rejected player to see no placement");
        Assert.Equal([placement.Id], await Seen("p-other"));
        var after = await CreateAsync(admin, new { name = "Spring again", purpose = "marketing", channel = "email", rule = new { field = "campaign", op = "eq", value = "spring" } });
        Assert.Equal(["p-other"], await MemberIdsAsync(crm, after.Id));
        async Task<List<string>> Entered() => [.. (await app.Db.HashValuesAsync(app.Keys.WebhookDeliveries)).Select(v => v.ToString()).Where(v => v.Contains(after.Id, StringComparison.Ordinal))];
        await Intelligence.Tests.Webhooks.Poll.UntilAsync(async () => (await Entered()).Any(v => v.Contains("p-other", StringComparison.Ordinal)), "the new segment's entered webhook for the other player");
        Assert.DoesNotContain(await Entered(), v => v.Contains("p-rejected", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AHarmBand_TakesBonusLedPlacementsAway_AndWhereTheMarketSuppressesIt_EveryPlacementAndSegment()
    {
        var cs = await servers.ConnectionStringAsync(StoreKinds.Redis);
        var prefix = TestKeys.Prefix(nameof(AHarmBand_TakesBonusLedPlacementsAway_AndWhereTheMarketSuppressesIt_EveryPlacementAndSegment));
        await using var ingestion = new IngestionHost(cs, prefix);
        using (var ops = ingestion.ClientWithKey(SimulatedCasino.OpsKey)) (await ops.PutAsync("/v1/catalog/games", JsonBody(Catalogue))).EnsureSuccessStatusCode();
        // Thresholds that put every player at elevated and none at high; Sweden suppresses marketing already at elevated.
        await using var app = new IntelligenceApp(cs, prefix, new Dictionary<string, string?>
        {
            ["SaferGambling:Elevated"] = "0", ["SaferGambling:High"] = "1", ["SaferGambling:Markets:SE:Elevated"] = "suppress",
        });
        using var admin = app.ClientWithKey(IntelligenceApp.AdminKey);
        using var crm = app.ClientWithKey(IntelligenceApp.CrmKey);
        await RegisterAsync(ingestion, "p-mt", "MT", "welcome");
        await RegisterAsync(ingestion, "p-se", "SE", "welcome");
        await IndexedAsync(app, "p-mt", "p-se");
        var segment = await CreateAsync(admin, new { name = "Welcome", purpose = "analysis", rule = new { field = "campaign", op = "eq", value = "welcome" } });
        var now = DateTimeOffset.UtcNow;
        var games = await CreatePlacementAsync(admin, new { segmentId = segment.Id, title = "Picked for you", kind = "games", gameIds = Starburst, priority = 10, startsAt = now.AddHours(-1), endsAt = now.AddDays(7) }, "mia");
        await CreatePlacementAsync(admin, new { segmentId = segment.Id, title = "100% welcome bonus", kind = "category", category = "slots", priority = 50, startsAt = now.AddHours(-1), endsAt = now.AddDays(7), bonusLed = true }, "mia");

        async Task<List<string>> Seen(string player) => [.. (await crm.GetFromJsonAsync<PlayerPlacements>($"/v1/players/{player}/placements", Json))!.Items.Select(p => p.Id)];
        Assert.Equal([games.Id], await Seen("p-mt"));
        Assert.Empty(await Seen("p-se"));

        var preview = await (await admin.PostAsync("/v1/segments/preview", JsonContent.Create(new { rule = new { field = "campaign", op = "eq", value = "welcome" }, purpose = "marketing" })))
            .Content.ReadFromJsonAsync<SegmentPreview>(Json);
        Assert.Equal(1, preview!.Count);
        Assert.Equal(1, preview.Excluded[MarketingPolicy.HarmRiskElevated]);
    }

    private static readonly (string Body, string Field)[] InvalidPlacements =
    [
        ("""{"title":"x","kind":"games","gameIds":["g-starburst"],"startsAt":"2026-01-01T00:00:00Z","endsAt":"2027-01-01T00:00:00Z"}""", "segmentId"),
        ("""{"segmentId":"sgm-999","title":"x","kind":"games","gameIds":["g-starburst"],"startsAt":"2026-01-01T00:00:00Z","endsAt":"2027-01-01T00:00:00Z"}""", "segmentId"),
        ("""{"segmentId":"SEG","title":" ","kind":"games","gameIds":["g-starburst"],"startsAt":"2026-01-01T00:00:00Z","endsAt":"2027-01-01T00:00:00Z"}""", "title"),
        ("""{"segmentId":"SEG","title":"x","kind":"banner","startsAt":"2026-01-01T00:00:00Z","endsAt":"2027-01-01T00:00:00Z"}""", "kind"),
        ("""{"segmentId":"SEG","title":"x","kind":"games","gameIds":[],"startsAt":"2026-01-01T00:00:00Z","endsAt":"2027-01-01T00:00:00Z"}""", "gameIds"),
        ("""{"segmentId":"SEG","title":"x","kind":"games","gameIds":["g-starburst","g-nope"],"startsAt":"2026-01-01T00:00:00Z","endsAt":"2027-01-01T00:00:00Z"}""", "gameIds[1]"),
        ("""{"segmentId":"SEG","title":"x","kind":"games","gameIds":["g-retired"],"startsAt":"2026-01-01T00:00:00Z","endsAt":"2027-01-01T00:00:00Z"}""", "gameIds[0]"),
        ("""{"segmentId":"SEG","title":"x","kind":"category","category":"poker","startsAt":"2026-01-01T00:00:00Z","endsAt":"2027-01-01T00:00:00Z"}""", "category"),
        ("""{"segmentId":"SEG","title":"x","kind":"category","startsAt":"2026-01-01T00:00:00Z","endsAt":"2027-01-01T00:00:00Z"}""", "category"),
        ("""{"segmentId":"SEG","title":"x","kind":"category","category":"live","gameIds":["g-starburst"],"startsAt":"2026-01-01T00:00:00Z","endsAt":"2027-01-01T00:00:00Z"}""", "gameIds"),
        ("""{"segmentId":"SEG","title":"x","kind":"category","category":"live","priority":1001,"startsAt":"2026-01-01T00:00:00Z","endsAt":"2027-01-01T00:00:00Z"}""", "priority"),
        ("""{"segmentId":"SEG","title":"x","kind":"category","category":"live","startsAt":"2027-01-01T00:00:00Z","endsAt":"2026-01-01T00:00:00Z"}""", "endsAt"),
        ("""{"segmentId":"SEG","title":"x","kind":"category","category":"live","endsAt":"2026-01-01T00:00:00Z"}""", "startsAt"),
        ("""{"segmentId":"SEG","title":"x","kind":"category","category":"live","startsAt":"tomorrow","endsAt":"2026-01-01T00:00:00Z"}""", "startsAt"),
    ];

    [Fact]
    public async Task AnInvalidPlacement_IsA400ProblemNamingTheField()
    {
        var (_, ingestion, app) = await StartAsync();
        await using var _ = ingestion;
        await using var __ = app;
        using var admin = app.ClientWithKey(IntelligenceApp.AdminKey);
        var segment = await CreateAsync(admin, new { name = "Anyone", purpose = "analysis", rule = new { field = "lifetime.betCount", op = "gte", value = 0 } });
        using var crm = app.ClientWithKey(IntelligenceApp.CrmKey);
        foreach (var (body, field) in InvalidPlacements)
        {
            var errors = await ProblemAsync(await admin.PostAsync("/v1/placements", JsonBody(body.Replace("SEG", segment.Id, StringComparison.Ordinal))));
            Assert.True(errors.ContainsKey(field), $"{body}: expected {field}, got {string.Join(", ", errors.Keys)}");
            Assert.Equal(HttpStatusCode.Forbidden, (await crm.PostAsync("/v1/placements", JsonBody(body))).StatusCode);
        }
    }

    /// <summary>Ingestion with the catalogue loaded and Intelligence, on a prefix of the test's own.</summary>
    private async Task<(string Redis, IngestionHost Ingestion, IntelligenceApp App)> StartAsync(string store = StoreKinds.Redis,
        [System.Runtime.CompilerServices.CallerMemberName] string test = "")
    {
        var cs = await servers.ConnectionStringAsync(store);
        var prefix = TestKeys.Prefix(test);
        var ingestion = new IngestionHost(cs, prefix);
        using (var ops = ingestion.ClientWithKey(SimulatedCasino.OpsKey))
        {
            (await ops.PutAsync("/v1/catalog/games", JsonBody(Catalogue))).EnsureSuccessStatusCode();
        }
        return (cs, ingestion, new IntelligenceApp(cs, prefix));
    }

    private static async Task<Placement> CreatePlacementAsync(HttpClient client, object body, string actor)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/placements") { Content = JsonContent.Create(body) };
        request.Headers.Add(ApiHeaders.Actor, actor);
        var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        Assert.Equal($"/v1/placements/{System.Text.Json.JsonDocument.Parse(text).RootElement.GetProperty("id").GetString()}", response.Headers.Location?.ToString());
        return System.Text.Json.JsonSerializer.Deserialize<Placement>(text, Json)!;
    }
}
