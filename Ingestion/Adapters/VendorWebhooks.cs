using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Ingestion.DeadLetters;
using Ingestion.Events;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Ingestion.Adapters;

/// <summary>What a vendor message became: canonical events to apply, nothing (a message we do not use), or an error naming the vendor's field.</summary>
public sealed record VendorMapping(IReadOnlyList<JsonElement> Events, string? Error = null)
{
    public static readonly VendorMapping Ignored = new([]);

    /// <summary>The mapping needed the store, which did not answer: the vendor should send the message again.</summary>
    public static readonly VendorMapping Unavailable = new([], "the store did not answer");

    public static VendorMapping Of(params JsonElement[] events) => new(events);

    public static VendorMapping Fail(string error) => new([], error);
}

/// <summary>What every webhook adapter's section holds besides its secrets.</summary>
public abstract class VendorWebhookOptions
{
    /// <summary>Maps the vendor's endpoint; off by default, as it means nothing without the vendor's secret.</summary>
    public bool Enabled { get; set; }

    /// <summary>Largest body accepted; vendors' notifications are a few kilobytes.</summary>
    public int MaxBodyBytes { get; set; } = 256 * 1024;

    /// <summary>The validation every such section gets: the secret it names is set when enabled, and a sane body limit.</summary>
    public ValidateOptionsResult Validate(string section, string secretName, string? secret, string what) =>
        Enabled && string.IsNullOrEmpty(secret)
            ? ValidateOptionsResult.Fail($"{section}:{secretName} is required when {section}:Enabled is true ({what})")
            : MaxBodyBytes is < 1024 or > 16 * 1024 * 1024
                ? ValidateOptionsResult.Fail($"{section}:MaxBodyBytes must be from 1024 to 16777216")
                : ValidateOptionsResult.Success;
}

/// <summary>Our answer to a webhook whose vendor reads only the HTTP status: <c>recorded</c>, <c>ignored</c> or <c>deadlettered</c> (with the reason).</summary>
public sealed record VendorAnswer(string Status, string? Reason);

public enum WebhookOutcome
{
    /// <summary>Applied, or already applied before (a resend): the vendor may stop sending it.</summary>
    Recorded,
    /// <summary>A kind of message we do not use, answered as received.</summary>
    Ignored,
    /// <summary>Signed by the vendor but not applicable (the reason says why): kept on the dead-letter list to fix and replay.</summary>
    DeadLettered,
    /// <summary>The store did not answer: the vendor should send it again.</summary>
    Unavailable,
}

/// <summary>
/// The part every webhook adapter shares once the vendor's signature is checked: apply the mapped events, or keep what
/// cannot be applied on the dead-letter list, and tell the adapter how to answer the vendor.
/// </summary>
public sealed partial class VendorWebhooks(EventIngestor ingestor, DeadLetterStore deadLetters, ILogger<VendorWebhooks> logger)
{
    public async Task<(WebhookOutcome Outcome, string? Reason)> RecordAsync(string feed, string what, VendorMapping mapping, ReadOnlyMemory<byte> body)
    {
        try
        {
            if (mapping.Error is { } error)
            {
                LogNotRecorded(logger, feed, what, error);
                await deadLetters.AddAsync(feed, $"{error} ({what})", Encoding.UTF8.GetString(body.Span));
                return (WebhookOutcome.DeadLettered, error);
            }
            if (mapping.Events.Count == 0) return (WebhookOutcome.Ignored, null);
            // Rejected canonical events are dead-lettered by the ingestor, replayable once, say, a rate is configured.
            var result = await ingestor.IngestFromFeedAsync(feed, mapping.Events);
            if (result.Rejected.Count == 0) return (WebhookOutcome.Recorded, null);
            LogNotRecorded(logger, feed, what, result.Rejected[0].Error);
            return (WebhookOutcome.DeadLettered, result.Rejected[0].Error);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            LogUnavailable(logger, feed, what, e.Message);
            return (WebhookOutcome.Unavailable, "the store did not answer; send it again");
        }
    }

    /// <summary>
    /// Maps a vendor's signed JSON body and answers as vendors that read only the HTTP status expect: 200 once handled
    /// (recorded, ignored, or dead-lettered since a resend would not help), 503 when the store did not answer (resent).
    /// </summary>
    public async Task<IResult> RecordJsonAsync(string feed, ReadOnlyMemory<byte> body, Func<JsonElement, VendorMapping> map)
    {
        var mapping = Map(() =>
        {
            using var doc = JsonDocument.Parse(body);
            return map(doc.RootElement);
        });
        var (outcome, reason) = await RecordAsync(feed, "webhook", mapping, body);
        return outcome == WebhookOutcome.Unavailable
            ? TypedResults.Problem(statusCode: 503, title: "Store unavailable", detail: reason)
            : TypedResults.Ok(new VendorAnswer(outcome.ToString().ToLowerInvariant(), reason));
    }

    /// <summary>A vendor's message mapped, or a failure saying why its body cannot be read (not JSON, or not valid text).</summary>
    public static VendorMapping Map(Func<VendorMapping> map)
    {
        try
        {
            return map();
        }
        catch (JsonException e)
        {
            return VendorMapping.Fail($"the body is not JSON: {e.Message}");
        }
        catch (InvalidOperationException e)
        {
            // A string holding bytes that are not UTF-8, or an escape that is no character (a lone surrogate).
            return VendorMapping.Fail($"the body is not valid JSON text: {e.Message}");
        }
    }

    /// <summary>A hex HMAC of the raw body compared in constant time (Sumsub's X-Payload-Digest, Onfido's X-SHA2-Signature).</summary>
    public static bool HexHmacMatches(HashAlgorithmName algorithm, string secret, ReadOnlySpan<byte> body, string? hex)
    {
        if (string.IsNullOrWhiteSpace(hex) || string.IsNullOrEmpty(secret)) return false;
        var key = Encoding.UTF8.GetBytes(secret);
        byte[] expected = algorithm.Name switch
        {
            // Sumsub still offers HMAC_SHA1_HEX; a webhook configured with it must be checkable.
#pragma warning disable CA5350
            "SHA1" => HMACSHA1.HashData(key, body),
#pragma warning restore CA5350
            "SHA256" => HMACSHA256.HashData(key, body),
            "SHA512" => HMACSHA512.HashData(key, body),
            _ => throw new ArgumentOutOfRangeException(nameof(algorithm)),
        };
        var given = new byte[expected.Length];
        var text = hex.Trim();
        return text.Length == expected.Length * 2
            && Convert.FromHexString(text, given, out _, out var written) == System.Buffers.OperationStatus.Done
            && written == expected.Length && CryptographicOperations.FixedTimeEquals(expected, given);
    }

    /// <summary>A string property of a vendor object (null when absent or null); a number is read as its JSON text.</summary>
    public static string? Text(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v)
            ? v.ValueKind switch
            {
                JsonValueKind.String => v.GetString(),
                JsonValueKind.Number => v.GetRawText(),
                _ => null,
            }
            : null;

    public static JsonElement Child(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Object ? v : default;

    /// <summary>The strings of an array property (absent or null: none).</summary>
    public static List<string> Strings(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Array
            ? [.. v.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!).Where(x => x.Length > 0)]
            : [];

    public static string Invariant(long n) => n.ToString(CultureInfo.InvariantCulture);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Feed} {What} not recorded: {Reason}")]
    private static partial void LogNotRecorded(ILogger logger, string feed, string what, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Feed} {What}: the store did not answer ({Error}); the vendor will resend")]
    private static partial void LogUnavailable(ILogger logger, string feed, string what, string error);
}
