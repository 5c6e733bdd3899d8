using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Intelligence.Scoring;
using Intelligence.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Shared.Contracts;
using Shared.Store;
using StackExchange.Redis;
using TestSupport;

namespace Intelligence.Tests.SaferGambling;

/// <summary>The case queue's API: only the harm:cases scope, cases opened by the score, notes with author, outcomes closing cases as labels.</summary>
public sealed class HarmCasesApiTests(SimulatedCasino casino, StoreServers servers)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task ACaseOpens_TakesNotesWithTheirAuthor_AndAnOutcomeClosesItAsALabel()
    {
        var cs = await servers.ConnectionStringAsync("redis");
        var prefix = TestKeys.Prefix("harm-cases");
        await using var ingestion = new IngestionHost(cs, prefix, casino.Clock);
        await ingestion.PostAsync($$$"""{"specversion":"1.0","id":"r1","source":"/test","type":"player.registered","time":"{{{casino.Now(TimeSpan.FromHours(-1))}}}","subject":"p-c","data":{"country":"SE","currency":"EUR"}}""");
        var settings = new Dictionary<string, string?>
        {
            ["SaferGambling:Elevated"] = "0", ["SaferGambling:High"] = "0",
            ["ApiKeys:2:Name"] = "safety", ["ApiKeys:2:Key"] = "safety-key", ["ApiKeys:2:Scopes"] = "harm:cases",
        };
        await using var app = new IntelligenceApp(cs, prefix, settings, casino.Clock);
        await app.Services.GetRequiredService<Rescorer>().RescoreAsync(["p-c"], TestContext.Current.CancellationToken);
        var ct = TestContext.Current.CancellationToken;

        using var crm = app.ClientWithKey(IntelligenceApp.CrmKey);
        Assert.Equal(HttpStatusCode.Forbidden, (await crm.GetAsync("/v1/harm/cases", ct)).StatusCode);

        using var safety = app.ClientWithKey("safety-key");
        var cases = (await safety.GetFromJsonAsync<HarmCaseList>("/v1/harm/cases", Json, ct))!;
        Assert.Equal("p-c", Assert.Single(cases.Items).PlayerId);
        Assert.Equal("high", cases.Items[0].Harm!.Band);

        var detail = (await safety.GetFromJsonAsync<HarmCaseDetail>("/v1/harm/cases/p-c", Json, ct))!;
        Assert.True(detail.Open);
        Assert.Equal(30, detail.History.Count);
        Assert.All(detail.History, d => Assert.Contains("nightPlay", d.Markers.Keys));

        var bad = await safety.PostAsJsonAsync("/v1/harm/cases/p-c/notes", new { text = "", outcome = "called" }, ct);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var problem = await bad.Content.ReadAsStringAsync(ct);
        Assert.Contains("text", problem, StringComparison.Ordinal);
        Assert.Contains("'called' is not an outcome", problem, StringComparison.Ordinal);

        using var note = new HttpRequestMessage(HttpMethod.Post, "/v1/harm/cases/p-c/notes") { Content = JsonContent.Create(new { text = "Called; agreed a weekly limit", outcome = "limit_set" }) };
        note.Headers.Add("X-Actor", "sam");
        (await safety.SendAsync(note, ct)).EnsureSuccessStatusCode();

        detail = (await safety.GetFromJsonAsync<HarmCaseDetail>("/v1/harm/cases/p-c", Json, ct))!;
        Assert.False(detail.Open);
        Assert.Equal("limit_set", detail.Outcome);
        var entry = Assert.Single(detail.Log);
        Assert.Equal(("sam", "Called; agreed a weekly limit", "limit_set"), (entry.Actor, entry.Text, entry.Outcome));
        Assert.Empty((await safety.GetFromJsonAsync<HarmCaseList>("/v1/harm/cases", Json, ct))!.Items);
        await using var redis = await ConnectionMultiplexer.ConnectAsync(cs);
        Assert.StartsWith("limit_set|", (string?)await redis.GetDatabase().HashGetAsync(new StoreKeys(prefix).HarmLabels, "p-c"), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await safety.PostAsJsonAsync("/v1/harm/cases/p-nobody/notes", new { text = "x" }, ct)).StatusCode);
    }
}
