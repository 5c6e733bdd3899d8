using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Simulator.Demo;

/// <summary>
/// The demo's CRM: receives Intelligence's webhooks at <see cref="Path"/>, checks each delivery's <c>X-Signature</c>
/// (<c>sha256=</c> and the hex HMAC-SHA256 of the raw body with the shared secret) as a real receiver must, and counts
/// them by type; <c>GET</c> on the same path shows the counts and the last few deliveries.
/// </summary>
public sealed class ExampleCrm(string secret)
{
    public const string Path = "/example-crm/webhooks";
    public const string SecretFile = "example-crm.secret";
    public const string SignatureHeader = "X-Signature";
    private const int Kept = 10;

    private readonly ConcurrentDictionary<string, long> _byType = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<JsonElement> _last = new();
    private long _refused;

    public string Secret { get; } = secret;

    public long Received => _byType.Values.Sum();

    public IReadOnlyDictionary<string, long> ByType => _byType;

    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>The secret shared with Intelligence's webhook, made once in the data folder (like the Hub88 keys).</summary>
    public static string LoadOrCreateSecret(string dataDir) => DataFolderSecret.LoadOrCreate(dataDir, SecretFile);

    public void Map(IEndpointRouteBuilder app)
    {
        app.MapPost(Path, async (HttpContext http) =>
        {
            using var buffer = new MemoryStream();
            await http.Request.Body.CopyToAsync(buffer, http.RequestAborted);
            var body = buffer.ToArray();
            if (!Verify(body, http.Request.Headers[SignatureHeader].ToString()))
            {
                Interlocked.Increment(ref _refused);
                return Results.Unauthorized();
            }
            using var delivery = JsonDocument.Parse(body);
            var type = delivery.RootElement.TryGetProperty("type", out var t) ? t.GetString() ?? "?" : "?";
            _byType.AddOrUpdate(type, 1, (_, n) => n + 1);
            _last.Enqueue(delivery.RootElement.Clone());
            while (_last.Count > Kept && _last.TryDequeue(out _))
            {
            }
            return Results.NoContent();
        });
        app.MapGet(Path, () => Results.Json(new ExampleCrmView(Received, new Dictionary<string, long>(_byType), Refused, [.. _last]),
            SimulatorJsonContext.Default.ExampleCrmView));
    }

    public bool Verify(ReadOnlySpan<byte> body, string? header)
    {
        var expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), body));
        return header is not null && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(header));
    }
}

/// <summary>What the demo's CRM has received: deliveries by type, refused (badly signed) ones, the latest few.</summary>
public sealed record ExampleCrmView(long Received, IReadOnlyDictionary<string, long> ByType, long Refused, IReadOnlyList<JsonElement> Latest);
