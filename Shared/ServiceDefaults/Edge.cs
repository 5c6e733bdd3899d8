using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Shared.ServiceDefaults;

/// <summary>
/// What a service shows to whoever can reach it, and whom it believes about a client's address:
/// <list type="bullet">
/// <item><c>/metrics</c> outside Development and Testing answers only <c>Authorization: Bearer &lt;Metrics:Token&gt;</c>
/// (Prometheus' <c>authorization</c> setting), unless <c>Metrics:Anonymous</c> is true (a scrape network nobody else reaches).</item>
/// <item><c>/openapi</c> and <c>/scalar</c> in Production only when <c>OpenApi:Public</c> is true: the API's map is not for everyone.</item>
/// <item><c>X-Forwarded-For</c>/<c>-Proto</c> believed only from the proxies in <c>ForwardedHeaders:KnownProxies</c> (addresses) and
/// <c>ForwardedHeaders:KnownNetworks</c> (CIDR); without them nobody is believed, so a client cannot pick its own address.</item>
/// </list>
/// </summary>
public sealed class EdgeOptions
{
    public string? MetricsToken { get; set; }
    /// <summary>The token's SHA-256 in hex, instead of the token itself.</summary>
    public string? MetricsTokenSha256 { get; set; }
    public bool MetricsAnonymous { get; set; }
    public bool OpenApiPublic { get; set; }
    public IReadOnlyList<IPAddress> KnownProxies { get; set; } = [];
    public IReadOnlyList<System.Net.IPNetwork> KnownNetworks { get; set; } = [];

    public static EdgeOptions From(IConfiguration configuration, IHostEnvironment environment)
    {
        var open = environment.IsDevelopment() || environment.IsEnvironment("Testing");
        var options = new EdgeOptions
        {
            MetricsToken = configuration["Metrics:Token"],
            MetricsTokenSha256 = configuration["Metrics:TokenSha256"],
            MetricsAnonymous = configuration.GetValue<bool?>("Metrics:Anonymous") ?? open,
            OpenApiPublic = configuration.GetValue<bool?>("OpenApi:Public") ?? !environment.IsProduction(),
            KnownProxies = [.. Words(configuration["ForwardedHeaders:KnownProxies"]).Select((p, i) =>
                IPAddress.TryParse(p, out var a) ? a : throw Invalid($"ForwardedHeaders:KnownProxies: '{p}' is not an IP address"))],
            KnownNetworks = [.. Words(configuration["ForwardedHeaders:KnownNetworks"]).Select(n =>
                System.Net.IPNetwork.TryParse(n, out var net) ? net : throw Invalid($"ForwardedHeaders:KnownNetworks: '{n}' is not a network in CIDR form (e.g. 10.0.0.0/8)"))],
        };
        if (options.MetricsTokenSha256 is { } hash && (hash.Length != 64 || !hash.All(Uri.IsHexDigit)))
        {
            throw Invalid("Metrics:TokenSha256 must be 64 hex characters (the SHA-256 of the token)");
        }
        return options;
    }

    /// <summary>True when <paramref name="authorization"/> is <c>Bearer</c> and the configured token.</summary>
    public bool MetricsTokenMatches(string authorization)
    {
        var expected = MetricsTokenSha256 ?? (MetricsToken is { Length: > 0 } t ? Sha256Hex(t) : null);
        const string bearer = "Bearer ";
        if (expected is null || !authorization.StartsWith(bearer, StringComparison.OrdinalIgnoreCase)) return false;
        var given = Sha256Hex(authorization[bearer.Length..].Trim());
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(given), Encoding.ASCII.GetBytes(expected.ToLowerInvariant()));
    }

    private static string Sha256Hex(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));

    private static string[] Words(string? value) =>
        (value ?? "").Split([' ', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static OptionsValidationException Invalid(string message) => new("Edge", typeof(EdgeOptions), [message]);
}

public static class EdgeExtensions
{
    internal static void AddEdge(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton(sp => EdgeOptions.From(sp.GetRequiredService<IConfiguration>(), sp.GetRequiredService<IHostEnvironment>()));
        builder.Services.AddOptions<ForwardedHeadersOptions>().Configure<EdgeOptions>((o, edge) =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            // The framework trusts loopback by default; here only what the operator names.
            o.KnownProxies.Clear();
            o.KnownIPNetworks.Clear();
            foreach (var p in edge.KnownProxies) o.KnownProxies.Add(p);
            foreach (var n in edge.KnownNetworks) o.KnownIPNetworks.Add(n);
        });
    }

    internal static void UseEdge(this WebApplication app)
    {
        var edge = app.Services.GetRequiredService<EdgeOptions>();
        if (edge.KnownProxies.Count + edge.KnownNetworks.Count > 0) app.UseForwardedHeaders();
        app.Use(async (http, next) =>
        {
            var path = http.Request.Path;
            if (path.StartsWithSegments("/metrics") && !edge.MetricsAnonymous && !edge.MetricsTokenMatches(http.Request.Headers.Authorization.ToString()))
            {
                http.Response.Headers.WWWAuthenticate = "Bearer";
                await Results.Problem(statusCode: 401, title: "Unauthorized",
                    detail: edge.MetricsToken is null && edge.MetricsTokenSha256 is null
                        ? "Metrics are not public here: set Metrics:Token (or Metrics:TokenSha256) and scrape with Authorization: Bearer <token>, or Metrics:Anonymous=true on a closed network."
                        : "Send Authorization: Bearer <Metrics:Token>.").ExecuteAsync(http);
                return;
            }
            if (!edge.OpenApiPublic && (path.StartsWithSegments("/openapi") || path.StartsWithSegments("/scalar")))
            {
                http.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }
            await next(http);
        });
    }
}
