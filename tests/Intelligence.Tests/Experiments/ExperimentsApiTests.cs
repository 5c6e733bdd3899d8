using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Intelligence.Tests.Support;
using Intelligence.Tests.Webhooks;
using Microsoft.Extensions.Time.Testing;
using Shared.Contracts;
using TestSupport;
using static Intelligence.Tests.Segments.SegmentKit;

namespace Intelligence.Tests.Experiments;

/// <summary>
/// <c>GET /v1/experiments</c>, a player's group and <c>/v1/experiments/{id}/report</c> on a real store, with players and
/// their deposits sent through Ingestion at fixed times: the report's groups and means are the ones computed here by hand.
/// </summary>
public sealed class ExperimentsApiTests(StoreServers servers)
{
    private const string AssignmentKey = "experiments-api-tests-key";
    private static readonly DateTimeOffset Now = new(2026, 11, 20, 10, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset AssignedAt = Now.AddDays(-12);
    private static readonly string[] Starburst = ["g-starburst"];

    private static string GroupOf(string playerId, double share) =>
        ExperimentAssignment.Group(Encoding.UTF8.GetBytes(AssignmentKey), ExperimentIds.Lobby, playerId, share);

    [Fact]
    public async Task TheLobbyReport_ComparesTheGroupsDepositsOverTheHorizon_AndLeavesTheRestrictedPlayerOut()
    {
        var clock = new FakeTimeProvider(Now);
        var cs = await servers.ConnectionStringAsync(StoreKinds.Redis);
        var prefix = TestKeys.Prefix(nameof(TheLobbyReport_ComparesTheGroupsDepositsOverTheHorizon_AndLeavesTheRestrictedPlayerOut));
        await using var ingestion = new IngestionHost(cs, prefix, clock);
        await using var app = new IntelligenceApp(cs, prefix, Settings(lobbyShare: 0.5), clock);
        using var crm = app.ClientWithKey(IntelligenceApp.CrmKey);
        using var admin = app.ClientWithKey(IntelligenceApp.AdminKey);

        var players = Enumerable.Range(0, 16).Select(i => $"p-{i}").ToArray();
        for (var i = 0; i < players.Length; i++)
        {
            await RegisterAsync(ingestion, players[i], at: Now.AddDays(-40));
            // Before the horizon (the covariate) and inside it.
            await ingestion.PostAsync(Deposit(players[i], 5, AssignedAt.AddDays(-3)));
            await ingestion.PostAsync(Deposit(players[i], 10 + i, AssignedAt.AddDays(2)));
            // After the 7-day horizon: not counted.
            await ingestion.PostAsync(Deposit(players[i], 1000, AssignedAt.AddDays(8)));
        }
        await RegisterAsync(ingestion, "p-restricted", at: Now.AddDays(-40));
        await ingestion.PostAsync(Event("player.rg", "p-restricted", $$"""{"kind":"self_exclusion","until":"{{Now.AddDays(180):O}}"}""", AssignedAt.AddDays(-5)));
        await ingestion.PostAsync(Deposit("p-restricted", 500, AssignedAt.AddDays(1)));

        var import = await admin.PostAsJsonAsync($"/v1/experiments/{ExperimentIds.Lobby}/assignments",
            new { items = players.Append("p-restricted").Select(p => new { playerId = p, assignedAt = AssignedAt }) });
        Assert.Equal(HttpStatusCode.OK, import.StatusCode);
        var imported = (await import.Content.ReadFromJsonAsync<ExperimentAssignmentsImported>(Json))!;
        Assert.Empty(imported.Rejected);
        Assert.Equal([.. players.Select(p => GroupOf(p, 0.5)), ExperimentGroups.Excluded], imported.Items.Select(i => i.Group));

        var list = (await crm.GetFromJsonAsync<ExperimentList>("/v1/experiments", Json))!;
        var lobby = Assert.Single(list.Items, e => e.Id == ExperimentIds.Lobby);
        Assert.Equal(ExperimentKinds.Lobby, lobby.Kind);
        Assert.Equal(0.5, lobby.ControlShare);
        Assert.Equal(AssignedAt, lobby.StartedAt);
        var control = players.Where(p => GroupOf(p, 0.5) == ExperimentGroups.Control).ToArray();
        var treatment = players.Except(control).ToArray();
        Assert.Equal(treatment.Length, lobby.Assigned[ExperimentGroups.Treatment]);
        Assert.Equal(control.Length, lobby.Assigned[ExperimentGroups.Control]);
        Assert.Equal(1, lobby.Assigned[ExperimentGroups.Excluded]);

        var group = (await crm.GetFromJsonAsync<ExperimentAssignmentResult>($"/v1/experiments/{ExperimentIds.Lobby}/players/p-restricted", Json))!;
        Assert.Equal(ExperimentGroups.Excluded, group.Group);
        Assert.Equal(AssignedAt, group.AssignedAt);

        var report = (await crm.GetFromJsonAsync<ExperimentReport>($"/v1/experiments/{ExperimentIds.Lobby}/report?horizonDays=7", Json))!;
        Assert.Equal(new ExperimentGroupSizes(treatment.Length, control.Length), report.Groups);
        var deposits = Assert.Single(report.Metrics, m => m.Name == "depositAmount");
        double Mean(string[] ids) => ids.Average(p => 10.0 + int.Parse(p[2..], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(Mean(treatment), deposits.TreatmentMean!.Value, 6);
        Assert.Equal(Mean(control), deposits.ControlMean!.Value, 6);
        Assert.Equal(Mean(treatment) - Mean(control), deposits.Uplift!.Value, 6);
        Assert.True(deposits.Ci95Low < deposits.Uplift && deposits.Uplift < deposits.Ci95High);
        var retained = Assert.Single(report.Metrics, m => m.Name == "retained");
        Assert.Equal(1, retained.TreatmentMean);
        Assert.Equal(1, retained.ControlMean);
        Assert.Contains(report.Metrics, m => m.Name == "ggr");
        Assert.Contains(report.Metrics, m => m.Name == "activeDays");
        Assert.Equal("fixed-horizon", report.Design.Kind);
        Assert.False(report.Design.Final);
        Assert.Contains("Fixed horizon", report.Method, StringComparison.Ordinal);
        Assert.Contains("16 players over 7 days (interim", report.Summary, StringComparison.Ordinal);

        // A horizon not yet over for anyone: nobody is compared, and the sentence says so.
        var later = (await crm.GetFromJsonAsync<ExperimentReport>($"/v1/experiments/{ExperimentIds.Lobby}/report?horizonDays=30", Json))!;
        Assert.Equal(new ExperimentGroupSizes(0, 0), later.Groups);
        Assert.StartsWith("Not enough data yet", later.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnknownExperiment_IsA404ProblemNamingIt_AndABadHorizonA400NamingTheField()
    {
        var cs = await servers.ConnectionStringAsync(StoreKinds.Redis);
        await using var app = new IntelligenceApp(cs, TestKeys.Prefix(nameof(AnUnknownExperiment_IsA404ProblemNamingIt_AndABadHorizonA400NamingTheField)), Settings(0.1));
        using var crm = app.ClientWithKey(IntelligenceApp.CrmKey);

        foreach (var uri in new[] { "/v1/experiments/placement-nope/report", "/v1/experiments/placement-nope", "/v1/experiments/placement-nope/players/p-1" })
        {
            var response = await crm.GetAsync(uri);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("Unknown experiment", problem.GetProperty("title").GetString());
            Assert.Contains("'placement-nope'", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
        foreach (var horizon in new[] { 0, 91 })
        {
            var errors = await ProblemAsync(await crm.GetAsync($"/v1/experiments/{ExperimentIds.Lobby}/report?horizonDays={horizon}"));
            Assert.Contains($"not {horizon}", Assert.Single(errors["horizonDays"]), StringComparison.Ordinal);
        }
        var unknownPlayer = await crm.GetAsync($"/v1/experiments/{ExperimentIds.Lobby}/players/p-nobody");
        Assert.Equal(HttpStatusCode.NotFound, unknownPlayer.StatusCode);
        Assert.Equal("Unknown player", (await unknownPlayer.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString());
        // Setting a share is a write: the read key may not.
        Assert.Equal(HttpStatusCode.Forbidden, (await crm.PutAsJsonAsync($"/v1/experiments/{ExperimentIds.Lobby}", new { controlShare = 0.2 })).StatusCode);
    }

    [Fact]
    public async Task AGroup_IsTheSameOnEveryInstanceAndAfterRestarts_WhateverTheShareBecomes()
    {
        var clock = new FakeTimeProvider(Now);
        var cs = await servers.ConnectionStringAsync(StoreKinds.Redis);
        var prefix = TestKeys.Prefix(nameof(AGroup_IsTheSameOnEveryInstanceAndAfterRestarts_WhateverTheShareBecomes));
        var players = Enumerable.Range(0, 40).Select(i => $"p-{i}").ToArray();
        await using (var ingestion = new IngestionHost(cs, prefix, clock))
        {
            foreach (var p in players) await RegisterAsync(ingestion, p, at: Now.AddDays(-1));
        }
        // No configured key: the first instance creates one in the store, and every other instance uses it.
        var noKey = new Dictionary<string, string?> { ["Experiments:LobbyControlShare"] = "0.5" };
        Dictionary<string, ExperimentAssignmentResult> first;
        await using (var one = new IntelligenceApp(cs, prefix, noKey, clock))
        await using (var two = new IntelligenceApp(cs, prefix, noKey, clock))
        {
            using var a = one.ClientWithKey(IntelligenceApp.CrmKey);
            using var b = two.ClientWithKey(IntelligenceApp.CrmKey);
            // Half the players ask one instance first, half the other: the hash decides, not who asked.
            first = [];
            foreach (var (p, i) in players.Select((p, i) => (p, i)))
            {
                first[p] = (await GroupAsync(i % 2 == 0 ? a : b, p))!;
                clock.Advance(TimeSpan.FromSeconds(1));
            }
            var key = Convert.FromBase64String((await one.Db.StringGetAsync(one.Keys.ExperimentKey))!);
            Assert.All(players, p => Assert.Equal(ExperimentAssignment.Group(key, ExperimentIds.Lobby, p, 0.5), first[p].Group));
            Assert.Contains(first.Values, r => r.Group == ExperimentGroups.Control);
            Assert.Contains(first.Values, r => r.Group == ExperimentGroups.Treatment);
            foreach (var (p, i) in players.Select((p, i) => (p, i))) Assert.Equal(first[p], await GroupAsync(i % 2 == 0 ? b : a, p));
        }
        // Restarted with no control group at all: those recorded keep theirs, and when they were assigned.
        clock.Advance(TimeSpan.FromDays(1));
        await using var again = new IntelligenceApp(cs, prefix, new Dictionary<string, string?> { ["Experiments:LobbyControlShare"] = "0" }, clock);
        using var c = again.ClientWithKey(IntelligenceApp.CrmKey);
        foreach (var p in players) Assert.Equal(first[p], await GroupAsync(c, p));
    }

    [Fact]
    public async Task APlacementsControlMembers_AreHeldOut_AndAMemberWhoSelfExcludesSeesNothingWhateverTheirGroup()
    {
        var cs = await servers.ConnectionStringAsync(StoreKinds.Redis);
        var prefix = TestKeys.Prefix(nameof(APlacementsControlMembers_AreHeldOut_AndAMemberWhoSelfExcludesSeesNothingWhateverTheirGroup));
        await using var ingestion = new IngestionHost(cs, prefix);
        using (var ops = ingestion.ClientWithKey(SimulatedCasino.OpsKey))
        {
            (await ops.PutAsync("/v1/catalog/games", JsonBody("""
                [{"id":"g-starburst","title":"Starburst","provider":"NetEnt","category":"slots","tags":[],"rtp":96.1,"volatility":"low","minBet":0.1,"maxBet":100,"jackpot":false,"markets":["*"],"releasedAt":"2012-01-01T00:00:00Z","enabled":true}]
                """))).EnsureSuccessStatusCode();
        }
        await using var app = new IntelligenceApp(cs, prefix, new Dictionary<string, string?>
        {
            ["Experiments:AssignmentKey"] = AssignmentKey,
            ["Experiments:DefaultControlShare"] = "0.5",
        });
        using var admin = app.ClientWithKey(IntelligenceApp.AdminKey);
        var players = Enumerable.Range(0, 12).Select(i => $"p-{i}").ToArray();
        foreach (var p in players) await RegisterAsync(ingestion, p, campaign: "vip");
        await IndexedAsync(app, players);
        var segment = await CreateAsync(admin, new { name = "VIPs", purpose = "analysis", rule = new { field = "campaign", op = "eq", value = "vip" } });
        var now = DateTimeOffset.UtcNow;
        var created = await admin.PostAsJsonAsync("/v1/placements", new { segmentId = segment.Id, title = "Picked for you", kind = "games", gameIds = Starburst, priority = 10, startsAt = now.AddHours(-1), endsAt = now.AddDays(7) });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var placement = (await created.Content.ReadFromJsonAsync<Placement>(Json))!;
        var experimentId = ExperimentIds.OfPlacement(placement.Id);

        foreach (var p in players)
        {
            var seen = (await admin.GetFromJsonAsync<PlayerPlacements>($"/v1/players/{p}/placements", Json))!;
            var control = ExperimentAssignment.Group(Encoding.UTF8.GetBytes(AssignmentKey), experimentId, p, 0.5) == ExperimentGroups.Control;
            Assert.Equal(control ? [] : [placement.Id], seen.Items.Select(i => i.Id));
            Assert.Equal(control ? [placement.Id] : [], seen.HeldOut ?? []);
        }
        var treated = players.First(p => ExperimentAssignment.Group(Encoding.UTF8.GetBytes(AssignmentKey), experimentId, p, 0.5) == ExperimentGroups.Treatment);
        await SelfExcludeAsync(ingestion, treated);
        await Poll.UntilAsync(async () => (await admin.GetFromJsonAsync<PlayerPlacements>($"/v1/players/{treated}/placements", Json))!.Items.Count == 0,
            "the self-excluded treatment member to see no placement");
        Assert.Equal(ExperimentGroups.Treatment, (await GroupAsync(admin, treated, experimentId))!.Group);
    }

    private static async Task<ExperimentAssignmentResult?> GroupAsync(HttpClient client, string playerId, string experimentId = ExperimentIds.Lobby) =>
        await client.GetFromJsonAsync<ExperimentAssignmentResult>($"/v1/experiments/{experimentId}/players/{playerId}", Json);

    private static Dictionary<string, string?> Settings(double lobbyShare) => new()
    {
        ["Experiments:AssignmentKey"] = AssignmentKey,
        ["Experiments:LobbyControlShare"] = lobbyShare.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Experiments:ReportCacheFor"] = "00:00:00",
    };

    private static string Deposit(string playerId, decimal amount, DateTimeOffset at) =>
        Event("wallet.deposit", playerId, $$"""{"transactionId":"{{Guid.NewGuid():N}}","amount":{{amount}},"currency":"EUR","status":"approved"}""", at);
}
