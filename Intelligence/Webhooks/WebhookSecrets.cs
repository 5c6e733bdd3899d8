using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Intelligence.Webhooks;

/// <summary>
/// Webhook secrets as the store keeps them: AES-256-GCM under <c>Webhooks:SecretsKey</c> (32 bytes, base64), so a copy of the
/// store (a backup, a replica, someone with read access) does not hold the keys that sign deliveries to the CRM. Stored as
/// <c>enc:v1:&lt;base64 nonce|ciphertext|tag&gt;</c>; a secret stored in plain text by an earlier version still opens (and
/// is sealed when its webhook is next written). Production refuses to start without the key; other environments use a
/// fixed, public development key, so their stores are no secret.
/// </summary>
public sealed class WebhookSecrets
{
    public const string Setting = "Webhooks:SecretsKey";
    private const string Marker = "enc:v1:";
    private const int NonceBytes = 12;
    private const int TagBytes = 16;

    /// <summary>The key outside Production when none is configured: public, so it protects nothing but the code path.</summary>
    internal static readonly byte[] DevelopmentKey = SHA256.HashData("casino-intelligence development webhook secrets key"u8);

    private readonly byte[] _key;

    public WebhookSecrets(byte[] key)
    {
        if (key.Length != 32) throw new ArgumentException($"{Setting} must be 32 bytes (it has {key.Length})", nameof(key));
        _key = key;
    }

    public static WebhookSecrets FromConfiguration(string? base64, bool production)
    {
        if (string.IsNullOrWhiteSpace(base64))
        {
            return production
                ? throw new OptionsValidationException(Setting, typeof(WebhookSecrets),
                    [$"{Setting} is required in Production: 32 random bytes in base64 (e.g. `openssl rand -base64 32`), used to encrypt webhook secrets in the store."])
                : new WebhookSecrets(DevelopmentKey);
        }
        byte[] key;
        try
        {
            key = Convert.FromBase64String(base64);
        }
        catch (FormatException)
        {
            throw new OptionsValidationException(Setting, typeof(WebhookSecrets), [$"{Setting} is not base64."]);
        }
        return key.Length == 32 ? new WebhookSecrets(key)
            : throw new OptionsValidationException(Setting, typeof(WebhookSecrets), [$"{Setting} must decode to 32 bytes (it decodes to {key.Length})."]);
    }

    public string Seal(string secret)
    {
        var plain = Encoding.UTF8.GetBytes(secret);
        var sealedBytes = new byte[NonceBytes + plain.Length + TagBytes];
        var nonce = sealedBytes.AsSpan(0, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagBytes);
        aes.Encrypt(nonce, plain, sealedBytes.AsSpan(NonceBytes, plain.Length), sealedBytes.AsSpan(NonceBytes + plain.Length), Associated);
        return Marker + Convert.ToBase64String(sealedBytes);
    }

    /// <exception cref="CryptographicException">Sealed under another key, or altered.</exception>
    public string Open(string stored)
    {
        if (!stored.StartsWith(Marker, StringComparison.Ordinal)) return stored;
        var sealedBytes = Convert.FromBase64String(stored[Marker.Length..]);
        var length = sealedBytes.Length - NonceBytes - TagBytes;
        if (length < 0) throw new CryptographicException("a sealed webhook secret is too short");
        var plain = new byte[length];
        using var aes = new AesGcm(_key, TagBytes);
        aes.Decrypt(sealedBytes.AsSpan(0, NonceBytes), sealedBytes.AsSpan(NonceBytes, length), sealedBytes.AsSpan(NonceBytes + length), plain, Associated);
        return Encoding.UTF8.GetString(plain);
    }

    public static bool IsSealed(string stored) => stored.StartsWith(Marker, StringComparison.Ordinal);

    private static ReadOnlySpan<byte> Associated => "webhook-secret"u8;
}
