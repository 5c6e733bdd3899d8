using System.Net;
using System.Net.Http.Json;
using System.Text;
using CloudNative.CloudEvents;
using CloudEvent = CloudNative.CloudEvents.CloudEvent;
using CloudNative.CloudEvents.Http;
using CloudNative.CloudEvents.SystemTextJson;
using Shared.Contracts;
using Shared.Store;
using StackExchange.Redis;
using TestSupport;

namespace Ingestion.IntegrationTests.CloudEvents;

/// <summary>
/// <c>POST /v1/events</c> in CloudEvents binary content mode (attributes in <c>ce-*</c> headers, the data as the body):
/// applied exactly as the structured event it stands for, and every wrong attribute named by its header.
/// </summary>
public class BinaryContentModeTests(StoreServers servers)
{
    private const string BetData = """{"transactionId":"tx-1","roundId":"r-1","gameId":"g-starburst","amount":2.50,"currency":"EUR"}""";

    private static readonly Dictionary<string, string> BetHeaders = new()
    {
        ["ce-specversion"] = "1.0",
        ["ce-id"] = "w-1",
        ["ce-source"] = "/wallet",
        ["ce-type"] = "wallet.bet",
        ["ce-time"] = "2026-11-23T10:15:02Z",
        ["ce-subject"] = "p-1042",
    };

    private async Task<IngestionApp> AppAsync() => new(await servers.ConnectionStringAsync(StoreKinds.Redis));

    private static async Task<decimal?> StakeAsync(IngestionApp app, string player) =>
        (await new ProfileReader(app.Services.GetService(typeof(IConnectionMultiplexer)) as IConnectionMultiplexer ?? throw new InvalidOperationException(),
            app.Keys, new FrozenClock(DateTimeOffset.Parse("2026-11-24T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture)))
            .ReadAsync(player, _ => null))?.Lifetime.StakeAmount;

    private static async Task<HttpResponseMessage> SendAsync(IngestionApp app, IReadOnlyDictionary<string, string> headers, string body,
        string? contentType = "application/json")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/events") { Content = new StringContent(body, Encoding.UTF8) };
        request.Content.Headers.ContentType = contentType is null ? null : new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        foreach (var (name, value) in headers) request.Headers.TryAddWithoutValidation(name, value);
        return await app.ClientWithKey(IngestionApp.WalletKey).SendAsync(request, TestContext.Current.CancellationToken);
    }

    private static Dictionary<string, string> Without(string header) => BetHeaders.Where(h => h.Key != header).ToDictionary();

    private static Dictionary<string, string> With(string header, string value) => new(BetHeaders) { [header] = value };

    private static async Task<IngestResult> ResultOf(HttpResponseMessage r) =>
        (await r.Content.ReadFromJsonAsync(ContractsJsonContext.Default.IngestResult, TestContext.Current.CancellationToken))!;

    [Fact]
    public async Task BinaryEvent_IsApplied_AndItsStructuredTwinIsADuplicate()
    {
        await using var app = await AppAsync();

        var binary = await SendAsync(app, BetHeaders, BetData);
        var structured = await app.ClientWithKey(IngestionApp.WalletKey).PostAsync("/v1/events", new StringContent(
            $$"""{"specversion":"1.0","id":"w-1","source":"/wallet","type":"wallet.bet","time":"2026-11-23T10:15:02Z","subject":"p-1042","data":{{BetData}}}""",
            Encoding.UTF8, Ingestion.Events.EventsApi.CloudEvent), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, binary.StatusCode);
        Assert.Equal((1, 0), (await ResultOf(binary)) is var b ? (b.Accepted, b.Duplicates) : default);
        Assert.Equal((0, 1), (await ResultOf(structured)) is var s ? (s.Accepted, s.Duplicates) : default);
        Assert.Equal(2.5m, await StakeAsync(app, "p-1042"));
    }

    [Fact]
    public async Task PercentEncodedHeaders_AreDecoded()
    {
        await using var app = await AppAsync();

        var first = await SendAsync(app, With("ce-source", "/wallet%20eu%2Fm%C3%A1lta"), BetData);
        // The same event with the source sent as is (UTF-8 needs no encoding in a structured body): one event, not two.
        var twin = await app.ClientWithKey(IngestionApp.WalletKey).PostAsync("/v1/events", new StringContent(
            $$"""{"specversion":"1.0","id":"w-1","source":"/wallet eu/málta","type":"wallet.bet","time":"2026-11-23T10:15:02Z","subject":"p-1042","data":{{BetData}}}""",
            Encoding.UTF8, Ingestion.Events.EventsApi.CloudEvent), TestContext.Current.CancellationToken);

        Assert.Equal(1, (await ResultOf(first)).Accepted);
        Assert.Equal(1, (await ResultOf(twin)).Duplicates);
    }

    [Theory]
    [InlineData("ce-id", "header ce-id: is required")]
    [InlineData("ce-specversion", "header ce-specversion: is required")]
    [InlineData("ce-source", "header ce-source: is required")]
    [InlineData("ce-type", "header ce-type: is required")]
    [InlineData("ce-subject", "header ce-subject: is required (the player id)")]
    public async Task MissingAttributeHeader_Is422_NamingTheHeader(string header, string error)
    {
        await using var app = await AppAsync();

        var r = await SendAsync(app, Without(header), BetData);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, r.StatusCode);
        Assert.Equal(error, Assert.Single((await ResultOf(r)).Rejected).Error);
        Assert.Null(await StakeAsync(app, "p-1042"));
    }

    [Theory]
    [InlineData("ce-specversion", "0.3", "header ce-specversion: must be \"1.0\"")]
    [InlineData("ce-time", "yesterday", "header ce-time: must be an RFC 3339 timestamp such as 2026-11-23T10:15:02Z")]
    [InlineData("ce-subject", "p {1}", "header ce-subject: must not contain braces, '|', spaces or control characters")]
    [InlineData("ce-type", "wallet.tip", "header ce-type: 'wallet.tip' is not a known event type")]
    public async Task WrongAttributeHeader_Is422_NamingTheHeaderAndTheProblem(string header, string value, string error)
    {
        await using var app = await AppAsync();

        var r = await SendAsync(app, With(header, value), BetData);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, r.StatusCode);
        Assert.StartsWith(error, Assert.Single((await ResultOf(r)).Rejected).Error);
    }

    [Fact]
    public async Task WrongDataField_IsNamedAsInTheCanonicalEvent()
    {
        await using var app = await AppAsync();

        var r = await SendAsync(app, BetHeaders, BetData.Replace("2.50", "-1", StringComparison.Ordinal));

        Assert.Equal(new RejectedEvent(0, "w-1", "field data.amount: must be > 0"), Assert.Single((await ResultOf(r)).Rejected));
    }

    [Theory]
    [InlineData("")]
    [InlineData("[1,2]")]
    public async Task BodyThatIsNoObject_Is422_NamingTheBody(string body)
    {
        await using var app = await AppAsync();

        var r = await SendAsync(app, BetHeaders, body);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, r.StatusCode);
        Assert.Equal("body (the event's data): is required and must be a JSON object", Assert.Single((await ResultOf(r)).Rejected).Error);
    }

    [Fact]
    public async Task BodyThatIsNotJson_Is400()
    {
        await using var app = await AppAsync();

        var r = await SendAsync(app, BetHeaders, "{\"transactionId\":");

        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        Assert.Contains("binary content mode", await r.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DataThatIsNotJson_Is415_SayingWhatToSend()
    {
        await using var app = await AppAsync();

        var r = await SendAsync(app, BetHeaders, "amount=2.50", "text/plain");

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, r.StatusCode);
        Assert.Contains("send Content-Type application/json, not text/plain", await r.Content.ReadAsStringAsync(TestContext.Current.CancellationToken),
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task AttributeHeaderSentTwice_Is422()
    {
        await using var app = await AppAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/events") { Content = new StringContent(BetData, Encoding.UTF8, "application/json") };
        foreach (var (name, value) in Without("ce-id")) request.Headers.TryAddWithoutValidation(name, value);
        request.Headers.TryAddWithoutValidation("ce-id", ["w-1", "w-2"]);

        var r = await app.ClientWithKey(IngestionApp.WalletKey).SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, r.StatusCode);
        Assert.Equal("header ce-id: must be sent once", Assert.Single((await ResultOf(r)).Rejected).Error);
    }

    [Fact]
    public async Task PlainJsonWithoutCeHeaders_IsStillOneStructuredEvent()
    {
        await using var app = await AppAsync();

        var r = await app.ClientWithKey(IngestionApp.WalletKey).PostAsync("/v1/events", new StringContent(
            $$"""{"specversion":"1.0","id":"w-1","source":"/wallet","type":"wallet.bet","subject":"p-1042","data":{{BetData}}}""",
            Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);

        Assert.Equal(1, (await ResultOf(r)).Accepted);
    }

    [Fact]
    public async Task CncfDotNetSdk_BinaryMode_IsApplied()
    {
        await using var app = await AppAsync();
        var e = new CloudEvent
        {
            Id = "w-sdk-1",
            Source = new Uri("/wallet", UriKind.Relative),
            Type = "wallet.bet",
            Subject = "p-sdk",
            Time = DateTimeOffset.Parse("2026-11-23T10:15:02Z", System.Globalization.CultureInfo.InvariantCulture),
            DataContentType = "application/json",
            Data = System.Text.Json.JsonDocument.Parse(BetData).RootElement,
        };
        using var content = e.ToHttpContent(ContentMode.Binary, new JsonEventFormatter());

        var r = await app.ClientWithKey(IngestionApp.WalletKey).PostAsync("/v1/events", content, TestContext.Current.CancellationToken);

        Assert.True(content.Headers.Contains("ce-id") || r.RequestMessage!.Headers.Contains("ce-id"), "the SDK sent binary mode");
        Assert.Equal(1, (await ResultOf(r)).Accepted);
        Assert.Equal(2.5m, await StakeAsync(app, "p-sdk"));
    }
}
