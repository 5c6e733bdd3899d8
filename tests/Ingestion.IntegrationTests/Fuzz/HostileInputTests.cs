using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using Ingestion.Adapters.Hub88;
using Ingestion.Adapters.Onfido;
using Ingestion.Adapters.Praxis;
using Ingestion.Adapters.Sumsub;
using Ingestion.Adapters.Trustly;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using TestSupport;

namespace Ingestion.IntegrationTests.Fuzz;

/// <summary>
/// Hostile input for every public endpoint of Ingestion (<see cref="HostileInput"/>): nothing is answered 5xx, a
/// refusal of our own API names the spoiled field (or the body as a whole), and a refused item leaves the store as it
/// was (the dead-letter list, where vendors' refused messages are kept with their reason, the feeds' traffic
/// counters, which count refusals, and the in-product alerts, written by their own timed sample, aside).
/// </summary>
public sealed class HostileInputTests(StoreServers servers, ITestOutputHelper output) : IDisposable
{
    private const int Inputs = 300;
    private const string PraxisSecret = "praxis-fuzz-secret";
    private const string SumsubSecret = "sumsub-fuzz-secret";
    private const string OnfidoToken = "onfido-fuzz-token";
    private static readonly DateTimeOffset Now = new(2026, 11, 20, 12, 0, 0, TimeSpan.Zero);
    private readonly RSA _hub88 = RSA.Create(2048);
    private readonly RSA _trustly = RSA.Create(2048);
    private readonly RSA _merchant = RSA.Create(2048);

    public void Dispose()
    {
        _hub88.Dispose();
        _trustly.Dispose();
        _merchant.Dispose();
        _logs.Dispose();
    }

    /// <summary>Titles of refusals that concern the request as a whole, not one field.</summary>
    private static readonly string[] WholeRequest =
        ["Malformed JSON", "Body too large", "Too many events", "Unsupported media type", "Expected a batch", "Bad signature", "not valid JSON", "is not valid JSON", "body (the event's data)"];

    private readonly LogRecorder _logs = new();

    private async Task<IngestionApp> AppAsync() =>
        new((await servers.RedisAsync()).ConnectionString, new Dictionary<string, string?>
        {
            ["Ingestion:MaxBodyBytes"] = "200000",
            ["Hub88:Enabled"] = "true",
            ["Hub88:PublicKeyPem"] = _hub88.ExportSubjectPublicKeyInfoPem(),
            ["Praxis:Enabled"] = "true",
            ["Praxis:MerchantSecret"] = PraxisSecret,
            ["Sumsub:Enabled"] = "true",
            ["Sumsub:SecretKey"] = SumsubSecret,
            ["Onfido:Enabled"] = "true",
            ["Onfido:WebhookToken"] = OnfidoToken,
            ["Trustly:Enabled"] = "true",
            ["Trustly:TrustlyPublicKeyPem"] = _trustly.ExportSubjectPublicKeyInfoPem(),
            ["Trustly:MerchantPrivateKeyPem"] = _merchant.ExportPkcs8PrivateKeyPem(),
        })
        { Clock = new Shared.ServiceDefaults.AsOfClock(Now), Logs = _logs };

    private const string Canonical = """{"specversion":"1.0","id":"e-1","source":"/wallet","type":"wallet.bet","time":"2026-11-20T11:00:00Z","subject":"p-fuzz","data":{"transactionId":"tx-1","roundId":"r-1","gameId":"g-1","amount":2.5,"currency":"USD","exchangeRate":0.9,"bonusAmount":0}}""";
    private const string Deposit = """{"specversion":"1.0","id":"d-1","source":"/cashier","type":"wallet.deposit","time":"2026-11-20T11:00:00Z","subject":"p-fuzz","data":{"transactionId":"dp-1","amount":50,"currency":"EUR","status":"approved","method":"card"}}""";
    private const string FastTrackCasino = """{"activity_id":"a-1","amount":2.5,"bonus_wager_amount":0,"currency":"EUR","exchange_rate":1,"game_id":"10911","game_name":"Dead or Alive","game_type":"Slots","is_round_end":false,"origin":"sub.example.com","round_id":"r-1","status":"Approved","timestamp":"2026-11-20T11:00:00Z","type":"Bet","user_id":"52530","vendor_id":"1","vendor_name":"NetEnt"}""";
    private const string FastTrackPayment = """{"amount":50,"currency":"EUR","exchange_rate":1,"fee_amount":0,"origin":"sub.example.com","payment_id":"pay-1","status":"Approved","timestamp":"2026-11-20T11:00:00Z","type":"Debit","user_id":"7865312321","vendor_id":"562","vendor_name":"Skrill"}""";
    private const string Hub88Bet = """{"user":"john12345","transaction_uuid":"tx-h1","supplier_transaction_id":"s-1","token":"55b7518e","round":"r-1","round_closed":false,"request_uuid":"req-1","is_free":false,"is_aggregated":false,"game_code":"clt_dragonrising","currency":"EUR","bet":"zero","amount":356000}""";
    private const string PraxisSale = """{"merchant_id":"M","application_key":"Sandbox","customer":{"customer_token":"87cf","country":"GB"},"session":{"auth_token":"8a7s","intent":"payment","session_status":"created","order_id":"o-1","currency":"EUR","amount":5000,"conversion_rate":"1.000000","processed_currency":"EUR","processed_amount":5000,"payment_method":"Credit Card","cid":"p-praxis"},"transaction":{"transaction_type":"sale","transaction_status":"approved","tid":756850,"transaction_id":"13397","currency":"EUR","amount":5000,"conversion_rate":"1.000000","processed_currency":"EUR","processed_amount":5000,"payment_method":"Credit Card","reference_id":null,"status_details":"ok"},"version":"1.3","timestamp":1795000000}""";
    private const string SumsubReviewed = """{"applicantId":"5cb5","inspectionId":"5cb6","correlationId":"req-1","externalUserId":"p-kyc","levelName":"basic-kyc-level","type":"applicantReviewed","reviewResult":{"reviewAnswer":"GREEN"},"reviewStatus":"completed","createdAtMs":"2026-11-20 10:00:00.000"}""";
    private const string OnfidoRun = """{"payload":{"resource_type":"workflow_run","action":"workflow_run.completed","object":{"id":"2f15","status":"approved","completed_at_iso8601":"2026-11-20T10:00:00Z","href":"https://api.eu.onfido.com/v3.6/workflow_runs/2f15"},"resource":{"id":"2f15","applicant_id":"b6d1","customer_user_id":"p-onfido","workflow_id":"wf-kyc","reasons":[]}}}""";
    private const string TrustlyCredit = """{"method":"credit","params":{"signature":"SIGNED","uuid":"258a2184-2842-b485-25ca-293525152425","data":{"amount":"902.50","currency":"EUR","messageid":"98348932","orderid":"dep-1","enduserid":"p-trustly","notificationid":"n-1","timestamp":"2026-11-20 10:42:04.675645+01","attributes":{}}},"version":"1.1"}""";
    private const string Games = """[{"id":"g-fuzz","title":"Fuzz","provider":"P","category":"slots","volatility":"low","rtp":96.5,"minBet":0.1,"maxBet":10,"markets":["*"],"tags":["new"]}]""";

    private sealed record Endpoint(string Name, string Valid, bool OwnApi, Func<HostileCase, HttpRequestMessage> Request);

    private IEnumerable<Endpoint> Endpoints()
    {
        static HttpRequestMessage Post(string path, HostileCase c, string type = "application/json", string? key = IngestionApp.WalletKey, string method = "POST")
        {
            var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = new ByteArrayContent(c.Bytes) };
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(type);
            if (key is not null) request.Headers.Add("X-Api-Key", key);
            return request;
        }
        yield return new("POST /v1/events (one CloudEvent)", Canonical, true, c => Post("/v1/events", c, "application/cloudevents+json"));
        yield return new("POST /v1/events (batch)", "[" + Canonical + "," + Deposit + "]", true, c => Post("/v1/events", c, "application/cloudevents-batch+json"));
        yield return new("POST /v1/events (NDJSON)", Deposit, true, c => Post("/v1/events", c with { Body = c.Body.Replace("\n", " ", StringComparison.Ordinal) + "\n" + Canonical }, "application/x-ndjson"));
        yield return new("POST /v1/events (binary mode)", """{"transactionId":"tx-b","roundId":"r","gameId":"g","amount":1,"currency":"EUR"}""", true, c =>
        {
            var request = Post("/v1/events", c);
            request.Headers.Add("ce-specversion", "1.0");
            request.Headers.Add("ce-id", "bin-1");
            request.Headers.Add("ce-source", "/wallet");
            request.Headers.Add("ce-type", "wallet.bet");
            request.Headers.Add("ce-subject", "p-bin");
            request.Headers.Add("ce-time", "2026-11-20T11:00:00Z");
            return request;
        });
        yield return new("POST /compat/fasttrack/v1/integration/casino", FastTrackCasino, true, c => Post("/compat/fasttrack/v1/integration/casino", c));
        yield return new("POST /compat/fasttrack/v1/integration/payment", FastTrackPayment, true, c => Post("/compat/fasttrack/v1/integration/payment", c));
        yield return new("POST /compat/hub88/transaction/bet", Hub88Bet, false, c =>
        {
            var request = Post("/compat/hub88/transaction/bet", c, key: null);
            request.Headers.Add(Hub88Signature.Header, Convert.ToBase64String(_hub88.SignData(c.Bytes, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)));
            return request;
        });
        yield return new("POST /compat/praxis/notification", PraxisSale, false, c =>
        {
            var request = Post("/compat/praxis/notification", c, key: null);
            string signature;
            try
            {
                using var doc = JsonDocument.Parse(c.Bytes);
                signature = PraxisAdapter.Sign(PraxisAdapter.SignedValues(doc.RootElement), PraxisSecret);
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException)
            {
                signature = "unsignable";
            }
            request.Headers.Add(PraxisAdapter.Header, signature);
            return request;
        });
        yield return new("POST /compat/sumsub", SumsubReviewed, false, c =>
        {
            var request = Post("/compat/sumsub", c, key: null);
            request.Headers.Add(SumsubAdapter.DigestHeader, Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(SumsubSecret), c.Bytes)));
            request.Headers.Add(SumsubAdapter.AlgorithmHeader, "HMAC_SHA256_HEX");
            return request;
        });
        yield return new("POST /compat/onfido", OnfidoRun, false, c =>
        {
            var request = Post("/compat/onfido", c, key: null);
            request.Headers.Add(OnfidoAdapter.SignatureHeader, Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(OnfidoToken), c.Bytes)));
            return request;
        });
        yield return new("POST /compat/trustly/notification", TrustlyCredit, false, c => Post("/compat/trustly/notification", c with { Body = SignTrustly(c) }, key: null));
        yield return new("PUT /v1/catalog/games", Games, true, c => Post("/v1/catalog/games", c, key: IngestionApp.OpsKey, method: "PUT"));
    }

    /// <summary>
    /// The case signed as Trustly signs (the signature is inside the body: method + uuid + data), so the spoiled field
    /// reaches the mapping; a spoiled signature, or a body that is not a JSON-RPC object, is sent as it is.
    /// </summary>
    private string SignTrustly(HostileCase c)
    {
        if (c.Field == "signature" || HostileInput.IsRaw(c)) return c.Body;
        try
        {
            if (JsonNode.Parse(c.Body) is not JsonObject root || root["params"] is not JsonObject parameters) return c.Body;
            var method = root["method"]?.GetValueKind() == JsonValueKind.String ? root["method"]!.GetValue<string>() : "";
            var uuid = parameters["uuid"]?.GetValueKind() == JsonValueKind.String ? parameters["uuid"]!.GetValue<string>() : "";
            parameters["signature"] = Convert.ToBase64String(_trustly.SignData(TrustlySignature.Plain(method, uuid, parameters["data"]), HashAlgorithmName.SHA1, RSASignaturePadding.Pkcs1));
            return root.ToJsonString();
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or ArgumentException)
        {
            return c.Body;
        }
    }

    private static bool NamesTheField(string answer, HostileCase c) =>
        WholeRequest.Any(t => answer.Contains(t, StringComparison.OrdinalIgnoreCase))
        || (c.Field is { } f
            ? answer.Contains(f, StringComparison.OrdinalIgnoreCase) || (VendorToCanonical.TryGetValue(f, out var canonical) && answer.Contains(canonical, StringComparison.Ordinal))
            : answer.Contains("field ", StringComparison.Ordinal) || answer.Contains("\"errors\"", StringComparison.Ordinal));

    /// <summary>Fast Track's fields whose refusal names the canonical field they became (the answer is in canonical terms).</summary>
    private static readonly Dictionary<string, string> VendorToCanonical = new(StringComparer.Ordinal)
    {
        ["timestamp"] = "field time", ["exchange_rate"] = "field data.exchangeRate", ["user_id"] = "field subject",
        ["activity_id"] = "field id", ["payment_id"] = "field id", ["game_id"] = "field data.gameId", ["round_id"] = "field data.roundId",
        ["bonus_wager_amount"] = "field data.bonusAmount",
    };

    [Fact]
    public async Task EveryEndpoint_TakesHostileInput_WithoutA5xx_NamingTheField_AndLeavingTheStoreAsItWas()
    {
        await using var app = await AppAsync();
        var redis = app.Services.GetRequiredService<IConnectionMultiplexer>();
        using var client = app.CreateClient();
        var deadLetters = app.Prefix + "deadletters";
        // Vendors' refused messages are kept on the dead-letter list with their reason, and every arrival, refused ones too,
        // counts in its source's traffic (GET /v1/feeds: rejected share): those are the writes a refusal makes.
        var feeds = app.Prefix + "feeds:";
        // The in-product alerts are written by their own sample every 30 s (e.g. ModelNotPromoted, with no model here),
        // whatever the requests do: a write there during one input is the clock's, not the input's.
        var alerts = app.Prefix + "{ops}:alerts";
        bool Skip(string key) => key == deadLetters || key.StartsWith(feeds, StringComparison.Ordinal) || key.StartsWith(alerts, StringComparison.Ordinal);
        var endpoints = Endpoints().ToList();
        ulong seed = 18;
        var failures = new List<string>();
        foreach (var endpoint in endpoints)
        {
            failures.AddRange(await HostileInput.RunAsync(endpoint.Name, HostileInput.From(endpoint.Valid, cap: 200_000), Inputs, seed++, async c =>
            {
                var before = await HostileInput.DumpAsync(redis, app.Prefix, Skip);
                var lettersBefore = await redis.GetDatabase().ListLengthAsync(deadLetters);
                using var response = await client.SendAsync(endpoint.Request(c), TestContext.Current.CancellationToken);
                var answer = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
                Assert.True((int)response.StatusCode < 500, $"{(int)response.StatusCode}: {HostileInput.Shorten(answer)} " +
                    _logs.Entries.LastOrDefault(l => l.Exception is not null)?.Exception?.ToString().Split('\n').Take(6).Aggregate((a, b) => a + b));
                var refused = !response.IsSuccessStatusCode || Refused(answer)
                    || await redis.GetDatabase().ListLengthAsync(deadLetters) > lettersBefore;
                if (!refused) return;
                var after = await HostileInput.DumpAsync(redis, app.Prefix, Skip);
                Assert.True(before.Count == after.Count && before.All(kv => after.GetValueOrDefault(kv.Key) == kv.Value),
                    $"a refused item changed the store: {HostileInput.Difference(before, after)}; answer {HostileInput.Shorten(answer)}");
                if (endpoint.OwnApi && (int)response.StatusCode is not (401 or 413 or 415))
                {
                    Assert.True(NamesTheField(answer, c), $"the refusal does not name {c.Field}: {HostileInput.Shorten(answer)}");
                }
            }));
        }
        output.WriteLine(HostileInput.Report(endpoints.Select(e => e.Name)));
        Assert.True(failures.Count == 0, $"{failures.Count} inputs broke a property:\n{string.Join('\n', failures.Take(30))}");
    }

    /// <summary>True when a 200 answer of our API accepted nothing (every item rejected).</summary>
    private static bool Refused(string answer)
    {
        try
        {
            using var doc = JsonDocument.Parse(answer);
            var root = doc.RootElement;
            return root.ValueKind == JsonValueKind.Object && root.TryGetProperty("accepted", out var a) && root.TryGetProperty("duplicates", out var d)
                && a.GetInt32() + d.GetInt32() == 0;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    [Fact]
    public async Task BrokenGzip_And_ABodyPastTheCap_AreRefusedWithAReason_NeverA5xx()
    {
        await using var app = await AppAsync();
        using var client = app.ClientWithKey(IngestionApp.WalletKey);
        var cases = Gen.Int[0, 2].Select(Gen.Byte.Array[1, 512], (kind, junk) => kind switch
        {
            0 => junk,
            1 => [0x1f, 0x8b, 0x08, 0x00, .. junk],
            _ => Gzip(Encoding.UTF8.GetBytes(Canonical))[..^Math.Min(junk.Length, 10)],
        });
        var pcg = new PCG(1, 1818);
        for (var i = 0; i < Inputs; i++)
        {
            var body = cases.Generate(pcg, null, out _);
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/events") { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/cloudevents+json");
            request.Content.Headers.ContentEncoding.Add("gzip");
            using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
            Assert.True((int)response.StatusCode is >= 400 and < 500, $"input {i}: {(int)response.StatusCode}");
            HostileInput.Counts.AddOrUpdate("POST /v1/events (broken gzip)", 1, (_, n) => n + 1);
        }
        using var huge = new HttpRequestMessage(HttpMethod.Post, "/v1/events") { Content = new StringContent(new string(' ', 300_000) + Canonical, Encoding.UTF8, "application/cloudevents+json") };
        using var tooLarge = await client.SendAsync(huge, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
        Assert.Contains("200,000 bytes", await tooLarge.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        output.WriteLine(HostileInput.Report(["POST /v1/events (broken gzip)"]));
    }

    private static byte[] Gzip(byte[] data)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(buffer, System.IO.Compression.CompressionLevel.Fastest)) gzip.Write(data);
        return buffer.ToArray();
    }
}
