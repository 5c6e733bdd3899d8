using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using TestSupport;

namespace EndToEnd.Tests;

/// <summary>Answers the OpenAPI documents list, given for real: the key check's 401 and 403, and the rollback route's 400 and 409.</summary>
public class DocumentedAnswersTests(StoreServers servers)
{
    private async Task<(KestrelService<Intelligence.IntelligenceEntryPoint> Host, Uri Url)> StartAsync()
    {
        var host = new KestrelService<Intelligence.IntelligenceEntryPoint>(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Redis"] = (await servers.RedisAsync()).ConnectionString,
            ["Store:KeyPrefix"] = TestKeys.Prefix("answers"),
            ["ApiKeys:0:Name"] = "admin",
            ["ApiKeys:0:Key"] = "admin-key",
            ["ApiKeys:0:Scopes"] = "models:admin scores:read",
            ["ApiKeys:1:Name"] = "reader",
            ["ApiKeys:1:Key"] = "reader-key",
            ["ApiKeys:1:Scopes"] = "scores:read",
        }, staticWebAssets: true);
        return (host, host.Start());
    }

    private static HttpRequestMessage Rollback(Uri url, string? key, string body) =>
        new(HttpMethod.Post, new Uri(url, "/v1/models/rollback"))
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
            Headers = { { "X-Api-Key", key ?? "" } },
        };

    [Fact]
    public async Task TheKeyCheck_Answers401WithoutAKnownKey_And403WithoutTheScope()
    {
        var (host, url) = await StartAsync();
        await using var _ = host;
        using var http = new HttpClient();
        var ct = TestContext.Current.CancellationToken;

        using var anonymous = await http.SendAsync(new HttpRequestMessage(HttpMethod.Post, new Uri(url, "/v1/models/rollback")), ct);
        using var unknown = await http.SendAsync(Rollback(url, "not-a-key", """{"kind":"churn"}"""), ct);
        using var reader = await http.SendAsync(Rollback(url, "reader-key", """{"kind":"churn"}"""), ct);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, reader.StatusCode);
        Assert.Equal("application/problem+json", reader.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Rollback_NamesAnUnknownKind_AndSaysWhenThereIsNothingToRollBackTo()
    {
        var (host, url) = await StartAsync();
        await using var _ = host;
        using var http = new HttpClient();
        var ct = TestContext.Current.CancellationToken;

        using var unknown = await http.SendAsync(Rollback(url, "admin-key", """{"kind":"ltv"}"""), ct);
        using var missing = await http.SendAsync(Rollback(url, "admin-key", "{}"), ct);
        using var nothing = await http.SendAsync(Rollback(url, "admin-key", """{"kind":"churn"}"""), ct);

        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        var errors = (await unknown.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("errors");
        Assert.Contains("'ltv' is not", errors.GetProperty("kind")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, nothing.StatusCode);
    }
}
