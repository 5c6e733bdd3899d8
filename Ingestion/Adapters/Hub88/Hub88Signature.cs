using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace Ingestion.Adapters.Hub88;

/// <summary>Section <c>Hub88</c>: the seamless-wallet tap and Hub88's public key.</summary>
public sealed class Hub88Options
{
    public const string Section = "Hub88";

    /// <summary>Maps <c>/compat/hub88/transaction/*</c>. Off by default: the endpoints mean nothing without Hub88's key.</summary>
    public bool Enabled { get; set; }

    /// <summary>Hub88's RSA public key, PEM (<c>-----BEGIN PUBLIC KEY-----</c> or <c>BEGIN RSA PUBLIC KEY</c>).</summary>
    public string? PublicKeyPem { get; set; }

    /// <summary>Or a file holding that PEM, e.g. a mounted secret.</summary>
    public string? PublicKeyPath { get; set; }

    /// <summary>Largest body accepted; Hub88's wallet calls are a few hundred bytes.</summary>
    public int MaxBodyBytes { get; set; } = 64 * 1024;
}

public sealed class Hub88OptionsValidator : IValidateOptions<Hub88Options>
{
    public ValidateOptionsResult Validate(string? name, Hub88Options options)
    {
        if (options.MaxBodyBytes is < 1024 or > 16 * 1024 * 1024)
        {
            return ValidateOptionsResult.Fail("Hub88:MaxBodyBytes must be from 1024 to 16777216");
        }
        if (!options.Enabled) return ValidateOptionsResult.Success;
        try
        {
            Hub88Signature.LoadPublicKey(options);
            return ValidateOptionsResult.Success;
        }
        catch (Exception e) when (e is InvalidOperationException or CryptographicException or ArgumentException or IOException or UnauthorizedAccessException)
        {
            return ValidateOptionsResult.Fail(e.Message);
        }
    }
}

/// <summary>
/// Hub88's request signature: <c>X-Hub88-Signature</c> is the base64 of an RSA-SHA256 (PKCS#1 v1.5) signature of the
/// raw request body, made with Hub88's private key and checked with its public key (Hub88 "Request signing";
/// coingaming/Hub88-Examples signs with <c>openssl dgst -sha256 -sign</c>, which is PKCS#1 v1.5).
/// </summary>
public sealed class Hub88Signature(IOptions<Hub88Options> options)
{
    public const string Header = "X-Hub88-Signature";

    // The key as SubjectPublicKeyInfo bytes; an RSA object per check, since RSA instances are not documented thread-safe.
    private readonly Lazy<byte[]> _publicKey = new(() => LoadPublicKey(options.Value));

    public bool IsValid(ReadOnlySpan<byte> body, string? header)
    {
        if (string.IsNullOrWhiteSpace(header)) return false;
        Span<byte> signature = stackalloc byte[1024];
        if (!Convert.TryFromBase64String(header.Trim(), signature, out var written)) return false;
        using var rsa = RSA.Create();
        rsa.ImportSubjectPublicKeyInfo(_publicKey.Value, out _);
        try
        {
            return rsa.VerifyData(body, signature[..written], HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    /// <summary>The configured key as SubjectPublicKeyInfo; throws with the configuration key to fix.</summary>
    public static byte[] LoadPublicKey(Hub88Options options)
    {
        var hasPem = !string.IsNullOrWhiteSpace(options.PublicKeyPem);
        var hasPath = !string.IsNullOrWhiteSpace(options.PublicKeyPath);
        if (hasPem == hasPath)
        {
            throw new InvalidOperationException(hasPem
                ? "Hub88: set either PublicKeyPem or PublicKeyPath, not both"
                : "Hub88:PublicKeyPem (or Hub88:PublicKeyPath) is required when Hub88:Enabled is true: Hub88's RSA public key, PEM");
        }
        var pem = hasPem ? options.PublicKeyPem! : File.ReadAllText(options.PublicKeyPath!);
        using var rsa = RSA.Create();
        try
        {
            rsa.ImportFromPem(pem);
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            throw new InvalidOperationException(
                $"Hub88:{(hasPem ? "PublicKeyPem" : "PublicKeyPath")} does not hold an RSA public key in PEM: {e.Message}", e);
        }
        if (rsa.KeySize < 2048) throw new InvalidOperationException($"Hub88's public key has {rsa.KeySize} bits; expected at least 2048");
        return rsa.ExportSubjectPublicKeyInfo();
    }
}
