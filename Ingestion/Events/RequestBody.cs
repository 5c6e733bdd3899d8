using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using Shared.ServiceDefaults.ApiKeys;

namespace Ingestion.Events;

public static class RequestBody
{
    /// <summary>The whole body, or null if it is larger than <paramref name="limit"/>.</summary>
    public static async Task<ReadOnlyMemory<byte>?> ReadAsync(HttpRequest request, long limit, CancellationToken ct)
    {
        if (request.ContentLength > limit) return null;
        var buffer = new ArrayBufferWriter<byte>((int)Math.Min(request.ContentLength ?? 16 * 1024, limit) + 1);
        while (true)
        {
            var memory = buffer.GetMemory(64 * 1024);
            var read = await request.Body.ReadAsync(memory, ct);
            if (read == 0) break;
            buffer.Advance(read);
            if (buffer.WrittenCount > limit) return null;
        }
        return buffer.WrittenMemory;
    }

    /// <summary>True when the source has no signing secret, or the body's HMAC matches <c>X-Signature</c>.</summary>
    public static bool SignatureIsValid(HttpContext http, ReadOnlySpan<byte> body)
    {
        if (http.Items[typeof(ApiKeyPrincipal)] is not ApiKeyPrincipal { SigningSecret: { Length: > 0 } secret }) return true;
        var header = http.Request.Headers[EventsApi.SignatureHeader].ToString();
        const string prefix = "sha256=";
        if (!header.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)) return false;
        Span<byte> expected = stackalloc byte[32];
        HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body, expected);
        Span<byte> given = stackalloc byte[32];
        var hex = header.AsSpan(prefix.Length).Trim();
        return hex.Length == 64 && Convert.FromHexString(hex, given, out _, out var written) == System.Buffers.OperationStatus.Done
            && written == 32 && CryptographicOperations.FixedTimeEquals(expected, given);
    }
}
