using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Shared.Contracts;

namespace Simulator.Demo;

/// <summary>Where the examples go: Intelligence (a key with <c>segments:write</c>, <c>scores:read</c> and <c>webhooks:write</c>) and the CRM receiving the webhook.</summary>
public sealed record DemoExamplesOptions(Uri Intelligence, string ApiKey, Uri WebhookUrl, string WebhookSecret);

/// <summary>
/// What the demo seeds on its first start so every page of the marketers' console has something to show: example
/// segments (named "Example: …"), placements for two of them, and a webhook to the demo's CRM (<see cref="ExampleCrm"/>),
/// all made through Intelligence's public API by the author <see cref="Actor"/>. Idempotent: what already exists (by
/// name, by title, by URL) is left as it is, so a run cut short is finished by the next one.
/// </summary>
public static class DemoExamples
{
    public const string Actor = "demo examples";
    public const string NamePrefix = "Example: ";
    public const string Description = "An example the demo seeded on its first start: open it, change it, or delete it.";

    public static readonly IReadOnlyList<(string Name, string Purpose, string? Channel, string Rule)> Segments =
    [
        ("High-value depositors going quiet", SegmentPurposes.Marketing, "email",
            """{"all":[{"field":"lifetime.depositAmount","op":"gte","value":200},{"field":"lifetime.lastActiveAt","op":"between","value":["-60d","-7d"]}]}"""),
        ("Live casino fans", SegmentPurposes.Marketing, null, """{"field":"games.categories.live","op":"gte","value":250}"""),
        ("Rising stars", SegmentPurposes.Marketing, null, """{"field":"scores.vip.band","op":"in","value":["medium","high","vip"]}"""),
        ("Lapsed slot players", SegmentPurposes.Analysis, null,
            """{"all":[{"field":"games.categories.slots","op":"gte","value":50},{"field":"lifetime.lastActiveAt","op":"lt","value":"-30d"}]}"""),
    ];

    public const string LiveTablesTitle = "Live tables for you";
    public const string NewSlotsTitle = "New slots picked for you";
    public const int NewSlots = 8;

    /// <summary>Seeds what is missing and says what it did on <paramref name="log"/>.</summary>
    /// <param name="games">The catalogue, for the placement of chosen games.</param>
    public static async Task SeedAsync(HttpClient http, DemoExamplesOptions options, IReadOnlyList<Game> games, DateTimeOffset now, TextWriter log,
        CancellationToken ct)
    {
        Uri Url(string path) => new(options.Intelligence, path);
        HttpRequestMessage Request(HttpMethod method, string path, HttpContent? content = null) => new(method, Url(path))
        {
            Content = content,
            Headers = { { "X-Api-Key", options.ApiKey }, { "X-Actor", Actor } },
        };
        async Task<T> SendAsync<T>(HttpRequestMessage request, Func<HttpContent, Task<T>> read)
        {
            using (request)
            using (var response = await http.SendAsync(request, ct))
            {
                if (!response.IsSuccessStatusCode)
                {
                    throw new InvalidOperationException($"{request.Method} {request.RequestUri} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
                }
                return await read(response.Content);
            }
        }

        await WaitForSegmentIndexAsync(http, Url("/v1/segments/preview"), options.ApiKey, ct);

        var segments = await SendAsync(Request(HttpMethod.Get, "/v1/segments"), c => c.ReadFromJsonAsync(ContractsJsonContext.Default.ListSegment, ct));
        var ids = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, purpose, channel, rule) in Segments)
        {
            var full = NamePrefix + name;
            if (segments!.FirstOrDefault(s => s.Name == full) is { } existing)
            {
                ids[name] = existing.Id;
                continue;
            }
            var body = new SegmentRequest(full, Description, purpose, channel, JsonSerializer.Deserialize(rule, ContractsJsonContext.Default.SegmentRule));
            var created = await SendAsync(Request(HttpMethod.Post, "/v1/segments", JsonContent.Create(body, ContractsJsonContext.Default.SegmentRequest)),
                c => c.ReadFromJsonAsync(ContractsJsonContext.Default.Segment, ct));
            ids[name] = created!.Id;
            log.WriteLine($"demo: example segment “{full}” ({purpose}): {created.Members:N0} members");
        }

        var placements = await SendAsync(Request(HttpMethod.Get, "/v1/placements"), c => c.ReadFromJsonAsync(ContractsJsonContext.Default.ListPlacement, ct));
        var newSlots = games.Where(g => g is { Category: "slots", Enabled: true } && g.Markets.Contains("*") && g.ReleasedAt <= now)
            .OrderByDescending(g => g.ReleasedAt).ThenBy(g => g.Id, StringComparer.Ordinal).Take(NewSlots).Select(g => g.Id).ToList();
        PlacementRequest[] wanted =
        [
            new(ids["Live casino fans"], LiveTablesTitle, PlacementKinds.Category, null, "live", 20, now.AddHours(-1), now.AddDays(90)),
            new(ids["Rising stars"], NewSlotsTitle, PlacementKinds.Games, newSlots, null, 10, now.AddHours(-1), now.AddDays(90)),
        ];
        foreach (var placement in wanted)
        {
            if (placements!.Any(p => p.Title == placement.Title && p.SegmentId == placement.SegmentId)) continue;
            await SendAsync(Request(HttpMethod.Post, "/v1/placements", JsonContent.Create(placement, ContractsJsonContext.Default.PlacementRequest)),
                c => Task.FromResult(0));
            log.WriteLine($"demo: example placement “{placement.Title}” for “{NamePrefix}{Segments.Single(s => ids[s.Name] == placement.SegmentId).Name}”");
        }

        var webhooks = await SendAsync(Request(HttpMethod.Get, "/v1/webhooks"), c => c.ReadFromJsonAsync(SimulatorJsonContext.Default.WebhookList, ct));
        if (!webhooks!.Items.Any(w => w.Url == options.WebhookUrl.ToString()))
        {
            var body = new CreateWebhook(options.WebhookUrl.ToString(), ["churn.band.changed", "vip.band.changed", "segment.entered", "segment.exited"], options.WebhookSecret);
            await SendAsync(Request(HttpMethod.Post, "/v1/webhooks", JsonContent.Create(body, SimulatorJsonContext.Default.CreateWebhook)), c => Task.FromResult(0));
            log.WriteLine($"demo: example webhook to {options.WebhookUrl} (the demo's CRM)");
        }
    }

    /// <summary>Segments count their members when they are made: wait until Intelligence's player index has loaded (no 503).</summary>
    private static async Task WaitForSegmentIndexAsync(HttpClient http, Uri preview, string apiKey, CancellationToken ct)
    {
        var body = """{"rule":{"field":"country","op":"exists"},"purpose":"analysis","sampleSize":0}""";
        for (var attempt = 0; ; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, preview) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            request.Headers.Add("X-Api-Key", apiKey);
            using var response = await http.SendAsync(request, ct);
            if (response.IsSuccessStatusCode) return;
            if (response.StatusCode != HttpStatusCode.ServiceUnavailable || attempt >= 600)
            {
                throw new InvalidOperationException($"POST {preview} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
            }
            await Task.Delay(200, ct);
        }
    }
}

/// <summary>Intelligence's webhook API as a client sees it (the demo's own copy, as an operator's CRM integration would have).</summary>
public sealed record CreateWebhook(string Url, IReadOnlyList<string> Events, string Secret);

public sealed record WebhookItem(string Id, string Url, IReadOnlyList<string> Events, DateTimeOffset CreatedAt);

public sealed record WebhookList(IReadOnlyList<WebhookItem> Items);
