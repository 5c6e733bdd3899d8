// Sumsub "Verify webhook sender": the X-Payload-Digest header is the hex HMAC of the raw body with the webhook's secret
// key, using the algorithm X-Payload-Digest-Alg names (HMAC_SHA1_HEX, HMAC_SHA256_HEX, HMAC_SHA512_HEX). Sumsub's
// "Webhook manager": a request that fails or takes over 5 seconds is resent (after 5 minutes, 1 hour, 5 hours, 18 hours).
using System.Security.Cryptography;
using Ingestion.Events;
using Microsoft.Extensions.Options;
using Shared.ServiceDefaults.ApiKeys;

namespace Ingestion.Adapters.Sumsub;

/// <summary>Section <c>Sumsub</c>: <c>Enabled</c> maps <c>POST /compat/sumsub</c>.</summary>
public sealed class SumsubOptions : VendorWebhookOptions
{
    public const string Section = "Sumsub";

    /// <summary>The webhook's secret key (Sumsub dashboard, Webhook manager).</summary>
    public string? SecretKey { get; set; }
}

public sealed class SumsubOptionsValidator : IValidateOptions<SumsubOptions>
{
    public ValidateOptionsResult Validate(string? name, SumsubOptions options) =>
        options.Validate(SumsubOptions.Section, nameof(options.SecretKey), options.SecretKey, "the webhook's secret key from Sumsub's Webhook manager");
}

/// <summary>
/// Sumsub's applicant webhooks as <c>player.kyc</c> events. 200 once recorded (or a kind we do not use, or a signed
/// message we could not apply, kept on the dead-letter list: a resend would not help); 401 on a missing or bad
/// digest and 503 when the store does not answer, both of which Sumsub resends.
/// </summary>
public sealed class SumsubAdapter(IOptions<SumsubOptions> options, VendorWebhooks webhooks, ApiKeyMetrics authMetrics, Feeds.FeedStats feeds, TimeProvider clock) : IVendorAdapter
{
    public const string Feed = "sumsub";
    public const string DigestHeader = "X-Payload-Digest";
    public const string AlgorithmHeader = "X-Payload-Digest-Alg";

    public string Name => Feed;

    public string RoutePrefix => "/compat/sumsub";

    public void MapRoutes(RouteGroupBuilder group)
    {
        if (!options.Value.Enabled) return;
        group.MapPost("", (Func<HttpContext, Task<IResult>>)HandleAsync).AllowAnonymous()
            .WithName("SumsubWebhook")
            .WithSummary("Sumsub applicant webhooks (applicantReviewed, applicantPending, applicantOnHold, applicantReset)")
            .WithDescription($"Signed as Sumsub documents: {DigestHeader} is the hex HMAC of the raw body with the webhook's secret key (Sumsub:SecretKey), " +
                $"by the algorithm in {AlgorithmHeader} (HMAC_SHA1_HEX, HMAC_SHA256_HEX or HMAC_SHA512_HEX). `externalUserId` is the player id; the verdict " +
                "becomes a canonical player.kyc event timed by `createdAtMs`, so an older webhook arriving late never overrides a newer verdict.");
    }

    public static HashAlgorithmName? Algorithm(string? header) => header?.Trim() switch
    {
        "HMAC_SHA1_HEX" => HashAlgorithmName.SHA1,
        "HMAC_SHA256_HEX" => HashAlgorithmName.SHA256,
        "HMAC_SHA512_HEX" => HashAlgorithmName.SHA512,
        _ => null,
    };

    internal async Task<IResult> HandleAsync(HttpContext http)
    {
        var body = await RequestBody.ReadAsync(http.Request, options.Value.MaxBodyBytes, http.RequestAborted);
        if (body is null) return TypedResults.Problem(statusCode: 413, title: "Body too large", detail: $"At most {options.Value.MaxBodyBytes:N0} bytes.");
        var algorithmHeader = http.Request.Headers[AlgorithmHeader].ToString();
        if (Algorithm(algorithmHeader) is not { } algorithm)
        {
            authMetrics.Rejected("bad_signature");
            await feeds.SignatureFailedAsync(SumsubMapper.Source);
            return TypedResults.Problem(statusCode: 401, title: "Bad signature",
                detail: $"{AlgorithmHeader} must be HMAC_SHA1_HEX, HMAC_SHA256_HEX or HMAC_SHA512_HEX, got '{algorithmHeader}'.");
        }
        if (!VendorWebhooks.HexHmacMatches(algorithm, options.Value.SecretKey!, body.Value.Span, http.Request.Headers[DigestHeader].ToString()))
        {
            authMetrics.Rejected("bad_signature");
            await feeds.SignatureFailedAsync(SumsubMapper.Source);
            return TypedResults.Problem(statusCode: 401, title: "Bad signature",
                detail: $"{DigestHeader} is missing or is not the {algorithmHeader} of this body with Sumsub:SecretKey.");
        }

        return await webhooks.RecordJsonAsync(Feed, body.Value, json => SumsubMapper.Map(json, clock.GetUtcNow()));
    }
}
