// Praxis "Authentication" (doc.praxiscashier.com, API v1.3): the GT-Authentication header is the hex SHA-384 of the
// values of the method's signature parameters, concatenated in their documented order, followed by the merchant secret;
// null values are skipped. Notification signature parameters: merchant_id, application_key, timestamp,
// customer.customer_token, session.order_id, transaction.tid, transaction.currency, transaction.amount,
// transaction.conversion_rate, transaction.processed_currency, transaction.processed_amount. The response is signed the
// same way over status and timestamp. "In case your API response contains "status":-1 or responds in unrecognized
// format, the notification will be resent automatically within approximately 5 minutes."
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Ingestion.Events;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Shared.ServiceDefaults.ApiKeys;
using static Ingestion.Adapters.VendorWebhooks;

namespace Ingestion.Adapters.Praxis;

/// <summary>Section <c>Praxis</c>: <c>Enabled</c> maps <c>POST /compat/praxis/notification</c>.</summary>
public sealed class PraxisOptions : VendorWebhookOptions
{
    public const string Section = "Praxis";

    /// <summary>The merchant secret Praxis issued (signs its notifications and our answers).</summary>
    public string? MerchantSecret { get; set; }
}

public sealed class PraxisOptionsValidator : IValidateOptions<PraxisOptions>
{
    public ValidateOptionsResult Validate(string? name, PraxisOptions options) =>
        options.Validate(PraxisOptions.Section, nameof(options.MerchantSecret), options.MerchantSecret, "the merchant secret Praxis issued");
}

/// <summary>Praxis's notification answer: status 0 recorded, -1 "send it again", 1 a logical error (kept on the dead-letter list).</summary>
public sealed record PraxisAnswer(int Status, string Description, string Version, long Timestamp);

/// <summary>
/// Praxis cashier notifications as canonical payment events. Answered in Praxis's own form, signed: <c>status</c> 0 when
/// recorded (or ignored), -1 on a bad signature or when the store does not answer (Praxis resends in about 5 minutes),
/// 1 for a signed notification we cannot apply (dead-lettered: a resend would not help).
/// </summary>
public sealed class PraxisAdapter(IOptions<PraxisOptions> options, VendorWebhooks webhooks, ApiKeyMetrics authMetrics, Feeds.FeedStats feeds, TimeProvider clock) : IVendorAdapter
{
    public const string Feed = "praxis";
    public const string Header = "GT-Authentication";

    private static readonly string[][] SignedFields =
    [
        ["merchant_id"], ["application_key"], ["timestamp"], ["customer", "customer_token"], ["session", "order_id"],
        ["transaction", "tid"], ["transaction", "currency"], ["transaction", "amount"], ["transaction", "conversion_rate"],
        ["transaction", "processed_currency"], ["transaction", "processed_amount"],
    ];

    public string Name => Feed;

    public string RoutePrefix => "/compat/praxis";

    public void MapRoutes(RouteGroupBuilder group)
    {
        if (!options.Value.Enabled) return;
        group.MapPost("/notification", (Func<HttpContext, Task<IResult>>)HandleAsync).AllowAnonymous()
            .WithName("PraxisNotification")
            .WithSummary("Praxis cashier notifications (deposits, payouts, refunds, chargebacks, reversals)")
            .WithDescription($"Signed as Praxis documents: {Header} is the hex SHA-384 of the signature parameters' values (merchant_id, application_key, timestamp, " +
                "customer.customer_token, session.order_id, transaction.tid, currency, amount, conversion_rate, processed_currency, processed_amount; nulls skipped) " +
                "followed by Praxis:MerchantSecret. `session.cid` is the player id. Answered {status, description, version, timestamp}, signed: 0 recorded, " +
                "-1 resend (bad signature, store unavailable), 1 not applicable (kept on the dead-letter list).");
    }

    /// <summary>The hex SHA-384 of the values (nulls skipped) followed by the secret.</summary>
    public static string Sign(IEnumerable<string?> values, string secret)
    {
        var text = string.Concat(values.Where(v => v is not null)) + secret;
        return Convert.ToHexStringLower(SHA384.HashData(Encoding.UTF8.GetBytes(text)));
    }

    /// <summary>The notification's signature parameters, in their documented order (numbers as sent).</summary>
    public static IEnumerable<string?> SignedValues(JsonElement body) =>
        SignedFields.Select(path => path.Length == 1 ? Text(body, path[0]) : Text(Child(body, path[0]), path[1]));

    internal async Task<IResult> HandleAsync(HttpContext http)
    {
        var secret = options.Value.MerchantSecret!;
        var body = await RequestBody.ReadAsync(http.Request, options.Value.MaxBodyBytes, http.RequestAborted);
        if (body is null) return Answer(http, secret, 1, $"the body is larger than {options.Value.MaxBodyBytes:N0} bytes");
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(body.Value);
        }
        catch (JsonException)
        {
            authMetrics.Rejected("bad_signature");
            await feeds.SignatureFailedAsync(PraxisMapper.Source);
            return Answer(http, secret, -1, "the body is not JSON, so its signature cannot be checked");
        }
        using (doc)
        {
            string expected;
            try
            {
                expected = Sign(SignedValues(doc.RootElement), secret);
            }
            catch (InvalidOperationException)
            {
                authMetrics.Rejected("bad_signature");
                await feeds.SignatureFailedAsync(PraxisMapper.Source);
                return Answer(http, secret, -1, "the body holds text that is not valid UTF-8, so its signature cannot be checked");
            }
            var given = http.Request.Headers[Header].ToString().Trim().ToLowerInvariant();
            if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(given)))
            {
                authMetrics.Rejected("bad_signature");
                await feeds.SignatureFailedAsync(PraxisMapper.Source);
                return Answer(http, secret, -1, $"{Header} is missing or does not match this notification signed with Praxis:MerchantSecret");
            }
            var mapping = VendorWebhooks.Map(() => PraxisMapper.Map(doc.RootElement));
            var (outcome, reason) = await webhooks.RecordAsync(Feed, "notification", mapping, body.Value);
            return outcome switch
            {
                WebhookOutcome.Unavailable => Answer(http, secret, -1, reason!),
                WebhookOutcome.DeadLettered => Answer(http, secret, 1, reason!),
                _ => Answer(http, secret, 0, "Ok"),
            };
        }
    }

    private Ok<PraxisAnswer> Answer(HttpContext http, string secret, int status, string description)
    {
        var timestamp = clock.GetUtcNow().ToUnixTimeSeconds();
        http.Response.Headers[Header] = Sign([Invariant(status), Invariant(timestamp)], secret);
        return TypedResults.Ok(new PraxisAnswer(status, description, "1.3", timestamp));
    }
}
