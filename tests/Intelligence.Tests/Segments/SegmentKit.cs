using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Intelligence.Segments;
using Intelligence.Tests.Support;
using Intelligence.Tests.Webhooks;
using Microsoft.Extensions.DependencyInjection;
using Shared.Contracts;
using StackExchange.Redis;

namespace Intelligence.Tests.Segments;

/// <summary>What the segment tests share: canonical events for players, waiting for the index, and the API's JSON.</summary>
public static class SegmentKit
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { TypeInfoResolver = ContractsJsonContext.Default };

    private static readonly JsonSerializerOptions OmitNulls = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    public static string Event(string type, string playerId, string data, DateTimeOffset? time = null) =>
        $$"""{"specversion":"1.0","id":"{{Guid.NewGuid():N}}","source":"/tests","type":"{{type}}","time":"{{(time ?? DateTimeOffset.UtcNow):O}}","subject":"{{playerId}}","data":{{data}}}""";

    /// <summary>Registers a player (with an email consent, unless told otherwise) through Ingestion's canonical feed.</summary>
    public static async Task RegisterAsync(IngestionHost ingestion, string playerId, string country = "MT", string? campaign = null, bool emailConsent = true,
        string? affiliate = null, DateTimeOffset? at = null)
    {
        var data = JsonSerializer.Serialize(new { country, currency = "EUR", market = country, campaign, affiliateId = affiliate, channel = "web", birthYear = 1990 }, OmitNulls);
        await ingestion.PostAsync(Event("player.registered", playerId, data, at));
        if (emailConsent) await ingestion.PostAsync(Event("player.consent", playerId, """{"channel":"email","granted":true}""", at));
    }

    public static Task SelfExcludeAsync(IngestionHost ingestion, string playerId) =>
        ingestion.PostAsync(Event("player.rg", playerId, $$"""{"kind":"self_exclusion","until":"{{DateTimeOffset.UtcNow.AddDays(180):O}}"}"""));

    public static Task DepositAsync(IngestionHost ingestion, string playerId, decimal amount) =>
        ingestion.PostAsync(Event("wallet.deposit", playerId, $$"""{"transactionId":"{{Guid.NewGuid():N}}","amount":{{amount}},"currency":"EUR","status":"approved"}"""));

    /// <summary>Waits until the host's index has loaded and holds the players as scored.</summary>
    public static async Task IndexedAsync(IntelligenceApp app, params string[] playerIds)
    {
        await app.Services.GetRequiredService<IndexFeed>().Loaded.WaitAsync(TimeSpan.FromSeconds(90));
        var index = app.Services.GetRequiredService<PlayerIndex>();
        await Poll.UntilAsync(() => Task.FromResult(playerIds.All(id => index.VersionOf(id) > 0)),
            () => $"players {string.Join(", ", playerIds.Where(id => index.VersionOf(id) <= 0))} scored into the index");
    }

    public static async Task<Segment> CreateAsync(HttpClient client, object body, string? actor = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/segments") { Content = JsonContent.Create(body) };
        if (actor is not null) request.Headers.Add(ApiHeaders.Actor, actor);
        var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode}: {text}");
        return JsonSerializer.Deserialize<Segment>(text, Json)!;
    }

    public static async Task<List<string>> MemberIdsAsync(HttpClient client, string segmentId, int limit = 1000)
    {
        var ids = new List<string>();
        string? cursor = null;
        do
        {
            var page = await client.GetFromJsonAsync<SegmentMembersPage>($"/v1/segments/{segmentId}/players?limit={limit}{(cursor is null ? "" : $"&cursor={cursor}")}", Json);
            ids.AddRange(page!.Items.Select(i => i.PlayerId));
            cursor = page.NextCursor;
        }
        while (cursor is not null);
        return ids;
    }

    public static StringContent JsonBody(string json) => new(json, Encoding.UTF8, "application/json");

    /// <summary>The validation problem's errors, by key.</summary>
    public static async Task<Dictionary<string, string[]>> ProblemAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var doc = JsonDocument.Parse(text);
        return doc.RootElement.GetProperty("errors").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.EnumerateArray().Select(v => v.GetString()!).ToArray());
    }

    /// <summary>Collects the messages of a channel until disposed.</summary>
    public sealed class ChannelLog : IAsyncDisposable
    {
        private readonly ConnectionMultiplexer _mux;
        private readonly ConcurrentQueue<string> _messages = new();

        private ChannelLog(ConnectionMultiplexer mux) => _mux = mux;

        public IReadOnlyList<string> Messages => [.. _messages];

        public static async Task<ChannelLog> StartAsync(string connectionString, RedisChannel channel)
        {
            var log = new ChannelLog(await ConnectionMultiplexer.ConnectAsync(connectionString));
            (await log._mux.GetSubscriber().SubscribeAsync(channel)).OnMessage(m => log._messages.Enqueue(m.Message.ToString()));
            return log;
        }

        public Task SeenAsync(string message) => Poll.UntilAsync(() => Task.FromResult(_messages.Contains(message)), () => $"'{message}' (seen: {string.Join("; ", _messages.TakeLast(10))})");

        public async ValueTask DisposeAsync() => await _mux.DisposeAsync();
    }
}
