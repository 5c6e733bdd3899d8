using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Intelligence.Segments;
using Intelligence.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Shared.Contracts;
using TestSupport;
using static Intelligence.Tests.Segments.SegmentKit;

namespace Intelligence.Tests.Segments;

/// <summary>The segments API: definitions with versions and an audit log, validation by node path, and scopes.</summary>
public sealed class SegmentsApiTests(StoreServers servers)
{
    private async Task<IntelligenceApp> AppAsync(string store = StoreKinds.Redis, [System.Runtime.CompilerServices.CallerMemberName] string test = "")
    {
        var app = new IntelligenceApp(await servers.ConnectionStringAsync(store), TestKeys.Prefix(test));
        await app.Services.GetRequiredService<IndexFeed>().Loaded.WaitAsync(TimeSpan.FromSeconds(60));
        return app;
    }

    [Theory, ClassData(typeof(RedisKinds))]
    public async Task ASegment_IsCreatedReadEditedAndDeleted_WithEveryVersionAndAnAuditEntryNamingWhoDidIt(string store)
    {
        await using var app = await AppAsync(store);
        using var admin = app.ClientWithKey(IntelligenceApp.AdminKey);
        using var crm = app.ClientWithKey(IntelligenceApp.CrmKey);

        var created = await CreateAsync(admin, new { name = " Malta depositors ", description = "Players in MT", rule = new { field = "country", op = "eq", value = "MT" } }, actor: "ana@casino");
        Assert.StartsWith("sgm-", created.Id, StringComparison.Ordinal);
        Assert.Equal("Malta depositors", created.Name);
        Assert.Equal("marketing", created.Purpose);
        Assert.Null(created.Channel);
        Assert.Equal(1, created.Version);
        Assert.Equal("ana@casino", created.CreatedBy);
        Assert.Equal("ana@casino", created.UpdatedBy);

        // Readable with scores:read; writing needs segments:write.
        var read = await crm.GetFromJsonAsync<Segment>($"/v1/segments/{created.Id}", Json);
        Assert.Equal(created.Name, read!.Name);
        Assert.Contains((await crm.GetFromJsonAsync<List<Segment>>("/v1/segments", Json))!, s => s.Id == created.Id);
        Assert.Equal(HttpStatusCode.Forbidden, (await crm.PostAsJsonAsync("/v1/segments", new { name = "x", rule = new { field = "country", op = "eq", value = "MT" } })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await crm.DeleteAsync($"/v1/segments/{created.Id}")).StatusCode);
        using (var anonymous = app.CreateClient()) Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/v1/segments")).StatusCode);

        // Without X-Actor, the key's name is the author.
        var put = await admin.PutAsJsonAsync($"/v1/segments/{created.Id}", new { name = "Malta and Sweden", purpose = "analysis", rule = new { field = "country", op = "in", value = Countries } });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var edited = (await put.Content.ReadFromJsonAsync<Segment>(Json))!;
        Assert.Equal(2, edited.Version);
        Assert.Equal("admin", edited.UpdatedBy);
        Assert.Equal("ana@casino", edited.CreatedBy);
        Assert.Equal(created.CreatedAt, edited.CreatedAt);
        Assert.True(edited.UpdatedAt >= created.UpdatedAt);

        var versions = (await crm.GetFromJsonAsync<List<Segment>>($"/v1/segments/{created.Id}/versions", Json))!;
        Assert.Equal([1, 2], versions.Select(v => v.Version));
        Assert.Equal(["ana@casino", "admin"], versions.Select(v => v.UpdatedBy));
        Assert.Equal("Malta depositors", versions[0].Name);
        Assert.Equal("""{"field":"country","op":"eq","value":"MT"}""", JsonSerializer.Serialize(versions[0].Rule, ContractsJsonContext.Default.SegmentRule));

        using (var delete = new HttpRequestMessage(HttpMethod.Delete, $"/v1/segments/{created.Id}"))
        {
            delete.Headers.Add(ApiHeaders.Actor, "bo@casino");
            Assert.Equal(HttpStatusCode.NoContent, (await admin.SendAsync(delete)).StatusCode);
        }
        var gone = await crm.GetAsync($"/v1/segments/{created.Id}");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Contains(created.Id, await gone.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.DeleteAsync($"/v1/segments/{created.Id}")).StatusCode);
        // Versions stay, as evidence.
        Assert.Equal(2, (await crm.GetFromJsonAsync<List<Segment>>($"/v1/segments/{created.Id}/versions", Json))!.Count);

        // The audit log has a scope of its own: a key that reads scores does not read who changed what.
        Assert.Equal(HttpStatusCode.Forbidden, (await crm.GetAsync("/v1/segments/audit?limit=10")).StatusCode);
        var audit = (await admin.GetFromJsonAsync<List<AuditEntry>>("/v1/segments/audit?limit=10", Json))!.Where(a => a.SubjectId == created.Id).ToList();
        Assert.Equal(["deleted", "updated", "created"], audit.Select(a => a.Action));
        Assert.Equal(["bo@casino", "admin", "ana@casino"], audit.Select(a => a.Actor));
        Assert.Equal([2, 2, 1], audit.Select(a => a.Version));
        Assert.Contains("name 'Malta depositors' → 'Malta and Sweden'", audit[1].Detail, StringComparison.Ordinal);
        Assert.Contains("marketing, any channel → analysis", audit[1].Detail, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.GetAsync("/v1/segments/audit?limit=0")).StatusCode);
    }

    private static readonly string[] Countries = ["MT", "SE"];

    private static readonly (string Body, string Path)[] InvalidSegments =
    [
        ("""{"name":"x","rule":{"all":[{"field":"country","op":"eq","value":"MT"},{"any":[{"field":"lifetime.depositAmount","op":"gte","value":"lots"}]}]}}""", "rule.all[1].any[0].value"),
        ("""{"name":"x","rule":{"all":[{"field":"country","op":"eq","value":"MT"},{"any":[{"field":"lifetime.deposits","op":"gte","value":1}]}]}}""", "rule.all[1].any[0].field"),
        ("""{"name":"x","rule":{"all":[{"field":"lifetime.lastBetAt","op":"eq","value":"-7d"}]}}""", "rule.all[0].op"),
        ("""{"name":"x","rule":{"any":[]}}""", "rule.any"),
        ("""{"name":"x","rule":{"field":"country","op":"in","value":"MT"}}""", "rule.value"),
        ("""{"name":"x","rule":{"field":"windows.7d.stakeAmount","op":"between","value":[50,10]}}""", "rule.value"),
        ("""{"name":"x","rule":{"all":[{"field":"country","op":"eq","value":"MT"},{"any":{}}]}}""", "rule.all[1].any"),
        ("""{"name":"x","rule":{"all":[{"field":"country","op":"eq","value":"MT"},5]}}""", "rule.all[1]"),
        ("""{"name":"x"}""", "rule"),
        ("""{"rule":{"field":"country","op":"eq","value":"MT"}}""", "name"),
        ("""{"name":"x","purpose":"spam","rule":{"field":"country","op":"eq","value":"MT"}}""", "purpose"),
        ("""{"name":"x","purpose":"analysis","channel":"email","rule":{"field":"country","op":"eq","value":"MT"}}""", "channel"),
        ("""{"name":"x","channel":"fax","rule":{"field":"country","op":"eq","value":"MT"}}""", "channel"),
        ("""{"name":5,"rule":{"field":"country","op":"eq","value":"MT"}}""", "name"),
        ("""not json""", "body"),
    ];

    [Fact]
    public async Task AnInvalidSegment_IsA400ProblemKeyedByThePathOfTheOffendingNode()
    {
        await using var app = await AppAsync();
        using var admin = app.ClientWithKey(IntelligenceApp.AdminKey);
        foreach (var (body, path) in InvalidSegments)
        {
            var errors = await ProblemAsync(await admin.PostAsync("/v1/segments", JsonBody(body)));
            Assert.True(errors.ContainsKey(path), $"{body}: expected {path}, got {string.Join(", ", errors.Keys)}");
            var preview = await admin.PostAsync("/v1/segments/preview", JsonBody(body));
            if (path.StartsWith("rule", StringComparison.Ordinal)) Assert.Contains(path, (await ProblemAsync(preview)).Keys);
        }
        Assert.Empty(await admin.GetFromJsonAsync<List<Segment>>("/v1/segments", Json) ?? []);
    }

    [Fact]
    public async Task APlacementOrPreview_WithAnActorThatIsNotAName_IsRefused_AndUnknownIdsAre404()
    {
        await using var app = await AppAsync();
        using var admin = app.ClientWithKey(IntelligenceApp.AdminKey);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/segments") { Content = JsonBody("""{"name":"x","rule":{"field":"country","op":"eq","value":"MT"}}""") };
        request.Headers.TryAddWithoutValidation(ApiHeaders.Actor, new string('a', 101));
        Assert.Contains(ApiHeaders.Actor, (await ProblemAsync(await admin.SendAsync(request))).Keys);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync("/v1/segments/sgm-404")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync("/v1/segments/sgm-404/versions")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PutAsJsonAsync("/v1/segments/sgm-404", new { name = "x", rule = new { field = "country", op = "eq", value = "MT" } })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync("/v1/segments/sgm-404/players.csv")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.GetAsync("/v1/segments/sgm-404/players?limit=1001")).StatusCode);
        Assert.Contains("cursor", (await ProblemAsync(await admin.GetAsync("/v1/segments/sgm-404/players?cursor=%25%25"))).Keys);
    }

    [Fact]
    public async Task TheOpenApiDocument_DescribesEverySegmentPlacementAndInsightEndpoint()
    {
        await using var app = await AppAsync();
        using var client = app.CreateClient();
        var document = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var operations = document.GetProperty("paths").EnumerateObject()
            .Where(p => p.Name.StartsWith("/v1/segments", StringComparison.Ordinal) || p.Name.StartsWith("/v1/placements", StringComparison.Ordinal)
                || p.Name.StartsWith("/v1/insights", StringComparison.Ordinal) || p.Name.EndsWith("/placements", StringComparison.Ordinal))
            .SelectMany(p => p.Value.EnumerateObject())
            .Where(o => o.Value.ValueKind == JsonValueKind.Object && o.Value.TryGetProperty("operationId", out _))
            .ToList();
        Assert.Equal(
            ["CreatePlacement", "CreateSegment", "DeletePlacement", "DeleteSegment", "ExportSegmentMembers", "GetPlacement", "GetPlayerPlacements",
             "GetScoreDistributions", "GetSegment", "GetSegmentAudit", "GetSegmentFields", "GetSegmentMembers", "GetSegmentSize", "GetSegmentVersions", "ListPlacements",
             "ListSegments", "PreviewSegment", "UpdatePlacement", "UpdateSegment"],
            operations.Select(o => o.Value.GetProperty("operationId").GetString()).Order(StringComparer.Ordinal));
        Assert.All(operations, o => Assert.False(string.IsNullOrEmpty(o.Value.GetProperty("summary").GetString())));
    }
}
