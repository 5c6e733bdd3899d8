// Follows Onfido's webhook documentation (documentation.onfido.com/api/latest/#webhooks, as its OpenAPI/AsyncAPI
// definitions put it): the body is {"payload":{"resource_type","action","object":{id,status,completed_at_iso8601,href},
// "resource":{…}}}; action workflow_run.completed carries the run's status (approved, declined, review, abandoned,
// error); X-SHA2-Signature is the hex HMAC-SHA256 of the raw body keyed with the webhook's token; a non-2xx answer is
// retried. The run's customer_user_id ("Customer-provided user identifier", set when the operator created the run) is our
// player id; the webhook carries the run in payload.resource.
using System.Security.Cryptography;
using System.Text.Json;
using Ingestion.Events;
using Microsoft.Extensions.Options;
using Shared.Contracts;
using Shared.ServiceDefaults.ApiKeys;
using static Ingestion.Adapters.VendorWebhooks;

namespace Ingestion.Adapters.Onfido;

/// <summary>Section <c>Onfido</c>: <c>Enabled</c> maps <c>POST /compat/onfido</c>.</summary>
public sealed class OnfidoOptions : VendorWebhookOptions
{
    public const string Section = "Onfido";

    /// <summary>The webhook's token (returned when the webhook was registered; Onfido dashboard, Webhook Management).</summary>
    public string? WebhookToken { get; set; }
}

public sealed class OnfidoOptionsValidator : IValidateOptions<OnfidoOptions>
{
    public ValidateOptionsResult Validate(string? name, OnfidoOptions options) =>
        options.Validate(OnfidoOptions.Section, nameof(options.WebhookToken), options.WebhookToken, "the token Onfido returned when the webhook was registered");
}

/// <summary>
/// A completed Onfido Studio workflow run as a <c>player.kyc</c> event: approved → <c>verified</c>, declined →
/// <c>rejected</c> (final), review → <c>pending</c>, abandoned → <c>retry</c>; an errored run carries no verdict.
/// </summary>
public static class OnfidoMapper
{
    public const string Source = "/compat/onfido";

    public static VendorMapping Map(JsonElement body)
    {
        var payload = Child(body, "payload");
        if (payload.ValueKind != JsonValueKind.Object) return VendorMapping.Fail("field payload: is required and must be an object");
        if (Text(payload, "action") != "workflow_run.completed") return VendorMapping.Ignored;
        var run = Child(payload, "object");
        var resource = Child(payload, "resource");
        var runId = Text(run, "id");
        if (string.IsNullOrEmpty(runId)) return VendorMapping.Fail("field payload.object.id: is required");
        var status = Text(run, "status") switch
        {
            "approved" => "verified",
            "declined" => "rejected",
            "review" => "pending",
            "abandoned" => "retry",
            "error" => null,
            var other => other is null ? "" : $"?{other}",
        };
        if (status is null) return VendorMapping.Ignored;
        if (status.Length == 0 || status[0] == '?')
        {
            return VendorMapping.Fail($"field payload.object.status: must be approved, declined, review, abandoned or error, got '{Text(run, "status")}'");
        }
        var player = Text(resource, "customer_user_id");
        if (string.IsNullOrEmpty(player))
        {
            return VendorMapping.Fail("field payload.resource.customer_user_id: is required (our player id, set as customer_user_id when the workflow run was created)");
        }
        DateTimeOffset? time = null;
        if (Text(run, "completed_at_iso8601") is { } completed)
        {
            if (!DateTimeOffset.TryParse(completed, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var t))
            {
                return VendorMapping.Fail($"field payload.object.completed_at_iso8601: '{completed}' is not an ISO 8601 time");
            }
            time = t;
        }
        var reasons = Strings(resource, "reasons");
        return VendorMapping.Of(CanonicalEvent.Kyc($"onfido-{runId}-{Text(run, "status")}", Source, time, player,
            new KycVerdict(status, "onfido", Text(resource, "workflow_id"), reasons.Count == 0 ? null : reasons, status == "rejected" ? true : null)));
    }
}

/// <summary>Onfido's webhooks; 200 once handled, 401 on a bad X-SHA2-Signature and 503 when the store does not answer (both retried by Onfido).</summary>
public sealed class OnfidoAdapter(IOptions<OnfidoOptions> options, VendorWebhooks webhooks, ApiKeyMetrics authMetrics, Feeds.FeedStats feeds) : IVendorAdapter
{
    public const string Feed = "onfido";
    public const string SignatureHeader = "X-SHA2-Signature";

    public string Name => Feed;

    public string RoutePrefix => "/compat/onfido";

    public void MapRoutes(RouteGroupBuilder group)
    {
        if (!options.Value.Enabled) return;
        group.MapPost("", (Func<HttpContext, Task<IResult>>)HandleAsync).AllowAnonymous()
            .WithName("OnfidoWebhook")
            .WithSummary("Onfido webhooks (workflow_run.completed becomes player.kyc)")
            .WithDescription($"{SignatureHeader}: hex HMAC-SHA256 of the raw body with the webhook's token (Onfido:WebhookToken). " +
                "The run's `customer_user_id` (in `payload.resource`) is the player id. Other actions are answered 200 and not used.");
    }

    internal async Task<IResult> HandleAsync(HttpContext http)
    {
        var body = await RequestBody.ReadAsync(http.Request, options.Value.MaxBodyBytes, http.RequestAborted);
        if (body is null) return TypedResults.Problem(statusCode: 413, title: "Body too large", detail: $"At most {options.Value.MaxBodyBytes:N0} bytes.");
        if (!HexHmacMatches(HashAlgorithmName.SHA256, options.Value.WebhookToken!, body.Value.Span, http.Request.Headers[SignatureHeader].ToString()))
        {
            authMetrics.Rejected("bad_signature");
            await feeds.SignatureFailedAsync(OnfidoMapper.Source);
            return TypedResults.Problem(statusCode: 401, title: "Bad signature",
                detail: $"{SignatureHeader} is missing or is not the hex HMAC-SHA256 of this body with Onfido:WebhookToken.");
        }
        return await webhooks.RecordJsonAsync(Feed, body.Value, OnfidoMapper.Map);
    }
}
