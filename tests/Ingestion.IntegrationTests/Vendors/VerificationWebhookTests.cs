using System.Net;
using System.Security.Cryptography;
using System.Text;
using Ingestion.Adapters.Onfido;
using Ingestion.Adapters.Sumsub;
using Ingestion.DeadLetters;
using Ingestion.IntegrationTests.Operations;
using Microsoft.Extensions.DependencyInjection;
using Shared.Contracts;
using Shared.Store;
using StackExchange.Redis;
using TestSupport;

namespace Ingestion.IntegrationTests.Vendors;

/// <summary>Sumsub and Onfido webhooks over real HTTP against the real Redis of the fixture, from the vendors' documented examples.</summary>
public sealed class VerificationWebhookTests(StoreServers servers)
{
    private const string SumsubSecret = "sumsub-webhook-secret";
    private const string OnfidoToken = "onfido-webhook-token";
    private const string Player = "p-kyc-1";

    private async Task<IngestionApp> AppAsync() =>
        new((await servers.RedisAsync()).ConnectionString, new Dictionary<string, string?>
        {
            ["Sumsub:Enabled"] = "true",
            ["Sumsub:SecretKey"] = SumsubSecret,
            ["Onfido:Enabled"] = "true",
            ["Onfido:WebhookToken"] = OnfidoToken,
        });

    /// <summary>Sumsub's documented applicantReviewed example, with our player as externalUserId.</summary>
    private static string Reviewed(string answer, string createdAt, string correlation, string extra = "") =>
        $$"""{"applicantId":"5cb56e8e0a975a35f333cb83","inspectionId":"5cb56e8e0a975a35f333cb84","correlationId":"{{correlation}}","externalUserId":"{{Player}}","levelName":"basic-kyc-level","type":"applicantReviewed","reviewResult":{"reviewAnswer":"{{answer}}"{{extra}}},"reviewStatus":"completed","createdAtMs":"{{createdAt}}"}""";

    private static async Task<HttpStatusCode> PostSumsubAsync(IngestionApp app, string body, string alg = "HMAC_SHA256_HEX", string? digest = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/compat/sumsub") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        var key = Encoding.UTF8.GetBytes(SumsubSecret);
        var bytes = Encoding.UTF8.GetBytes(body);
        digest ??= Convert.ToHexStringLower(alg switch
        {
            "HMAC_SHA512_HEX" => HMACSHA512.HashData(key, bytes),
            _ => HMACSHA256.HashData(key, bytes),
        });
        request.Headers.Add(SumsubAdapter.DigestHeader, digest);
        request.Headers.Add(SumsubAdapter.AlgorithmHeader, alg);
        using var response = await app.CreateClient().SendAsync(request);
        return response.StatusCode;
    }

    private static Task<PlayerProfile?> ProfileAsync(IngestionApp app, string player = Player) =>
        new ProfileReader(app.Services.GetRequiredService<IConnectionMultiplexer>(), app.Keys, TimeProvider.System).ReadAsync(player, _ => null);

    [Fact]
    public async Task SumsubRedAfterGreen_Wins_WhateverOrderTheyArrive_AndAResentWebhookCountsOnce()
    {
        await using var app = await AppAsync();
        var green = Reviewed("GREEN", "2026-11-20 10:00:00.000", "req-green");
        var red = Reviewed("RED", "2026-11-22 09:30:00.125", "req-red", ""","rejectLabels":["FORGERY","SELFIE_MISMATCH"],"reviewRejectType":"FINAL" """.Trim());
        var pending = Reviewed("GREEN", "2026-11-19 08:00:00.000", "req-pending").Replace("\"applicantReviewed\"", "\"applicantPending\"");

        // The newest verdict (RED) arrives first; the older GREEN and pending arrive late, and RED is resent.
        foreach (var body in new[] { red, green, pending, red })
        {
            Assert.Equal(HttpStatusCode.OK, await PostSumsubAsync(app, body));
        }

        var p = (await ProfileAsync(app))!;
        Assert.Equal("rejected", p.KycStatus);
        Assert.Equal(new DateTimeOffset(2026, 11, 22, 9, 30, 0, 125, TimeSpan.Zero), p.Verification!.Kyc!.At);
        Assert.Equal(["FORGERY", "SELFIE_MISMATCH"], p.Verification.Kyc.Reasons);
        Assert.True(p.Verification.Kyc.Final);
        Assert.Equal(("sumsub", "basic-kyc-level"), (p.Verification.Kyc.Provider, p.Verification.Kyc.Level));
    }

    [Fact]
    public async Task SumsubRetry_IsARetryVerdict_AndSha512DigestsAreChecked()
    {
        await using var app = await AppAsync();
        var retry = Reviewed("RED", "2026-11-22 09:30:00.000", "req-retry", ""","rejectLabels":["BAD_PROOF_OF_ADDRESS"],"reviewRejectType":"RETRY" """.Trim());
        Assert.Equal(HttpStatusCode.OK, await PostSumsubAsync(app, retry, "HMAC_SHA512_HEX"));
        Assert.Equal("retry", (await ProfileAsync(app))!.KycStatus);
    }

    [Fact]
    public async Task SumsubBadOrMissingDigest_Is401_AndChangesNothing()
    {
        await using var app = await AppAsync();
        var green = Reviewed("GREEN", "2026-11-20 10:00:00.000", "req-1");
        Assert.Equal(HttpStatusCode.Unauthorized, await PostSumsubAsync(app, green, digest: new string('0', 64)));
        Assert.Equal(HttpStatusCode.Unauthorized, await PostSumsubAsync(app, green, alg: "MD5"));
        // Signed for another body.
        Assert.Equal(HttpStatusCode.Unauthorized, await PostSumsubAsync(app, green.Replace("GREEN", "RED"),
            digest: Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(SumsubSecret), Encoding.UTF8.GetBytes(green)))));
        Assert.Null(await ProfileAsync(app));
    }

    [Fact]
    public async Task SumsubWebhookWithoutExternalUserId_IsDeadLettered_AndAnswered200SoItIsNotResent()
    {
        await using var app = await AppAsync();
        var body = Reviewed("GREEN", "2026-11-20 10:00:00.000", "req-x").Replace($"\"externalUserId\":\"{Player}\",", "");
        Assert.Equal(HttpStatusCode.OK, await PostSumsubAsync(app, body));
        var letters = await app.Services.GetRequiredService<DeadLetterStore>().FindAsync(SumsubAdapter.Feed, 10);
        Assert.Contains(letters, l => l.Reason.StartsWith("field externalUserId: is required", StringComparison.Ordinal));
    }

    /// <summary>Onfido's documented workflow_run.completed example, with the run (customer_user_id) in payload.resource.</summary>
    private static string RunCompleted(string status, string completedAt, string player = Player) =>
        """{"payload":{"resource_type":"workflow_run","action":"workflow_run.completed","object":{"id":"2f152409-d6c4-4711-8750-48517f99a8d6","status":"STATUS","completed_at_iso8601":"COMPLETED","href":"https://api.eu.onfido.com/v3.6/workflow_runs/2f152409-d6c4-4711-8750-48517f99a8d6"},"resource":{"id":"2f152409-d6c4-4711-8750-48517f99a8d6","applicant_id":"b6d1b1f0-3c5a-4f0e-9b1e-1f0b8f1c2d3e","customer_user_id":"PLAYER","workflow_id":"wf-kyc","reasons":["document_expired"]}}}"""
            .Replace("STATUS", status, StringComparison.Ordinal).Replace("COMPLETED", completedAt, StringComparison.Ordinal).Replace("PLAYER", player, StringComparison.Ordinal);

    private static async Task<HttpStatusCode> PostOnfidoAsync(IngestionApp app, string body, string? signature = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/compat/onfido") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add(OnfidoAdapter.SignatureHeader,
            signature ?? Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(OnfidoToken), Encoding.UTF8.GetBytes(body))));
        using var response = await app.CreateClient().SendAsync(request);
        return response.StatusCode;
    }

    [Fact]
    public async Task OnfidoDeclinedRun_IsARejectedKyc_AndABadSignatureIs401()
    {
        await using var app = await AppAsync();
        Assert.Equal(HttpStatusCode.Unauthorized, await PostOnfidoAsync(app, RunCompleted("declined", "2022-12-19T16:54:44Z"), signature: "deadbeef"));
        Assert.Null(await ProfileAsync(app));

        Assert.Equal(HttpStatusCode.OK, await PostOnfidoAsync(app, RunCompleted("declined", "2022-12-19T16:54:44Z")));
        Assert.Equal(HttpStatusCode.OK, await PostOnfidoAsync(app, RunCompleted("approved", "2022-12-18T10:00:00Z")));
        var p = (await ProfileAsync(app))!;
        Assert.Equal("rejected", p.KycStatus);
        Assert.Equal(["document_expired"], p.Verification!.Kyc!.Reasons);
        Assert.Equal("onfido", p.Verification.Kyc.Provider);
    }

    [Fact]
    public async Task OnfidoOtherActions_AreAnswered200_AndIgnored()
    {
        await using var app = await AppAsync();
        var started = RunCompleted("processing", "2022-12-19T16:54:00Z").Replace("workflow_run.completed", "workflow_run.started");
        Assert.Equal(HttpStatusCode.OK, await PostOnfidoAsync(app, started));
        Assert.Null(await ProfileAsync(app));
    }

    [Fact]
    public async Task ABadlySignedWebhook_RaisesItsFeedsSignatureFailuresByOne_AndAWellSignedOneDoesNot()
    {
        await using var app = await AppAsync();
        var reviewed = Reviewed("GREEN", "2026-11-20 10:00:00.000", "req-sig");
        Assert.Equal(HttpStatusCode.OK, await PostSumsubAsync(app, reviewed));
        Assert.Equal(0, await FeedsTests.SignatureFailuresAsync(app, SumsubMapper.Source));
        Assert.Equal(HttpStatusCode.Unauthorized, await PostSumsubAsync(app, reviewed, digest: new string('0', 64)));
        Assert.Equal(1, await FeedsTests.SignatureFailuresAsync(app, SumsubMapper.Source));

        var run = RunCompleted("approved", "2026-11-20T10:00:00Z");
        Assert.Equal(HttpStatusCode.OK, await PostOnfidoAsync(app, run));
        Assert.Equal(0, await FeedsTests.SignatureFailuresAsync(app, OnfidoMapper.Source));
        Assert.Equal(HttpStatusCode.Unauthorized, await PostOnfidoAsync(app, run, signature: new string('0', 64)));
        Assert.Equal(1, await FeedsTests.SignatureFailuresAsync(app, OnfidoMapper.Source));
        Assert.Equal(1, await FeedsTests.SignatureFailuresAsync(app, SumsubMapper.Source));
    }
}
