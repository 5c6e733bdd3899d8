using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Intelligence.Webhooks;

/// <summary>
/// A delivery's signatures, both keyed with the webhook's secret:
/// <list type="bullet">
/// <item><c>X-Signature: sha256=&lt;hex HMAC-SHA256 of the raw body&gt;</c> (the contract's);</item>
/// <item><c>X-Signature-Timestamped: t=&lt;unix seconds&gt;,sha256=&lt;hex HMAC-SHA256 of "t." and the raw body&gt;</c>, signed
/// at each attempt, so a receiver that refuses a <c>t</c> outside its window (<see cref="ReplayWindow"/>) cannot be fed a
/// recorded delivery again later.</item>
/// </list>
/// </summary>
public static class WebhookSignature
{
    public const string Header = "X-Signature";
    public const string Prefix = "sha256=";
    public const string TimestampedHeader = "X-Signature-Timestamped";

    /// <summary>The window we advise receivers to accept a timestamped signature in, either side of their clock.</summary>
    public static readonly TimeSpan ReplayWindow = TimeSpan.FromMinutes(5);

    public static string Sign(ReadOnlySpan<byte> body, string secret) =>
        Prefix + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    /// <summary>What a receiver does: recompute and compare in constant time.</summary>
    public static bool Verify(ReadOnlySpan<byte> body, string secret, string? header) =>
        header is not null && CryptographicOperations.FixedTimeEquals(
            Encoding.ASCII.GetBytes(Sign(body, secret)), Encoding.ASCII.GetBytes(header));

    public static string SignTimestamped(ReadOnlySpan<byte> body, string secret, DateTimeOffset at)
    {
        var t = at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        return $"t={t},{Prefix}{Convert.ToHexStringLower(TimestampedHmac(body, secret, t))}";
    }

    /// <summary>
    /// What a receiver does with <see cref="TimestampedHeader"/>: the signature matches the body and secret, and its time is
    /// within <paramref name="window"/> of <paramref name="now"/>.
    /// </summary>
    public static bool VerifyTimestamped(ReadOnlySpan<byte> body, string secret, string? header, DateTimeOffset now, TimeSpan window)
    {
        if (header is null) return false;
        var parts = header.Split(',', 2, StringSplitOptions.TrimEntries);
        if (parts.Length != 2 || !parts[0].StartsWith("t=", StringComparison.Ordinal) || !parts[1].StartsWith(Prefix, StringComparison.Ordinal)) return false;
        var t = parts[0][2..];
        if (!long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)) return false;
        var at = DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(seconds, 0, 253_402_300_799));
        if ((now - at).Duration() > window) return false;
        var given = parts[1][Prefix.Length..];
        var expected = Convert.ToHexStringLower(TimestampedHmac(body, secret, t));
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(given));
    }

    private static byte[] TimestampedHmac(ReadOnlySpan<byte> body, string secret, string t)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(secret));
        hmac.AppendData(Encoding.ASCII.GetBytes(t + "."));
        hmac.AppendData(body);
        return hmac.GetHashAndReset();
    }
}
