using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Intelligence.Tests.Support;
using Intelligence.Tests.Webhooks;
using Intelligence.Webhooks;
using Shared.Contracts;
using TestSupport;
using static Intelligence.Tests.Segments.SegmentKit;

namespace Intelligence.Tests.Experiments;

/// <summary>A marketing segment's members are assigned as they enter, and the CRM's webhook says which are control, so it holds them out too.</summary>
public sealed class ControlWebhookTests(StoreServers servers)
{
    private const string AssignmentKey = "control-webhook-tests-key";

    [Fact]
    public async Task SegmentEntered_CarriesEachMembersGroup_TheSameTheApiReports()
    {
        var cs = await servers.ConnectionStringAsync(StoreKinds.Redis);
        var prefix = TestKeys.Prefix(nameof(SegmentEntered_CarriesEachMembersGroup_TheSameTheApiReports));
        await using var crm = await WebhookReceiver.StartAsync();
        await using var ingestion = new IngestionHost(cs, prefix);
        await using var host = WebhookTestHost.Start(cs, new Dictionary<string, string?>
        {
            ["Experiments:AssignmentKey"] = AssignmentKey,
            ["Experiments:DefaultControlShare"] = "0.5",
        }, prefix);
        await host.RegisterAsync(crm.Url, WebhookEventTypes.SegmentEntered);
        var players = Enumerable.Range(0, 12).Select(i => $"p-{i}").ToArray();
        foreach (var p in players) await RegisterAsync(ingestion, p, campaign: "spring");
        // No consent to marketing: not a member of a marketing segment, so in no experiment of it and told to no CRM.
        await RegisterAsync(ingestion, "p-no-consent", campaign: "spring", emailConsent: false);
        await IndexedAsync(host.App, [.. players, "p-no-consent"]);

        var segment = await CreateAsync(host.Admin, new { name = "Spring campaign", purpose = "marketing", rule = new { field = "campaign", op = "eq", value = "spring" } });
        await crm.WaitForRequestsAsync(players.Length, TimeSpan.FromSeconds(60));
        await host.OutboxDrainedAsync();

        var experimentId = ExperimentIds.OfSegment(segment.Id);
        var received = crm.Requests.Select(r => JsonDocument.Parse(r.RawBody).RootElement).ToDictionary(b => b.GetProperty("playerId").GetString()!);
        Assert.Equal(players.Order(StringComparer.Ordinal), received.Keys.Order(StringComparer.Ordinal));
        foreach (var p in players)
        {
            var data = received[p].GetProperty("data");
            var expected = ExperimentAssignment.Group(Encoding.UTF8.GetBytes(AssignmentKey), experimentId, p, 0.5);
            Assert.Equal(experimentId, data.GetProperty("experimentId").GetString());
            Assert.Equal(expected, data.GetProperty("group").GetString());
            var recorded = await host.Admin.GetFromJsonAsync<ExperimentAssignmentResult>($"/v1/experiments/{experimentId}/players/{p}", Json);
            Assert.Equal(expected, recorded!.Group);
        }
        Assert.Contains(received.Values, b => b.GetProperty("data").GetProperty("group").GetString() == ExperimentGroups.Control);
        Assert.Contains(received.Values, b => b.GetProperty("data").GetProperty("group").GetString() == ExperimentGroups.Treatment);
        Assert.Equal(HttpStatusCode.NotFound, (await host.Admin.GetAsync($"/v1/experiments/{experimentId}/players/p-no-consent")).StatusCode);

        var experiment = Assert.Single((await host.Admin.GetFromJsonAsync<ExperimentList>("/v1/experiments", Json))!.Items, e => e.Id == experimentId);
        Assert.Equal(ExperimentKinds.Segment, experiment.Kind);
        Assert.Equal(segment.Id, experiment.Target);
        Assert.Equal(players.Length, experiment.Assigned[ExperimentGroups.Treatment] + experiment.Assigned[ExperimentGroups.Control]);
    }
}
