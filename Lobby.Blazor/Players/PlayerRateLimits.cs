using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Shared.Store;
using StackExchange.Redis;

namespace Lobby.Players;

/// <summary>
/// Section <c>RateLimits</c>: how often one address or player may sign in with a token (<c>/enter</c>) and open hub
/// connections, counted in the store across every lobby instance. A refusal is <c>429</c> with <c>Retry-After</c>.
/// </summary>
public sealed class PlayerRateLimitOptions
{
    public const string Section = "RateLimits";

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")] public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Token sign-ins (<c>/enter</c>) from one address per window.</summary>
    [Range(1, 1_000_000)] public int EnterPerAddress { get; set; } = 30;

    /// <summary>Hub connections opened from one address per window (many players may share an address behind a NAT).</summary>
    [Range(1, 1_000_000)] public int HubConnectsPerAddress { get; set; } = 300;

    /// <summary>Hub connections opened by one player per window: a few tabs and reconnects, not a loop.</summary>
    [Range(1, 1_000_000)] public int HubConnectsPerPlayer { get; set; } = 30;
}

/// <summary>The limits of <see cref="PlayerRateLimitOptions"/>, in front of the player's doors.</summary>
public static class PlayerRateLimits
{
    public static IHostApplicationBuilder AddPlayerRateLimits(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<PlayerRateLimitOptions>().BindConfiguration(PlayerRateLimitOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<StoreRateLimiter>();
        return builder;
    }

    /// <summary>After authentication: the hub's negotiation names its player through the token.</summary>
    public static WebApplication UsePlayerRateLimits(this WebApplication app)
    {
        var limiter = app.Services.GetRequiredService<StoreRateLimiter>();
        var options = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<PlayerRateLimitOptions>>().Value;
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(PlayerRateLimits));
        app.Use(async (http, next) =>
        {
            var path = http.Request.Path;
            var address = http.Connection.RemoteIpAddress?.ToString() ?? "unknown";
            TimeSpan? refusedFor = null;
            try
            {
                if (path.Equals("/enter", StringComparison.OrdinalIgnoreCase))
                {
                    refusedFor = await limiter.HitAsync("enter", address, options.EnterPerAddress, options.Window);
                }
                else if (IsNewHubConnection(http))
                {
                    refusedFor = await limiter.HitAsync("hub-address", address, options.HubConnectsPerAddress, options.Window);
                    var player = (await http.AuthenticateAsync(JwtBearerDefaults.AuthenticationScheme)).Principal?.FindFirst(PlayerTokens.SubjectClaim)?.Value;
                    if (refusedFor is null && player is not null)
                    {
                        refusedFor = await limiter.HitAsync("hub-player", player, options.HubConnectsPerPlayer, options.Window);
                    }
                }
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                // The store is down: the doors stay open (sign-in and the hub need it anyway, and say so themselves).
                logger.LogWarning(e, "Rate limits not counted: the store did not answer");
            }
            if (refusedFor is { } wait)
            {
                http.Response.Headers.RetryAfter = Math.Ceiling(wait.TotalSeconds).ToString(CultureInfo.InvariantCulture);
                await Results.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many requests",
                    detail: $"Too many sign-ins or connections from here; try again in {Math.Ceiling(wait.TotalSeconds):0} s.").ExecuteAsync(http);
                return;
            }
            await next(http);
        });
        return app;
    }

    /// <summary>A negotiation, or a WebSocket opened without one (<c>skipNegotiation</c>): each is a new connection.</summary>
    private static bool IsNewHubConnection(HttpContext http)
    {
        var path = http.Request.Path;
        if (path.Equals(Live.LiveLobby.HubPath + "/negotiate", StringComparison.OrdinalIgnoreCase)) return true;
        return path.Equals(Live.LiveLobby.HubPath, StringComparison.OrdinalIgnoreCase) && !http.Request.Query.ContainsKey("id");
    }
}
