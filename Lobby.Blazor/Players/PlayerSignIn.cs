using Shared.Contracts;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Shared.Store;
using StackExchange.Redis;

namespace Lobby.Players;

/// <summary>
/// How players get in: the operator's site sends them to <c>/enter?token=…</c> with a signed player token, which
/// becomes a cookie for the pages; API clients of the hub present the same token as a bearer (SignalR's <c>access_token</c>).
/// </summary>
public static class PlayerSignIn
{
    public const string HubPolicy = "player-hub";
    /// <summary>A signed-in player, whichever way (cookie or token): not a console user on their own.</summary>
    public const string PlayerPolicy = "player";
    public const string CookieName = "casino.lobby";

    public static IHostApplicationBuilder AddPlayerSignIn(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<PlayerTokens>();
        builder.Services.AddSingleton<IKnownPlayers, KnownPlayers>();
        builder.Services
            .AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie()
            .AddJwtBearer();
        builder.Services.AddOptions<CookieAuthenticationOptions>(CookieAuthenticationDefaults.AuthenticationScheme)
            .Configure<IOptions<LobbyOptions>>((o, lobby) =>
            {
                o.Cookie.Name = CookieName;
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Lax;
                o.ExpireTimeSpan = lobby.Value.SessionLifetime;
                o.SlidingExpiration = true;
                // The lobby page itself tells a signed-out player how to get in.
                o.LoginPath = "/";
            });
        builder.Services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<PlayerTokens>((o, tokens) =>
            {
                o.MapInboundClaims = false;
                o.TokenValidationParameters = tokens.ValidationParameters;
                o.Events = new JwtBearerEvents
                {
                    // Browsers cannot set headers on WebSocket and SSE requests, so SignalR sends the token in the query.
                    OnMessageReceived = context =>
                    {
                        var token = context.Request.Query["access_token"].ToString();
                        if (token.Length > 0 && context.HttpContext.Request.Path.StartsWithSegments(Live.LiveLobby.HubPath))
                        {
                            context.Token = token;
                        }
                        return Task.CompletedTask;
                    },
                };
            });
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(PlayerPolicy, p => p.RequireClaim(PlayerTokens.SubjectClaim))
            .AddPolicy(HubPolicy, p => p
                .AddAuthenticationSchemes(JwtBearerDefaults.AuthenticationScheme)
                .RequireAuthenticatedUser()
                .RequireClaim(PlayerTokens.SubjectClaim));
        builder.Services.AddCascadingAuthenticationState();
        return builder;
    }

    public static IEndpointRouteBuilder MapPlayerSignIn(this IEndpointRouteBuilder app)
    {
        app.MapGet("/enter", EnterAsync).ExcludeFromDescription();
        // Cast: a handler taking only HttpContext would otherwise bind as a RequestDelegate and drop its result.
        app.MapPost("/leave", (Delegate)LeaveAsync).ExcludeFromDescription();
        if (app.ServiceProvider.GetRequiredService<IHostEnvironment>().IsDevelopment())
        {
            var dev = app.MapGroup("/dev").ExcludeFromDescription();
            dev.MapGet("/enter/{playerId}", DevEnterAsync);
            dev.MapPost("/tokens", MintDevToken);
        }
        return app;
    }

    /// <summary>Signs a player in from the token the operator's site handed them, then opens the lobby.</summary>
    /// <remarks>
    /// The token came in a URL, which browsers keep in their history and proxies in their logs: it signs in once. Its
    /// <c>jti</c> is required and remembered in the store until the token expires, so the same link a second time (from
    /// any lobby instance) is refused.
    /// </remarks>
    internal static async Task<Results<RedirectHttpResult, ProblemHttpResult>> EnterAsync(
        string? token, PlayerTokens tokens, HttpContext http, IConnectionMultiplexer redis, StoreKeys keys, TimeProvider time)
    {
        var check = await tokens.ValidateAsync(token);
        if (!check.IsValid)
        {
            return TypedResults.Problem(title: "Sign-in refused", detail: check.Error, statusCode: StatusCodes.Status401Unauthorized);
        }
        if (check.TokenId is null)
        {
            return TypedResults.Problem(title: "Sign-in refused", statusCode: StatusCodes.Status401Unauthorized,
                detail: "The player token has no 'jti' (token id): a sign-in link must be single-use, so the operator's site gives each one its own id.");
        }
        // Kept a little past the expiry: the token is accepted up to the validation's clock skew after it.
        var keep = new DateTimeOffset(check.ExpiresAt, TimeSpan.Zero) - time.GetUtcNow() + TimeSpan.FromMinutes(1);
        if (!await redis.GetDatabase().StringSetAsync(keys.UsedPlayerToken(check.TokenId), "1", keep, When.NotExists))
        {
            return TypedResults.Problem(title: "Sign-in refused", statusCode: StatusCodes.Status401Unauthorized,
                detail: "This sign-in link was used already; ask the operator's site for a new one.");
        }
        await SignInAsync(http, check.PlayerId!);
        return TypedResults.Redirect("/");
    }

    internal static async Task<RedirectHttpResult> LeaveAsync(HttpContext http)
    {
        await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        return TypedResults.Redirect("/");
    }

    /// <summary>Development only: signs in as any player, without a token.</summary>
    internal static async Task<Results<RedirectHttpResult, ProblemHttpResult>> DevEnterAsync(string playerId, HttpContext http)
    {
        if (!PlayerIds.IsValid(playerId)) return InvalidPlayerId(playerId);
        await SignInAsync(http, playerId);
        return TypedResults.Redirect("/");
    }

    /// <summary>Development only: the token the operator's site would sign for a player, for hub clients and <c>/enter</c>.</summary>
    internal static Results<Ok<DevTokenResponse>, ProblemHttpResult> MintDevToken(DevTokenRequest request, PlayerTokens tokens, TimeProvider time)
    {
        if (!PlayerIds.IsValid(request.PlayerId)) return InvalidPlayerId(request.PlayerId);
        var lifetime = PlayerTokens.DefaultLifetime;
        var token = tokens.Mint(request.PlayerId, lifetime);
        return TypedResults.Ok(new DevTokenResponse(token, request.PlayerId, time.GetUtcNow() + lifetime));
    }

    private static Task SignInAsync(HttpContext http, string playerId) =>
        http.SignInAsync(
            CookieAuthenticationDefaults.AuthenticationScheme,
            new System.Security.Claims.ClaimsPrincipal(PlayerTokens.Identity(playerId, CookieAuthenticationDefaults.AuthenticationScheme)));

    private static ProblemHttpResult InvalidPlayerId(string? playerId) =>
        TypedResults.Problem(
            title: "Invalid player id",
            detail: $"'{playerId}' is not a player id: use 1–{PlayerIds.MaxLength} characters without spaces or braces.",
            statusCode: StatusCodes.Status400BadRequest);
}

public sealed record DevTokenRequest(string PlayerId);

public sealed record DevTokenResponse(string Token, string PlayerId, DateTimeOffset ExpiresAt);
