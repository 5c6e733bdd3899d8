using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ingestion.Adapters.Praxis;
using Ingestion.Adapters.Trustly;
using Ingestion.IntegrationTests.Operations;
using Microsoft.Extensions.DependencyInjection;
using Shared.Contracts;
using Shared.Store;
using StackExchange.Redis;
using TestSupport;

namespace Ingestion.IntegrationTests.Vendors;

/// <summary>Praxis and Trustly notifications over real HTTP, from the vendors' documented examples: signatures, answers, resends, any order.</summary>
public sealed class CashierNotificationTests(StoreServers servers) : IDisposable
{
    private const string PraxisSecret = "praxis-merchant-secret";
    private const string Player = "p-cashier-1";
    private readonly RSA _trustly = RSA.Create(2048);
    private readonly RSA _merchant = RSA.Create(2048);

    public void Dispose()
    {
        _trustly.Dispose();
        _merchant.Dispose();
    }

    private async Task<IngestionApp> AppAsync() =>
        new((await servers.RedisAsync()).ConnectionString, new Dictionary<string, string?>
        {
            ["Praxis:Enabled"] = "true",
            ["Praxis:MerchantSecret"] = PraxisSecret,
            ["Trustly:Enabled"] = "true",
            ["Trustly:TrustlyPublicKeyPem"] = _trustly.ExportSubjectPublicKeyInfoPem(),
            ["Trustly:MerchantPrivateKeyPem"] = _merchant.ExportPkcs8PrivateKeyPem(),
        });

    private static Task<PlayerProfile?> ProfileAsync(IngestionApp app) =>
        new ProfileReader(app.Services.GetRequiredService<IConnectionMultiplexer>(), app.Keys, TimeProvider.System).ReadAsync(Player, _ => null);

    /// <summary>Praxis's documented notification (API v1.3), for our player (session.cid).</summary>
    private static string Praxis(string type, string status, long tid, long cents, long timestamp, string details = "Transaction approved", string reference = "null") =>
        $$"""{"merchant_id":"Test-Integration-Merchant","application_key":"Sandbox","customer":{"customer_token":"87cfb23a8f1e68e162c276b754d9c061","country":"GB","first_name":"John","last_name":"Johnson","avs_alert":0,"verification_alert":null},"session":{"auth_token":"8a7sd87a8sd778ac961062c6bedddb8","intent":"payment","session_status":"created","order_id":"test-1560610955","currency":"EUR","amount":{{cents}},"conversion_rate":"1.000000","processed_currency":"EUR","processed_amount":{{cents}},"payment_method":"Credit Card","gateway":null,"cid":"{{Player}}","variable1":"","variable2":"","variable3":""},"transaction":{"transaction_type":"{{type}}","transaction_status":"{{status}}","tid":{{tid}},"transaction_id":"13397","currency":"EUR","amount":{{cents}},"conversion_rate":"1.000000","processed_currency":"EUR","processed_amount":{{cents}},"fee":0,"fee_included":0,"fee_type":"flat","payment_method":"Credit Card","payment_processor":"TestCardProcessor","gateway":"s-Bq8Yy1Oqb9bKm0mUGQHNvb3tYM4dSf1o","card":{"card_token":"J-4-a0vPhjZ9R75JP98VDUFgbh9y8sYr","card_type":"VISA","card_number":"411111******1111","card_exp":"12/2024","card_issuer_name":"Bank of Somewhere","card_issuer_country":"GB"},"wallet":null,"is_async":0,"is_cascade":0,"cascade_level":0,"reference_id":{{reference}},"withdrawal_request_id":null,"created_by":"INTERNET","edited_by":"INTERNET","status_code":"SC-002","status_details":"{{details}}"},"version":"1.3","timestamp":{{timestamp}}}""";

    private static async Task<(HttpStatusCode Http, JsonElement Answer, string Signature)> PostPraxisAsync(IngestionApp app, string body, string? signature = null)
    {
        using var doc = JsonDocument.Parse(body);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/compat/praxis/notification") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add(PraxisAdapter.Header, signature ?? PraxisAdapter.Sign(PraxisAdapter.SignedValues(doc.RootElement), PraxisSecret));
        using var response = await app.CreateClient().SendAsync(request);
        var answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
        return (response.StatusCode, answer, response.Headers.TryGetValues(PraxisAdapter.Header, out var v) ? v.Single() : "");
    }

    [Fact]
    public async Task PraxisSignature_FollowsTheDocumentedAlgorithm()
    {
        // Values of the signature parameters in order, nulls skipped, then the secret, SHA-384, hex.
        using var doc = JsonDocument.Parse(Praxis("sale", "approved", 756850, 1000, 1590611635));
        var concatenated = "Test-Integration-MerchantSandbox159061163587cfb23a8f1e68e162c276b754d9c061test-1560610955756850EUR10001.000000EUR1000" + PraxisSecret;
        Assert.Equal(Convert.ToHexStringLower(SHA384.HashData(Encoding.UTF8.GetBytes(concatenated))),
            PraxisAdapter.Sign(PraxisAdapter.SignedValues(doc.RootElement), PraxisSecret));
    }

    [Fact]
    public async Task PraxisChargeback_BeforeOrAfterItsApproval_TakesTheDepositOut_AndAResendCountsOnce()
    {
        await using var app = await AppAsync();
        var approved = Praxis("sale", "approved", 756850, 5000, 1795000000);
        var chargeback = Praxis("sale", "chargeback", 756850, 5000, 1796000000, "Chargeback");

        foreach (var body in new[] { chargeback, approved, approved, chargeback })
        {
            var (http, answer, signature) = await PostPraxisAsync(app, body);
            Assert.Equal(HttpStatusCode.OK, http);
            Assert.Equal(0, answer.GetProperty("status").GetInt32());
            // Our answer is signed as Praxis documents: status, timestamp, then the secret.
            Assert.Equal(PraxisAdapter.Sign([answer.GetProperty("status").GetRawText(), answer.GetProperty("timestamp").GetRawText()], PraxisSecret), signature);
        }
        var l = (await ProfileAsync(app))!.Lifetime;
        Assert.Equal((0L, 0m), (l.DepositCount, l.DepositAmount));
        Assert.Equal((1L, 50m), (l.ChargebackCount, l.ChargebackAmount));
        Assert.Equal("card", l.FirstPaymentMethod);
    }

    [Fact]
    public async Task PraxisDecline_CountsByNormalisedReason_AndARefundReturnsTheDepositItReferences()
    {
        await using var app = await AppAsync();
        await PostPraxisAsync(app, Praxis("sale", "rejected", 1001, 2000, 1795000000, "Insufficient funds"));
        await PostPraxisAsync(app, Praxis("sale", "approved", 1002, 3000, 1795000100));
        await PostPraxisAsync(app, Praxis("refund", "approved", 1003, 3000, 1795100000, "Refund approved", reference: "1002"));

        var l = (await ProfileAsync(app))!.Lifetime;
        Assert.Equal(1, l.DeclinedDepositCount);
        Assert.Equal(1, l.DeclinedDepositReasons!.InsufficientFunds);
        Assert.Equal((0L, 1L, 30m), (l.DepositCount, l.RefundCount, l.RefundAmount));
    }

    [Fact]
    public async Task PraxisBadSignature_IsAnsweredMinusOne_SoPraxisResends_AndRecordsNothing()
    {
        await using var app = await AppAsync();
        var (http, answer, _) = await PostPraxisAsync(app, Praxis("sale", "approved", 2001, 1000, 1795000000), signature: new string('a', 96));
        Assert.Equal(HttpStatusCode.OK, http);
        Assert.Equal(-1, answer.GetProperty("status").GetInt32());
        Assert.Null(await ProfileAsync(app));
    }

    /// <summary>A Trustly notification as its docs show it, signed with "Trustly's" key.</summary>
    private string Trustly(string method, string order, string notification, string amount = "902.50", string timestamp = "2026-11-20 14:42:04.675645+01")
    {
        var data = new JsonObject
        {
            ["amount"] = amount, ["currency"] = "EUR", ["messageid"] = "98348932", ["orderid"] = order, ["enduserid"] = Player,
            ["notificationid"] = notification, ["timestamp"] = timestamp, ["attributes"] = new JsonObject(),
        };
        if (method == "cancel")
        {
            data.Remove("amount");
            data.Remove("currency");
        }
        const string uuid = "258a2184-2842-b485-25ca-293525152425";
        var signature = Convert.ToBase64String(_trustly.SignData(TrustlySignature.Plain(method, uuid, data), HashAlgorithmName.SHA1, RSASignaturePadding.Pkcs1));
        return new JsonObject
        {
            ["method"] = method,
            ["params"] = new JsonObject { ["signature"] = signature, ["uuid"] = uuid, ["data"] = data },
            ["version"] = "1.1",
        }.ToJsonString();
    }

    private async Task<HttpStatusCode> PostTrustlyAsync(IngestionApp app, string body)
    {
        using var response = await app.CreateClient().PostAsync("/compat/trustly/notification", new StringContent(body, Encoding.UTF8, "application/json"));
        if (response.StatusCode == HttpStatusCode.OK)
        {
            // The answer is OK, signed with the merchant key over method + uuid + data, as Trustly checks it.
            var result = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["result"]!;
            Assert.Equal("OK", (string?)result["data"]!["status"]);
            Assert.True(_merchant.VerifyData(TrustlySignature.Plain((string)result["method"]!, (string)result["uuid"]!, result["data"]),
                Convert.FromBase64String((string)result["signature"]!), HashAlgorithmName.SHA1, RSASignaturePadding.Pkcs1));
        }
        return response.StatusCode;
    }

    [Fact]
    public async Task TrustlyDebitAfterACreditedDeposit_IsADepositReversal_AndACreditAfterAWithdrawal_ReturnsIt()
    {
        await using var app = await AppAsync();
        string[] notifications =
        [
            Trustly("pending", "dep-1", "n-1"),
            Trustly("credit", "dep-1", "n-2"),
            Trustly("credit", "dep-1", "n-2"),
            Trustly("debit", "dep-1", "n-3", timestamp: "2026-11-23 09:00:00.000000+01"),
            Trustly("debit", "wd-1", "n-4", amount: "100.00"),
            Trustly("credit", "wd-1", "n-5", amount: "100.00", timestamp: "2026-11-21 10:00:00.5+00"),
        ];
        foreach (var n in notifications) Assert.Equal(HttpStatusCode.OK, await PostTrustlyAsync(app, n));

        var l = (await ProfileAsync(app))!.Lifetime;
        Assert.Equal((0L, 0L), (l.DepositCount, l.WithdrawalCount));
        Assert.Equal((1L, 902.50m), (l.ReversedDepositCount, l.ReversedDepositAmount));
        Assert.Equal((1L, 100m), (l.ReversedWithdrawalCount, l.ReversedWithdrawalAmount));
        Assert.Equal(["open_banking"], l.PaymentMethods!);
    }

    [Fact]
    public async Task TrustlyBadSignature_IsNotAnsweredOk_SoTrustlyResends()
    {
        await using var app = await AppAsync();
        var forged = Trustly("credit", "dep-9", "n-9").Replace("902.50", "9902.50");
        Assert.Equal(HttpStatusCode.Unauthorized, await PostTrustlyAsync(app, forged));
        Assert.Null(await ProfileAsync(app));
    }

    [Fact]
    public async Task ARefusedFirstTrustlyNotification_FixesNoDirection_SoTheOrdersNextOneCountsAsItSays()
    {
        await using var app = await AppAsync();
        // Refused (its amount is no number) and dead-lettered: it must not decide that order wd-7 is a deposit.
        Assert.Equal(HttpStatusCode.OK, await PostTrustlyAsync(app, Trustly("credit", "wd-7", "n-71", amount: "lots")));
        Assert.False(await app.Db.HashExistsAsync(app.Keys.VendorOrders(Player), "trustly:wd-7"));
        Assert.Equal(HttpStatusCode.OK, await PostTrustlyAsync(app, Trustly("debit", "wd-7", "n-72", amount: "100.00")));

        var l = (await ProfileAsync(app))!.Lifetime;
        Assert.Equal((1L, 100m), (l.WithdrawalCount, l.WithdrawalAmount));
        Assert.Equal(0L, l.ReversedDepositCount);
    }

    [Fact]
    public async Task ATrustlyBodyThatIsNoJsonRpcObject_OrNoUtf8_IsRefusedWith400_NotA500()
    {
        await using var app = await AppAsync();
        var notification = Trustly("credit", "dep-8", "n-81");
        using var client = app.CreateClient();
        using var array = await client.PostAsync("/compat/trustly/notification", new StringContent($"[{notification}]", Encoding.UTF8, "application/json"));
        byte[] raw = [.. Encoding.UTF8.GetBytes("{\"method\":\"credit\",\"params\":{\"uuid\":\"a"), 0x80, 0xC0, .. Encoding.UTF8.GetBytes("\"}}")];
        using var bytes = await client.PostAsync("/compat/trustly/notification", new ByteArrayContent(raw) { Headers = { ContentType = new("application/json") } });

        Assert.Equal(HttpStatusCode.BadRequest, array.StatusCode);
        Assert.Contains("JSON-RPC object", await array.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, bytes.StatusCode);
        Assert.Contains("not valid JSON text", await bytes.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TrustlyCancel_WithOrWithoutAnEarlierNotification_IsAnsweredOk_AndCountsNothing()
    {
        await using var app = await AppAsync();
        Assert.Equal(HttpStatusCode.OK, await PostTrustlyAsync(app, Trustly("pending", "dep-2", "n-21")));
        Assert.Equal(HttpStatusCode.OK, await PostTrustlyAsync(app, Trustly("cancel", "dep-2", "n-22")));
        Assert.Equal(HttpStatusCode.OK, await PostTrustlyAsync(app, Trustly("cancel", "dep-3", "n-23")));
        var l = (await ProfileAsync(app))!.Lifetime;
        Assert.Equal((0L, 0L), (l.DepositCount, l.DeclinedDepositCount));
    }

    [Fact]
    public async Task ABadlySignedNotification_RaisesItsFeedsSignatureFailuresByOne_AndAWellSignedOneDoesNot()
    {
        await using var app = await AppAsync();
        var praxis = Praxis("sale", "approved", 756851, 1000, 1590611635);
        await PostPraxisAsync(app, praxis);
        Assert.Equal(0, await FeedsTests.SignatureFailuresAsync(app, PraxisMapper.Source));
        await PostPraxisAsync(app, praxis, signature: new string('0', 96));
        Assert.Equal(1, await FeedsTests.SignatureFailuresAsync(app, PraxisMapper.Source));

        Assert.Equal(HttpStatusCode.OK, await PostTrustlyAsync(app, Trustly("credit", "dep-s", "n-s1")));
        Assert.Equal(0, await FeedsTests.SignatureFailuresAsync(app, TrustlyMapper.Source));
        Assert.Equal(HttpStatusCode.Unauthorized, await PostTrustlyAsync(app, Trustly("credit", "dep-s", "n-s2").Replace("902.50", "9025.00", StringComparison.Ordinal)));
        Assert.Equal(1, await FeedsTests.SignatureFailuresAsync(app, TrustlyMapper.Source));
        Assert.Equal(1, await FeedsTests.SignatureFailuresAsync(app, PraxisMapper.Source));
    }
}
