using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Simulator.Live;

/// <summary>
/// The simulated casino's KYC vendor: Sumsub applicant webhooks (docs.sumsub.com "User verification webhooks"), signed as
/// Sumsub signs them (<c>X-Payload-Digest</c>: the hex HMAC-SHA256 of the raw body with the webhook's secret key,
/// <c>X-Payload-Digest-Alg: HMAC_SHA256_HEX</c>). The secret is made once in the data folder (like the Hub88 keys);
/// run.sh gives Ingestion the same one (<c>Sumsub__SecretKey</c>).
/// </summary>
public static class SumsubWebhooks
{
    public const string SecretFile = "sumsub.secret";
    public const string Path = "/compat/sumsub";
    public const string DigestHeader = "X-Payload-Digest";
    public const string AlgorithmHeader = "X-Payload-Digest-Alg";
    public const string Algorithm = "HMAC_SHA256_HEX";
    public const string Level = "basic-kyc-level";

    /// <summary>Loads the webhook's secret key from <paramref name="dataDir"/>, making it there first if it is missing.</summary>
    public static string LoadOrCreateSecret(string dataDir) => DataFolderSecret.LoadOrCreate(dataDir, SecretFile);

    public static string Sign(string secret, ReadOnlySpan<byte> body) => Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    /// <summary>The applicant Sumsub keeps for one of our players (its id is Sumsub's; ours is <c>externalUserId</c>).</summary>
    public static string ApplicantId(string playerId) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(playerId)))[..24];

    /// <summary>An <c>applicantPending</c> webhook: the player submitted their documents.</summary>
    public static Outgoing Pending(string playerId, string correlationId, DateTimeOffset at) =>
        Render(new SumsubWebhook(ApplicantId(playerId), correlationId, playerId, Level, "applicantPending", "pending", CreatedAt(at), null, false, "casino-sim"));

    /// <summary>An <c>applicantReviewed</c> webhook: GREEN, or RED with its labels and FINAL or RETRY.</summary>
    public static Outgoing Reviewed(string playerId, string correlationId, DateTimeOffset at, bool green, IReadOnlyList<string>? rejectLabels = null, bool final = false) =>
        Render(new SumsubWebhook(ApplicantId(playerId), correlationId, playerId, Level, "applicantReviewed", "completed", CreatedAt(at),
            green ? new SumsubReview("GREEN", null, null) : new SumsubReview("RED", rejectLabels ?? [], final ? "FINAL" : "RETRY"), false, "casino-sim"));

    private static Outgoing Render(SumsubWebhook webhook) =>
        new(Feed.Sumsub, Path, JsonSerializer.SerializeToUtf8Bytes(webhook, SumsubJson.Default.SumsubWebhook));

    /// <summary>Sumsub's <c>createdAtMs</c>: "yyyy-MM-dd HH:mm:ss.fff" in UTC.</summary>
    private static string CreatedAt(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture);
}

public sealed record SumsubReview(string ReviewAnswer, IReadOnlyList<string>? RejectLabels, string? ReviewRejectType);

public sealed record SumsubWebhook(string ApplicantId, string CorrelationId, string ExternalUserId, string LevelName, string Type, string ReviewStatus,
    string CreatedAtMs, SumsubReview? ReviewResult, bool SandboxMode, string ClientId);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SumsubWebhook))]
public sealed partial class SumsubJson : JsonSerializerContext;
