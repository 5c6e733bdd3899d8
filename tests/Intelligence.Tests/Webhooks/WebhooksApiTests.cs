using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using TestSupport;

namespace Intelligence.Tests.Webhooks;

public sealed class WebhooksApiTests(StoreServers servers)
{
    private const string Secret = "0123456789abcdef-crm";
    private static readonly string[] ChurnAndSegmentEntered = ["churn.band.changed", "segment.entered"];
    private static readonly string[] SegmentEntered = ["segment.entered"];
    private static readonly string[] NotADeadLetter = ["evt_x.wh_y"];

    [Theory, ClassData(typeof(StoreKinds))]
    public async Task A_registered_webhook_is_returned_without_its_secret_listed_read_and_deleted(string store)
    {
        await using var app = new IntelligenceApp(await servers.ConnectionStringAsync(store));
        using var admin = app.ClientWithKey(IntelligenceApp.AdminKey);

        var created = await admin.PostAsJsonAsync(Uri("/v1/webhooks"),
            new { url = "https://crm.example.com/hooks/casino", events = ChurnAndSegmentEntered, secret = Secret });
        var text = await created.Content.ReadAsStringAsync();
        var webhook = JsonDocument.Parse(text).RootElement;
        var id = webhook.GetProperty("id").GetString()!;

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal($"/v1/webhooks/{id}", created.Headers.Location?.ToString());
        Assert.Equal("https://crm.example.com/hooks/casino", webhook.GetProperty("url").GetString());
        Assert.Equal(["churn.band.changed", "segment.entered"], webhook.GetProperty("events").EnumerateArray().Select(e => e.GetString()));
        Assert.True(webhook.TryGetProperty("createdAt", out _));
        Assert.DoesNotContain(Secret, text, StringComparison.Ordinal);
        Assert.False(webhook.TryGetProperty("secret", out _));

        var read = await admin.GetFromJsonAsync<JsonElement>(Uri($"/v1/webhooks/{id}"));
        var list = await admin.GetStringAsync(Uri("/v1/webhooks"));
        Assert.Equal(id, read.GetProperty("id").GetString());
        Assert.Equal([id], JsonDocument.Parse(list).RootElement.GetProperty("items").EnumerateArray().Select(w => w.GetProperty("id").GetString()));
        Assert.DoesNotContain(Secret, list, StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync(Uri($"/v1/webhooks/{id}"))).StatusCode);
        var gone = await admin.GetAsync(Uri($"/v1/webhooks/{id}"));
        var problem = await gone.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Equal("application/problem+json", gone.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Unknown webhook", problem.GetProperty("title").GetString());
        Assert.Contains(id, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.DeleteAsync(Uri($"/v1/webhooks/{id}"))).StatusCode);
    }

    [Theory]
    [InlineData("""{"url":"ftp://crm.example.com/x","events":["churn.band.changed","vip.band.changed"],"secret":"0123456789abcdef"}""", "url")]
    [InlineData("""{"url":"/hooks/relative","events":["churn.band.changed"],"secret":"0123456789abcdef"}""", "url")]
    [InlineData("""{"events":["churn.band.changed"],"secret":"0123456789abcdef"}""", "url")]
    [InlineData("""{"url":"https://crm.example.com/x","events":[],"secret":"0123456789abcdef"}""", "events")]
    [InlineData("""{"url":"https://crm.example.com/x","events":["churn.band.changed","player.won"],"secret":"0123456789abcdef"}""", "events[1]")]
    [InlineData("""{"url":"https://crm.example.com/x","events":["segment.exited"],"secret":"too-short"}""", "secret")]
    [InlineData("""{"url":"https://crm.example.com/x","events":["segment.exited"]}""", "secret")]
    public async Task An_invalid_registration_is_a_400_problem_naming_the_field(string json, string field)
    {
        await using var app = new IntelligenceApp((await servers.RedisAsync()).ConnectionString);
        using var admin = app.ClientWithKey(IntelligenceApp.AdminKey);

        var response = await admin.PostAsync(Uri("/v1/webhooks"), new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var errors = problem.GetProperty("errors");
        Assert.Equal([field], errors.EnumerateObject().Select(p => p.Name));
        Assert.False(string.IsNullOrWhiteSpace(errors.GetProperty(field)[0].GetString()));
        Assert.Empty(await app.Db.HashKeysAsync(app.Keys.Webhooks));
    }

    [Fact]
    public async Task An_empty_registration_names_url_events_and_secret_at_once()
    {
        await using var app = new IntelligenceApp((await servers.RedisAsync()).ConnectionString);
        using var admin = app.ClientWithKey(IntelligenceApp.AdminKey);

        var response = await admin.PostAsync(Uri("/v1/webhooks"), new StringContent("{}", System.Text.Encoding.UTF8, "application/json"));
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(["events", "secret", "url"], errors.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Every_webhook_endpoint_wants_a_key_with_the_webhooks_write_scope()
    {
        await using var app = new IntelligenceApp((await servers.RedisAsync()).ConnectionString);
        using var anonymous = app.CreateClient();
        using var crm = app.ClientWithKey(IntelligenceApp.CrmKey);
        JsonContent? Body(HttpMethod method) => method == HttpMethod.Post
            ? JsonContent.Create(new { url = "https://crm.example.com/x", events = SegmentEntered, secret = Secret })
            : null;
        (HttpMethod Method, string Path)[] endpoints =
        [
            (HttpMethod.Post, "/v1/webhooks"), (HttpMethod.Get, "/v1/webhooks"), (HttpMethod.Get, "/v1/webhooks/wh_1"),
            (HttpMethod.Delete, "/v1/webhooks/wh_1"), (HttpMethod.Get, "/v1/webhooks/deadletters"), (HttpMethod.Post, "/v1/webhooks/deadletters/replay"),
        ];

        foreach (var (method, path) in endpoints)
        {
            using var withoutKey = new HttpRequestMessage(method, path) { Content = Body(method) };
            using var withCrmKey = new HttpRequestMessage(method, path) { Content = Body(method) };
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.SendAsync(withoutKey)).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await crm.SendAsync(withCrmKey)).StatusCode);
        }
        Assert.Empty(await app.Db.HashKeysAsync(app.Keys.Webhooks));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1001)]
    public async Task A_dead_letter_limit_outside_1_to_1000_is_a_400_naming_limit(int limit)
    {
        await using var app = new IntelligenceApp((await servers.RedisAsync()).ConnectionString);
        using var admin = app.ClientWithKey(IntelligenceApp.AdminKey);

        var response = await admin.GetAsync(Uri($"/v1/webhooks/deadletters?limit={limit}"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("limit", out _));
    }

    [Fact]
    public async Task Replaying_named_ids_that_are_not_dead_letters_reports_them_as_not_found()
    {
        await using var app = new IntelligenceApp((await servers.RedisAsync()).ConnectionString);
        using var admin = app.ClientWithKey(IntelligenceApp.AdminKey);

        var response = await admin.PostAsJsonAsync(Uri("/v1/webhooks/deadletters/replay"), new { ids = NotADeadLetter });
        var result = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(0, result.GetProperty("requeued").GetInt32());
        Assert.Equal(["evt_x.wh_y"], result.GetProperty("notFound").EnumerateArray().Select(i => i.GetString()));
    }

    [Fact]
    public async Task The_OpenAPI_document_describes_every_webhook_endpoint_under_the_Webhooks_tag()
    {
        await using var app = new IntelligenceApp((await servers.RedisAsync()).ConnectionString);
        using var client = app.CreateClient();

        var document = await client.GetFromJsonAsync<JsonElement>(Uri("/openapi/v1.json"));
        var operations = document.GetProperty("paths").EnumerateObject()
            .Where(p => p.Name.StartsWith("/v1/webhooks", StringComparison.Ordinal))
            .SelectMany(p => p.Value.EnumerateObject())
            .Where(o => o.Value.ValueKind == JsonValueKind.Object && o.Value.TryGetProperty("operationId", out _))
            .ToList();

        Assert.Equal(
            ["CreateWebhook", "DeleteWebhook", "GetWebhook", "ListWebhookDeadLetters", "ListWebhooks", "ReplayWebhookDeadLetters"],
            operations.Select(o => o.Value.GetProperty("operationId").GetString()).Order(StringComparer.Ordinal));
        Assert.All(operations, o =>
        {
            Assert.Equal(["Webhooks"], o.Value.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
            Assert.False(string.IsNullOrEmpty(o.Value.GetProperty("summary").GetString()));
        });
    }

    private static Uri Uri(string path) => new(path, UriKind.Relative);
}
