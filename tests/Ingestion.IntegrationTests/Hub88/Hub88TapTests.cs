using System.Diagnostics.Metrics;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Ingestion.Adapters.Hub88;
using Ingestion.DeadLetters;
using Ingestion.IntegrationTests.Operations;
using Microsoft.Extensions.DependencyInjection;
using Shared.Contracts;
using Shared.Store;
using StackExchange.Redis;
using TestSupport;

namespace Ingestion.IntegrationTests.Hub88;

/// <summary>The Hub88 wallet tap over real HTTP, against the real Redis of the assembly fixture.</summary>
public sealed class Hub88TapTests(StoreServers servers) : IDisposable
{
    private const string Player = "john12345";
    private readonly RSA _hub88 = RSA.Create(2048);

    public void Dispose() => _hub88.Dispose();

    private async Task<IngestionApp> AppAsync(bool enabled = true) =>
        new((await servers.RedisAsync()).ConnectionString, new Dictionary<string, string?>
        {
            ["Hub88:Enabled"] = enabled ? "true" : "false",
            ["Hub88:PublicKeyPem"] = _hub88.ExportSubjectPublicKeyInfoPem(),
        });

    private static string Bet(string tx, long amount = 356000, string currency = "EUR", string extra = "") =>
        $$"""{"user":"{{Player}}","transaction_uuid":"{{tx}}","supplier_transaction_id":"s-{{tx}}","token":"55b7518e-b89e-11e7-81be-58404eea6d16","round":"r-1","round_closed":false,"request_uuid":"req-{{tx}}","is_free":false,"is_aggregated":false,"game_code":"clt_dragonrising","currency":"{{currency}}","bet":"zero","amount":{{amount}}{{extra}}}""";

    private static string Win(string tx, string betTx, long amount) =>
        $$"""{"user":"{{Player}}","transaction_uuid":"{{tx}}","supplier_transaction_id":"s-{{tx}}","token":"t","round":"r-1","round_closed":true,"request_uuid":"req-{{tx}}","reference_transaction_uuid":"{{betTx}}","is_free":false,"game_code":"clt_dragonrising","currency":"EUR","bet":"zero","amount":{{amount}}}""";

    private static string Rollback(string tx, string reference) =>
        $$"""{"user":"{{Player}}","transaction_uuid":"{{tx}}","supplier_transaction_id":"s-{{tx}}","token":"t","round":"r-1","round_closed":true,"request_uuid":"req-{{tx}}","reference_transaction_uuid":"{{reference}}","game_code":"clt_dragonrising"}""";

    private Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(IngestionApp app, string path, string body, bool sign = true) =>
        PostAsync(app, path, body, sign ? Convert.ToBase64String(_hub88.SignData(Encoding.UTF8.GetBytes(body), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)) : null);

    private static async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(IngestionApp app, string path, string body, string? signature)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/compat/hub88" + path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (signature is not null) request.Headers.Add(Hub88Signature.Header, signature);
        using var response = await app.CreateClient().SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    private static Task<PlayerProfile?> ProfileAsync(IngestionApp app) =>
        new ProfileReader(app.Services.GetRequiredService<IConnectionMultiplexer>(), app.Keys, TimeProvider.System).ReadAsync(Player, _ => null);

    [Fact]
    public async Task SignedBet_IsRecorded_AndAnsweredInHub88sShape()
    {
        await using var app = await AppAsync();

        var (status, body) = await PostAsync(app, "/transaction/bet", Bet("tx-1"));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("RS_OK", body.GetProperty("status").GetString());
        Assert.Equal(Player, body.GetProperty("user").GetString());
        Assert.Equal("req-tx-1", body.GetProperty("request_uuid").GetString());
        Assert.Equal("EUR", body.GetProperty("currency").GetString());
        Assert.Equal(0, body.GetProperty("balance").GetInt64());
        var p = await ProfileAsync(app);
        Assert.Equal(1, p!.Lifetime.BetCount);
        Assert.Equal(3.56m, p.Lifetime.StakeAmount);
    }

    [Fact]
    public async Task BetWinAndRetries_CountOnce_AndARollbackCancelsItsBet()
    {
        await using var app = await AppAsync();

        await PostAsync(app, "/transaction/bet", Bet("tx-1"));
        await PostAsync(app, "/transaction/bet", Bet("tx-1"));
        await PostAsync(app, "/transaction/bet", Bet("tx-2", amount: 100000));
        await PostAsync(app, "/transaction/win", Win("tx-3", "tx-1", 1000500));
        var (_, rolledBack) = await PostAsync(app, "/transaction/rollback", Rollback("tx-4", "tx-2"));
        var (_, retried) = await PostAsync(app, "/transaction/rollback", Rollback("tx-4", "tx-2"));

        Assert.Equal("RS_OK", rolledBack.GetProperty("status").GetString());
        Assert.Equal("RS_OK", retried.GetProperty("status").GetString());
        var p = await ProfileAsync(app);
        Assert.Equal(1, p!.Lifetime.BetCount);
        Assert.Equal(3.56m, p.Lifetime.StakeAmount);
        Assert.Equal(10.005m, p.Lifetime.WinAmount);
    }

    [Theory]
    [InlineData("tampered")]
    [InlineData("missing")]
    [InlineData("wrong-key")]
    public async Task BadSignature_IsRsErrorInvalidSignature_CountedAndNotRecorded(string kind)
    {
        await using var app = await AppAsync();
        var rejected = new List<string?>();
        using var listener = ListenForRejections(app, rejected);
        using var impostor = RSA.Create(2048);
        var body = Bet("tx-1");
        var signature = kind switch
        {
            "missing" => null,
            "wrong-key" => Convert.ToBase64String(impostor.SignData(Encoding.UTF8.GetBytes(body), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)),
            _ => Convert.ToBase64String(_hub88.SignData(Encoding.UTF8.GetBytes(Bet("tx-1", amount: 1)), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)),
        };

        var (status, answer) = await PostAsync(app, "/transaction/bet", body, signature);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("RS_ERROR_INVALID_SIGNATURE", answer.GetProperty("status").GetString());
        Assert.Equal("req-tx-1", answer.GetProperty("request_uuid").GetString());
        Assert.Equal(["bad_signature"], rejected);
        Assert.Null(await ProfileAsync(app));
        Assert.Equal(0, await app.Services.GetRequiredService<DeadLetterStore>().CountAsync());
    }

    [Fact]
    public async Task MissingField_IsRsErrorWrongSyntax_NamingHub88sField_AndKeptAsADeadLetter()
    {
        await using var app = await AppAsync();
        var body = Bet("tx-1").Replace("\"game_code\":\"clt_dragonrising\",", "", StringComparison.Ordinal);

        var (_, answer) = await PostAsync(app, "/transaction/bet", body);

        Assert.Equal("RS_ERROR_WRONG_SYNTAX", answer.GetProperty("status").GetString());
        Assert.Equal("field game_code: is required", answer.GetProperty("message").GetString());
        var letter = Assert.Single(await app.Services.GetRequiredService<DeadLetterStore>().ListAsync());
        Assert.Equal("hub88", letter.Feed);
        Assert.Equal("field game_code: is required (POST /transaction/bet)", letter.Reason);
        Assert.Equal(body, letter.Payload);
    }

    [Fact]
    public async Task WrongJsonType_IsRsErrorWrongTypes_NamingHub88sField()
    {
        await using var app = await AppAsync();

        var (_, answer) = await PostAsync(app, "/transaction/win", Win("tx-3", "tx-1", 1).Replace("\"amount\":1", "\"amount\":\"1\"", StringComparison.Ordinal));

        Assert.Equal("RS_ERROR_WRONG_TYPES", answer.GetProperty("status").GetString());
        Assert.StartsWith("field amount: must be an integer", answer.GetProperty("message").GetString());
    }

    [Fact]
    public async Task CallThePipelineRefuses_IsDeadLetteredAsACanonicalEvent_ReadyToReplay()
    {
        await using var app = await AppAsync();

        var (_, answer) = await PostAsync(app, "/transaction/bet", Bet("tx-1", currency: "USD"));

        Assert.Equal("RS_ERROR_UNKNOWN", answer.GetProperty("status").GetString());
        Assert.StartsWith("field currency: no exchange rate for USD", answer.GetProperty("message").GetString());
        var letter = Assert.Single(await app.Services.GetRequiredService<DeadLetterStore>().ListAsync());
        Assert.Equal("hub88", letter.Feed);
        using var canonical = JsonDocument.Parse(letter.Payload);
        Assert.Equal("hub88-tx-1", canonical.RootElement.GetProperty("id").GetString());
        Assert.Equal("wallet.bet", canonical.RootElement.GetProperty("type").GetString());
    }

    [Fact]
    public async Task FreeBetWithZeroStake_IsAcknowledged_AndRecordsNothing()
    {
        await using var app = await AppAsync();

        var (_, answer) = await PostAsync(app, "/transaction/bet", Bet("tx-1", amount: 0).Replace("\"is_free\":false", "\"is_free\":true", StringComparison.Ordinal));

        Assert.Equal("RS_OK", answer.GetProperty("status").GetString());
        Assert.Null(await ProfileAsync(app));
    }

    [Fact]
    public async Task DisabledTap_HasNoEndpoints()
    {
        await using var app = await AppAsync(enabled: false);

        var (status, _) = await PostAsync(app, "/transaction/bet", Bet("tx-1"));

        Assert.Equal(HttpStatusCode.NotFound, status);
    }

    [Fact]
    public async Task OpenApiDocument_DescribesTheCallsWithHub88sFieldNames()
    {
        await using var app = await AppAsync();

        var document = await app.CreateClient().GetStringAsync("/openapi/v1.json");

        Assert.Contains("/compat/hub88/transaction/rollback", document, StringComparison.Ordinal);
        Assert.Contains("\"reference_transaction_uuid\"", document, StringComparison.Ordinal);
        Assert.Contains("\"request_uuid\"", document, StringComparison.Ordinal);
    }

    /// <summary>Records the <c>reason</c> of every <c>auth.rejected</c> measurement of this app's meters only.</summary>
    private static MeterListener ListenForRejections(IngestionApp app, List<string?> reasons)
    {
        var factory = app.Services.GetRequiredService<IMeterFactory>();
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Name == "auth.rejected" && instrument.Meter.Scope == factory) l.EnableMeasurementEvents(instrument);
            },
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "reason") lock (reasons) reasons.Add(tag.Value as string);
            }
        });
        listener.Start();
        return listener;
    }

    [Fact]
    public async Task ABadlySignedCall_RaisesTheHub88FeedsSignatureFailuresByOne_AndAWellSignedOneDoesNot()
    {
        await using var app = await AppAsync();
        Assert.Equal("RS_OK", (await PostAsync(app, "/transaction/bet", Bet("tx-s1"))).Body.GetProperty("status").GetString());
        Assert.Equal(0, await FeedsTests.SignatureFailuresAsync(app, Hub88Mapper.Source));

        var (_, answer) = await PostAsync(app, "/transaction/bet", Bet("tx-s2"), Convert.ToBase64String(new byte[256]));

        Assert.Equal("RS_ERROR_INVALID_SIGNATURE", answer.GetProperty("status").GetString());
        Assert.Equal(1, await FeedsTests.SignatureFailuresAsync(app, Hub88Mapper.Source));
    }
}
