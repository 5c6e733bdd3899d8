using System.Diagnostics.Metrics;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Shared.ServiceDefaults.ApiKeys;

/// <summary>The keys a service accepts, hashed, with their scopes.</summary>
public sealed class ApiKeyRegistry
{
    /// <summary>The key a Development run accepts when none is configured; never outside Development.</summary>
    public const string DevelopmentKey = "dev-key";

    private readonly Dictionary<string, ApiKeyPrincipal> _byHash;

    public ApiKeyRegistry(IEnumerable<ApiKeyEntry> entries)
    {
        _byHash = new Dictionary<string, ApiKeyPrincipal>(StringComparer.OrdinalIgnoreCase);
        var index = 0;
        foreach (var e in entries)
        {
            var hash = e.KeySha256 ?? (e.Key is null ? null : Sha256Hex(e.Key));
            if (hash is null || hash.Length != 64 || !hash.All(Uri.IsHexDigit))
            {
                throw new OptionsValidationException("ApiKeys", typeof(ApiKeyEntry),
                    [$"ApiKeys:{index}: set Key or KeySha256 (64 hex characters) for '{e.Name}'"]);
            }
            var types = Words(e.EventTypes);
            if (types.FirstOrDefault(t => t.Contains('*') && (!t.EndsWith(".*", StringComparison.Ordinal) || t.IndexOf('*') != t.Length - 1)) is { } bad)
            {
                throw new OptionsValidationException("ApiKeys", typeof(ApiKeyEntry),
                    [$"ApiKeys:{index}:EventTypes: '{bad}' is neither an event type nor a prefix ending in .* (e.g. lobby.*)"]);
            }
            _byHash[hash] = new ApiKeyPrincipal(e.Name, Words(e.Scopes).ToHashSet(StringComparer.Ordinal), e.SigningSecret)
            {
                Sources = Words(e.Sources).ToHashSet(StringComparer.Ordinal),
                EventTypes = types,
            };
            index++;
        }
    }

    public int Count => _byHash.Count;

    private static string[] Words(string value) => value.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public ApiKeyPrincipal? Find(string presentedKey)
    {
        // Lookup by the hash of the presented key: the comparison never touches the secret itself.
        return _byHash.GetValueOrDefault(Sha256Hex(presentedKey));
    }

    public static string Sha256Hex(string value) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));

    public static ApiKeyRegistry FromConfiguration(IConfiguration configuration, IHostEnvironment environment)
    {
        var entries = configuration.GetSection("ApiKeys").Get<List<ApiKeyEntry>>() ?? [];
        if (entries.Count == 0 && environment.IsDevelopment())
        {
            entries.Add(new ApiKeyEntry { Name = "development", Key = DevelopmentKey, Scopes = string.Join(' ', Scopes.All) });
        }
        return new ApiKeyRegistry(entries);
    }
}

public sealed record ApiKeyPrincipal(string Name, IReadOnlySet<string> Scopes, string? SigningSecret)
{
    /// <summary>The event sources this key may send; empty: any.</summary>
    public IReadOnlySet<string> Sources { get; init; } = new HashSet<string>();
    /// <summary>The event types this key may send (exact, or a prefix ending in <c>.*</c>); empty: any.</summary>
    public IReadOnlyList<string> EventTypes { get; init; } = [];

    /// <summary>Why this key may not send an event of this source and type, naming the field; null when it may.</summary>
    public string? EventRefusal(string? source, string? type)
    {
        if (type is not null && ApiKeys.Scopes.ComplianceEventTypes.Contains(type) && !Scopes.Contains(ApiKeys.Scopes.EventsRg))
        {
            return $"field type: {type} events restrict or free a player and need a key with the {ApiKeys.Scopes.EventsRg} scope; the key '{Name}' lacks it";
        }
        if (Sources.Count > 0 && (source is null || !Sources.Contains(source)))
        {
            return $"field source: the key '{Name}' may send only the sources {string.Join(", ", Sources.Order(StringComparer.Ordinal))}, not '{source}'";
        }
        if (EventTypes.Count > 0 && (type is null || !EventTypes.Any(t => t.EndsWith(".*", StringComparison.Ordinal)
                ? type.StartsWith(t[..^1], StringComparison.Ordinal) : t == type)))
        {
            return $"field type: the key '{Name}' may send only {string.Join(", ", EventTypes)}, not '{type}'";
        }
        return null;
    }
}

public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiKeyRegistry registry,
    ApiKeyMetrics metrics)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-Api-Key";
    public const string ScopeClaim = "scope";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(HeaderName, out var values) || string.IsNullOrEmpty(values.ToString()))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }
        var principal = registry.Find(values.ToString());
        if (principal is null)
        {
            metrics.Rejected("unknown_key");
            return Task.FromResult(AuthenticateResult.Fail($"The {HeaderName} header does not match any configured key."));
        }
        var claims = new List<Claim> { new(ClaimTypes.Name, principal.Name) };
        claims.AddRange(principal.Scopes.Select(s => new Claim(ScopeClaim, s)));
        var identity = new ClaimsIdentity(claims, SchemeName);
        Context.Items[typeof(ApiKeyPrincipal)] = principal;
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var failed = Context.Features.Get<Microsoft.AspNetCore.Authentication.IAuthenticateResultFeature>()?.AuthenticateResult?.Failure;
        if (failed is null) metrics.Rejected("missing_key");
        Response.StatusCode = 401;
        Response.Headers.WWWAuthenticate = $"{SchemeName} header=\"{HeaderName}\"";
        await Results.Problem(
            title: "Unauthorized",
            detail: failed?.Message ?? $"Send a valid API key in the {HeaderName} header.",
            statusCode: 401).ExecuteAsync(Context);
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        metrics.Rejected("missing_scope");
        Response.StatusCode = 403;
        await Results.Problem(title: "Forbidden", detail: "This API key lacks the scope this endpoint needs.", statusCode: 403)
            .ExecuteAsync(Context);
    }
}

public sealed class ApiKeyMetrics
{
    public const string MeterName = "Casino.Auth";
    private readonly Counter<long> _rejected;

    public ApiKeyMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _rejected = meter.CreateCounter<long>("auth.rejected", description: "Requests refused for a missing, unknown or under-scoped key, or a bad signature");
    }

    public void Rejected(string reason) => _rejected.Add(1, new KeyValuePair<string, object?>("reason", reason));
}

public static class ApiKeyExtensions
{
    /// <summary>API-key authentication and one authorization policy per scope (policy name = scope).</summary>
    public static IHostApplicationBuilder AddApiKeyAuthentication(this IHostApplicationBuilder builder)
    {
        // Built from the final configuration (tests and hosts may add sources after this call) and
        // resolved at start-up, so a key without a secret stops the service before traffic arrives.
        builder.Services.AddSingleton(sp => ApiKeyRegistry.FromConfiguration(
            sp.GetRequiredService<IConfiguration>(), sp.GetRequiredService<IHostEnvironment>()));
        builder.Services.AddHostedService<ApiKeyStartupCheck>();
        builder.Services.AddSingleton<ApiKeyMetrics>();
        builder.Services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        var authz = builder.Services.AddAuthorizationBuilder();
        foreach (var scope in Scopes.All)
        {
            authz.AddPolicy(scope, p => p
                .AddAuthenticationSchemes(ApiKeyAuthenticationHandler.SchemeName)
                .RequireAuthenticatedUser()
                .RequireClaim(ApiKeyAuthenticationHandler.ScopeClaim, scope));
        }
        return builder;
    }
}

internal sealed class ApiKeyStartupCheck(ApiKeyRegistry registry, ILogger<ApiKeyStartupCheck> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (registry.Count == 0) logger.LogWarning("No API keys are configured: every authenticated endpoint will answer 401 (set ApiKeys__0__Name/Key/Scopes)");
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
