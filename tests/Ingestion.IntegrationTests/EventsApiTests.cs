using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Shared.Contracts;
using Shared.Store;
using TestSupport;

namespace Ingestion.IntegrationTests;

public class EventsApiTests(StoreServers servers)
{
    private static string Bet(string id, string tx, decimal amount = 2.5m, string player = "p-1042") =>
        $$$"""{"specversion":"1.0","id":"{{{id}}}","source":"/wallet","type":"wallet.bet","time":"2026-11-23T10:15:02Z","subject":"{{{player}}}","data":{"transactionId":"{{{tx}}}","roundId":"r-1","gameId":"g-starburst","amount":{{{amount.ToString(System.Globalization.CultureInfo.InvariantCulture)}}},"currency":"EUR"}}""";

    private static StringContent Body(string body, string mediaType) => new(body, Encoding.UTF8, mediaType);

    private static async Task<decimal?> StakeAsync(IngestionApp app, string player) =>
        (await new ProfileReader((StackExchange.Redis.IConnectionMultiplexer)app.Services.GetService(typeof(StackExchange.Redis.IConnectionMultiplexer))!,
            app.Keys, TimeProvider.System).ReadAsync(player, _ => null))?.Lifetime.StakeAmount;

    private async Task<IngestionApp> AppAsync(string store = StoreKinds.Redis) => new(await servers.ConnectionStringAsync(store));

    private static async Task<IngestResult> ResultOf(HttpResponseMessage r) =>
        (await r.Content.ReadFromJsonAsync(ContractsJsonContext.Default.IngestResult))!;

    [Theory, ClassData(typeof(StoreKinds))]
    public async Task SingleEvent_IsAppliedBeforeTheAnswer_AndAnnounced(string store)
    {
        await using var app = await AppAsync(store);
        var client = app.ClientWithKey(IngestionApp.WalletKey);

        var r = await client.PostAsync("/v1/events", Body(Bet("w-1", "tx-1"), "application/cloudevents+json"));

        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal(new IngestResult(1, 0, []), await ResultOf(r) with { Rejected = [] });
        Assert.Equal(2.5m, (await StakeAsync(app, "p-1042")));
        Assert.True(await app.Db.SetContainsAsync(app.Keys.Players, "p-1042"));
        Assert.NotNull(await app.Db.SortedSetScoreAsync(app.Keys.RescorePending, "p-1042"));
    }

    [Fact]
    public async Task Batch_AppliesTheValidEvents_AndNamesTheFieldOfEachRejectedOne()
    {
        await using var app = await AppAsync();
        var client = app.ClientWithKey(IngestionApp.WalletKey);
        var batch = $"[{Bet("a", "tx-a")},{Bet("b", "tx-b", -1)},{Bet("a", "tx-a")},{{\"specversion\":\"1.0\"}}]";

        var r = await client.PostAsync("/v1/events", Body(batch, "application/cloudevents-batch+json"));

        var result = await ResultOf(r);
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal(1, result.Accepted);
        Assert.Equal(1, result.Duplicates);
        Assert.Collection(result.Rejected,
            x => Assert.Equal(new RejectedEvent(1, "b", "field data.amount: must be > 0"), x),
            x => Assert.Equal(new RejectedEvent(3, null, "field id: is required"), x));
    }

    [Fact]
    public async Task NdJson_WithABrokenLine_LosesNothingElse()
    {
        await using var app = await AppAsync();
        var client = app.ClientWithKey(IngestionApp.WalletKey);
        var body = $"{Bet("1", "t1")}\n{{not json\n\n{Bet("2", "t2")}\r\n";

        var result = await ResultOf(await client.PostAsync("/v1/events", Body(body, "application/x-ndjson")));

        Assert.Equal(2, result.Accepted);
        var rejected = Assert.Single(result.Rejected);
        Assert.Equal(1, rejected.Index);
        Assert.StartsWith("line 2 is not valid JSON", rejected.Error);
    }

    [Fact]
    public async Task NdJson_ALineLongerThanTheCap_IsRefusedAlone_AndTheLinesAfterItAreApplied()
    {
        await using var app = new IngestionApp(await servers.ConnectionStringAsync(StoreKinds.Redis), new Dictionary<string, string?> { ["Ingestion:MaxLineBytes"] = "1024" });
        var client = app.ClientWithKey(IngestionApp.WalletKey);
        // A valid event padded past the cap: refused for its size, not read (and so not applied).
        var padded = Bet("2", "t2", player: "p-long").Replace("\"currency\":\"EUR\"", "\"currency\":\"EUR\",\"note\":\"" + new string('x', 1200) + "\"", StringComparison.Ordinal);
        var body = $"{Bet("1", "t1")}\n{padded}\n{Bet("3", "t3")}\n";

        var result = await ResultOf(await client.PostAsync("/v1/events", Body(body, "application/x-ndjson")));

        Assert.Equal(2, result.Accepted);
        var rejected = Assert.Single(result.Rejected);
        Assert.Equal(1, rejected.Index);
        Assert.StartsWith($"line 2: {padded.Length:N0} bytes, more than one event may take (1,024, Ingestion:MaxLineBytes)", rejected.Error, StringComparison.Ordinal);
        Assert.False(await app.Db.KeyExistsAsync(app.Keys.Profile("p-long")));
    }

    [Fact]
    public async Task EveryEventRejected_Is422_WithTheReasons()
    {
        await using var app = await AppAsync();
        var r = await app.ClientWithKey(IngestionApp.WalletKey)
            .PostAsync("/v1/events", Body(Bet("x", "tx", 0), "application/cloudevents+json"));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, r.StatusCode);
        Assert.Equal("field data.amount: must be > 0", Assert.Single((await ResultOf(r)).Rejected).Error);
    }

    [Fact]
    public async Task MalformedBody_Is400ProblemJson()
    {
        await using var app = await AppAsync();
        var r = await app.ClientWithKey(IngestionApp.WalletKey).PostAsync("/v1/events", Body("{\"specversion\":", "application/cloudevents+json"));

        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        Assert.Equal("application/problem+json", r.Content.Headers.ContentType?.MediaType);
        Assert.Contains("not valid JSON", await r.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task UnsupportedMediaType_Is415_AndSaysWhatToSend()
    {
        await using var app = await AppAsync();
        var r = await app.ClientWithKey(IngestionApp.WalletKey).PostAsync("/v1/events", Body("x", "text/plain"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, r.StatusCode);
        Assert.Contains("application/x-ndjson", await r.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task MoreThanTheBatchLimit_Is413()
    {
        await using var app = new IngestionApp((await servers.RedisAsync()).ConnectionString, new Dictionary<string, string?> { ["Ingestion:MaxBatchEvents"] = "2" });
        var body = string.Join('\n', Enumerable.Range(0, 3).Select(i => Bet($"{i}", $"t{i}")));
        var r = await app.ClientWithKey(IngestionApp.WalletKey).PostAsync("/v1/events", Body(body, "application/x-ndjson"));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, r.StatusCode);
    }

    [Theory]
    [InlineData(null, HttpStatusCode.Unauthorized)]
    [InlineData("wrong-key", HttpStatusCode.Unauthorized)]
    [InlineData(IngestionApp.OpsKey, HttpStatusCode.Forbidden)]
    public async Task WithoutAWritingKey_NothingIsApplied(string? key, HttpStatusCode expected)
    {
        await using var app = await AppAsync();
        var client = key is null ? app.CreateClient() : app.ClientWithKey(key);

        var r = await client.PostAsync("/v1/events", Body(Bet("w", "tx"), "application/cloudevents+json"));

        Assert.Equal(expected, r.StatusCode);
        Assert.Equal("application/problem+json", r.Content.Headers.ContentType?.MediaType);
        Assert.False(await app.Db.KeyExistsAsync(app.Keys.Profile("p-1042")));
    }

    [Fact]
    public async Task SigningSource_NeedsAValidBodySignature()
    {
        await using var app = await AppAsync();
        var client = app.ClientWithKey(IngestionApp.SignedKey);
        var body = Bet("s-1", "tx-s");
        string Sign(string b) => "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(IngestionApp.SigningSecret), Encoding.UTF8.GetBytes(b)));

        var unsigned = await client.PostAsync("/v1/events", Body(body, "application/cloudevents+json"));
        var tampered = new HttpRequestMessage(HttpMethod.Post, "/v1/events") { Content = Body(body.Replace("2.5", "250"), "application/cloudevents+json") };
        tampered.Headers.Add("X-Signature", Sign(body));
        var good = new HttpRequestMessage(HttpMethod.Post, "/v1/events") { Content = Body(body, "application/cloudevents+json") };
        good.Headers.Add("X-Signature", Sign(body));

        Assert.Equal(HttpStatusCode.Unauthorized, unsigned.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(tampered)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(good)).StatusCode);
        Assert.Equal(2.5m, (await StakeAsync(app, "p-1042")));
        // The two refusals are the key's (it may send any source), in the feed table; the good request is not one.
        Assert.Equal(2, await Operations.FeedsTests.SignatureFailuresAsync(app, "key:signed-wallet"));
    }

    [Fact]
    public async Task ABadlySignedRequest_CountsAgainstEverySourceItsKeyMaySend_AndNoOther()
    {
        const string Key = "eu-wallet-key", Secret = "eu-secret";
        await using var app = new IngestionApp(await servers.ConnectionStringAsync(StoreKinds.Redis), new Dictionary<string, string?>
        {
            ["ApiKeys:3:Name"] = "eu-wallet", ["ApiKeys:3:Key"] = Key, ["ApiKeys:3:Scopes"] = "events:write",
            ["ApiKeys:3:Sources"] = "/wallet-eu /wallet-uk", ["ApiKeys:3:SigningSecret"] = Secret,
        });
        var client = app.ClientWithKey(Key);
        // Signed with another secret: the body names /wallet, which this key may not send, and is not believed.
        var body = Bet("s-2", "tx-s2");
        var forged = new HttpRequestMessage(HttpMethod.Post, "/v1/events") { Content = Body(body, "application/cloudevents+json") };
        forged.Headers.Add("X-Signature", "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData("not-the-secret"u8.ToArray(), Encoding.UTF8.GetBytes(body))));

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(forged, TestContext.Current.CancellationToken)).StatusCode);
        Assert.Equal(1, await Operations.FeedsTests.SignatureFailuresAsync(app, "/wallet-eu"));
        Assert.Equal(1, await Operations.FeedsTests.SignatureFailuresAsync(app, "/wallet-uk"));
        Assert.Equal(0, await Operations.FeedsTests.SignatureFailuresAsync(app, "/wallet"));
        Assert.Equal(0, await Operations.FeedsTests.SignatureFailuresAsync(app, "key:eu-wallet"));
        Assert.False(await app.Db.KeyExistsAsync(app.Keys.Profile("p-1042")));
    }

    [Theory, ClassData(typeof(StoreKinds))]
    public async Task Erasure_RemovesEverythingHeldAboutThePlayer(string store)
    {
        await using var app = await AppAsync(store);
        await app.ClientWithKey(IngestionApp.WalletKey).PostAsync("/v1/events", Body(Bet("e-1", "tx-e", player: "p-gone"), "application/cloudevents+json"));
        Assert.True(await app.Db.KeyExistsAsync(app.Keys.Profile("p-gone")));

        var r = await app.ClientWithKey(IngestionApp.OpsKey).DeleteAsync("/v1/players/p-gone");

        Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);
        Assert.Equal(0, await app.Db.KeyExistsAsync(app.Keys.AllOf("p-gone")));
        Assert.False(await app.Db.SetContainsAsync(app.Keys.Players, "p-gone"));
        Assert.Null(await app.Db.SortedSetScoreAsync(app.Keys.RescorePending, "p-gone"));
    }

    [Fact]
    public async Task Catalogue_StoresValidGames_AndRefusesABadOneNamingTheField()
    {
        await using var app = await AppAsync();
        var client = app.ClientWithKey(IngestionApp.OpsKey);
        const string good = """{"id":"g-1","title":"Starburst","provider":"NetEnt","category":"slots","tags":["space"],"rtp":96.1,"volatility":"low","minBet":0.1,"maxBet":100,"jackpot":false,"markets":["*"],"releasedAt":"2012-01-01T00:00:00Z","enabled":true}""";
        var bad = good.Replace("\"slots\"", "\"poker\"").Replace("g-1", "g-2");

        var refused = await client.PutAsync("/v1/catalog/games", Body($"[{good},{bad}]", "application/json"));
        var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("must be one of slots", problem.GetProperty("errors").GetProperty("[1].category")[0].GetString());
        Assert.Equal(0, await app.Db.HashLengthAsync(app.Keys.Catalog));

        var stored = await client.PutAsync("/v1/catalog/games", Body($"[{good}]", "application/json"));
        Assert.Equal(HttpStatusCode.OK, stored.StatusCode);
        Assert.Contains("Starburst", (string?)await app.Db.HashGetAsync(app.Keys.Catalog, "g-1"));
    }

    [Fact]
    public async Task OpenApi_DocumentsTheEventsEndpointAndTheKeyHeader()
    {
        await using var app = await AppAsync();
        var doc = JsonDocument.Parse(await app.CreateClient().GetStringAsync("/openapi/v1.json")).RootElement;
        Assert.True(doc.GetProperty("paths").TryGetProperty("/v1/events", out _));
        Assert.Equal("X-Api-Key", doc.GetProperty("components").GetProperty("securitySchemes").GetProperty("ApiKey").GetProperty("name").GetString());
    }

    [Fact]
    public async Task Health_ReadyChecksTheStore()
    {
        await using var app = await AppAsync();
        var r = await app.CreateClient().GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal("Healthy", await r.Content.ReadAsStringAsync());
    }
}
