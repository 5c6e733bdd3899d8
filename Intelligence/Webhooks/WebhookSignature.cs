using System.Security.Cryptography;
using System.Text;

namespace Intelligence.Webhooks;

/// <summary>The <c>X-Signature</c> header of a delivery: <c>sha256=</c> and the lower-case hex HMAC-SHA256 of the raw body, keyed with the webhook's secret.</summary>
public static class WebhookSignature
{
    public const string Header = "X-Signature";
    public const string Prefix = "sha256=";

    public static string Sign(ReadOnlySpan<byte> body, string secret) =>
        Prefix + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    /// <summary>What a receiver does: recompute and compare in constant time.</summary>
    public static bool Verify(ReadOnlySpan<byte> body, string secret, string? header) =>
        header is not null && CryptographicOperations.FixedTimeEquals(
            Encoding.ASCII.GetBytes(Sign(body, secret)), Encoding.ASCII.GetBytes(header));
}
