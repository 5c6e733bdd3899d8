using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using TestSupport;

namespace Intelligence.Tests.Fuzz;

/// <summary>
/// Hostile input for Intelligence's public endpoints that take a body (<see cref="HostileInput"/>): scores in batch,
/// segments and their rule language, previews, placements, webhook registrations. Nothing is answered 5xx, a refusal
/// names the spoiled field (or the body as a whole), and a refused request leaves the keys those endpoints write as they were.
/// It runs on a Redis of its own: the store is dumped before and after each of the 1,800 inputs, and a dump scans the
/// server's whole keyspace, so on the assembly's shared server (every other test's keys) the test took 22 minutes.
/// </summary>
public sealed class HostileInputTests(ITestOutputHelper output)
{
    private const int Inputs = 300;

    private const string Rule = """{"all":[{"field":"country","op":"eq","value":"MT"},{"any":[{"field":"lifetime.depositAmount","op":"gte","value":100},{"field":"lifetime.lastBetAt","op":"gte","value":"-7d"}]},{"not":{"field":"market","op":"in","value":["GB","SE"]}}]}""";
    private const string Segment = """{"name":"High rollers","description":"d","purpose":"marketing","channel":"email","rule":RULE}""";
    private const string Preview = """{"rule":RULE,"purpose":"marketing","channel":"email","sampleSize":5}""";
    private const string Batch = """{"playerIds":["p-1","p-2","p-3"]}""";
    private const string Placement = """{"segmentId":"SEG","title":"Weekend slots","kind":"games","gameIds":["g-fuzz"],"priority":5,"startsAt":"2026-01-01T00:00:00Z","endsAt":"2027-01-01T00:00:00Z","bonusLed":false}""";
    private const string Webhook = """{"url":"https://crm.example.com/hooks/casino","events":["churn.band.changed","segment.entered"],"secret":"a-secret-of-enough-length-1234"}""";

    /// <summary>The keys these endpoints write; background loops write others (index heartbeats, size snapshots) at any time.</summary>
    private static readonly string[] WrittenKeys =
        ["{segments}:definitions", "{segments}:versions", "{segments}:history", "{segments}:sequence", "{segments}:audit", "{segments}:placements", "{webhooks}:subscriptions"];

    /// <summary>Skips every key but <see cref="WrittenKeys"/>.</summary>
    private static bool Written(string key) => !WrittenKeys.Any(k => key.Contains(k, StringComparison.Ordinal));

    private static readonly string[] WholeRequest = ["Malformed JSON", "not valid JSON", "JSON", "body", "Unsupported media type", "too large"];

    [Fact]
    public async Task EveryEndpoint_TakesHostileInput_WithoutA5xx_NamingTheField_AndLeavingTheStoreAsItWas()
    {
        await using var server = await RedisServer.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        await using var app = new IntelligenceApp(server.ConnectionString);
        var redis = app.Services.GetRequiredService<IConnectionMultiplexer>();
        await redis.GetDatabase().HashSetAsync(app.Keys.Catalog, "g-fuzz",
            """{"id":"g-fuzz","title":"Fuzz","provider":"P","category":"slots","volatility":"low","rtp":96.5,"minBet":0.1,"maxBet":10,"markets":["*"],"tags":[],"enabled":true}""");
        using var admin = app.ClientWithKey(IntelligenceApp.AdminKey);
        var created = await admin.PostAsync(new Uri("/v1/segments", UriKind.Relative),
            new StringContent(Segment.Replace("RULE", Rule, StringComparison.Ordinal), Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        var createdText = await created.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(created.IsSuccessStatusCode, createdText);
        var segmentId = System.Text.Json.JsonDocument.Parse(createdText).RootElement.GetProperty("id").GetString()!;

        (string Name, string Method, string Path, string Valid, string Key)[] endpoints =
        [
            ("POST /v1/scores/batch", "POST", "/v1/scores/batch", Batch, IntelligenceApp.CrmKey),
            ("POST /v1/segments", "POST", "/v1/segments", Segment.Replace("RULE", Rule, StringComparison.Ordinal), IntelligenceApp.AdminKey),
            ("PUT /v1/segments/{id}", "PUT", $"/v1/segments/{segmentId}", Segment.Replace("RULE", Rule, StringComparison.Ordinal), IntelligenceApp.AdminKey),
            ("POST /v1/segments/preview", "POST", "/v1/segments/preview", Preview.Replace("RULE", Rule, StringComparison.Ordinal), IntelligenceApp.AdminKey),
            ("POST /v1/placements", "POST", "/v1/placements", Placement.Replace("SEG", segmentId, StringComparison.Ordinal), IntelligenceApp.AdminKey),
            ("POST /v1/webhooks", "POST", "/v1/webhooks", Webhook, IntelligenceApp.AdminKey),
        ];
        var failures = new List<string>();
        ulong seed = 180;
        foreach (var (name, method, path, valid, key) in endpoints)
        {
            using var client = app.ClientWithKey(key);
            failures.AddRange(await HostileInput.RunAsync(name, HostileInput.From(valid, cap: 2_000_000), Inputs, seed++, async c =>
            {
                var before = await HostileInput.DumpAsync(redis, app.Prefix, Written);
                using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative)) { Content = new ByteArrayContent(c.Bytes) };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
                var answer = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
                Assert.True((int)response.StatusCode < 500, $"{(int)response.StatusCode}: {HostileInput.Shorten(answer)}");
                if (response.IsSuccessStatusCode) return;
                var after = await HostileInput.DumpAsync(redis, app.Prefix, Written);
                Assert.True(before.Count == after.Count && before.All(kv => after.GetValueOrDefault(kv.Key) == kv.Value),
                    $"a refused request changed the store: {HostileInput.Difference(before, after)}; answer {HostileInput.Shorten(answer)}");
                if ((int)response.StatusCode is 401 or 403 or 404 or 409 or 413 or 415) return;
                var named = c.Field is { } f
                    ? answer.Contains(f, StringComparison.OrdinalIgnoreCase) || WholeRequest.Any(t => answer.Contains(t, StringComparison.OrdinalIgnoreCase))
                    : answer.Contains("\"errors\"", StringComparison.Ordinal) || answer.Contains("field ", StringComparison.Ordinal) || WholeRequest.Any(t => answer.Contains(t, StringComparison.OrdinalIgnoreCase));
                Assert.True(named, $"the refusal does not name {c.Field ?? "the body"}: {HostileInput.Shorten(answer)}");
            }));
        }
        output.WriteLine(HostileInput.Report(endpoints.Select(e => e.Name)));
        Assert.True(failures.Count == 0, $"{failures.Count} inputs broke a property:\n{string.Join('\n', failures.Take(30))}");
    }
}
