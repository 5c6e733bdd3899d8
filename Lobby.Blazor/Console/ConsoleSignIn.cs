using System.Security.Claims;
using System.Text.Encodings.Web;
using Lobby.Players;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Shared.ServiceDefaults.ApiKeys;

namespace Lobby.Console;

public static class ConsolePolicies
{
    /// <summary>A marketer or an admin: every marketing page and every marketing data call.</summary>
    public const string Marketer = "console-marketer";
    /// <summary>The safer-gambling role: the case queue, and only it.</summary>
    public const string SaferGambling = "console-safer-gambling";
    /// <summary>Any console role: the console's frame (its menu).</summary>
    public const string Any = "console-any";
    /// <summary>Admin pages (the audit log).</summary>
    public const string Admin = "console-admin";
    /// <summary>An operator or an admin: the operations page.</summary>
    public const string Operator = "console-operator";
}

/// <summary>
/// How marketers get in: a name and password checked against <c>Console:Users</c>, kept in a cookie of its own
/// (<see cref="CookieName"/>), separate from the player's. A player's sign-in never opens the console.
/// </summary>
public static class ConsoleSignIn
{
    public const string Scheme = "console";
    public const string CookieName = "casino.console";
    public const string LoginPath = "/console/login";
    public const string DeniedPath = "/console/denied";
    public const string SignInPath = "/console/signin";
    public const string SignOutPath = "/console/signout";
    public const string Home = "/console";

    public static IHostApplicationBuilder AddConsoleSignIn(this IHostApplicationBuilder builder)
    {
        var development = builder.Environment.IsDevelopment();
        builder.Services.AddOptions<ConsoleOptions>()
            .BindConfiguration(ConsoleOptions.Section)
            .PostConfigure(o =>
            {
                if (!development) return;
                if (string.IsNullOrWhiteSpace(o.IntelligenceApiKey)) o.IntelligenceApiKey = ApiKeyRegistry.DevelopmentKey;
                if (string.IsNullOrWhiteSpace(o.IngestionApiKey)) o.IngestionApiKey = ApiKeyRegistry.DevelopmentKey;
                if (o.Users.Count > 0) return;
                o.Users.AddRange(ConsoleOptions.DevelopmentUsers.Select(u => new ConsoleUserEntry
                {
                    Name = u.Name,
                    Role = u.Role,
                    PasswordHash = ConsolePasswords.Hash(u.Password, ConsoleOptions.DevelopmentIterations),
                }));
            })
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<ConsoleUserDirectory>();
        builder.Services.AddSingleton<IConsoleSignInThrottle, ConsoleSignInThrottle>();
        builder.Services.TryAddSingleton(TimeProvider.System);

        builder.Services.AddAuthentication()
            .AddCookie(Scheme)
            .AddScheme<AuthenticationSchemeOptions, SignedInHandler>(SignedInHandler.SchemeName, displayName: null, configureOptions: null);
        // After the player's sign-in has named its cookie the default: pages and the Blazor circuit see both identities.
        builder.Services.PostConfigure<AuthenticationOptions>(o => o.DefaultScheme = SignedInHandler.SchemeName);
        builder.Services.AddOptions<CookieAuthenticationOptions>(Scheme)
            .Configure<IOptions<ConsoleOptions>>((o, console) =>
            {
                o.Cookie.Name = CookieName;
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Strict;
                // The circuit's own requests (/_blazor) must carry it too, so it cannot be limited to /console.
                o.Cookie.Path = "/";
                o.ExpireTimeSpan = console.Value.SessionLifetime;
                o.SlidingExpiration = true;
                o.LoginPath = LoginPath;
                o.AccessDeniedPath = DeniedPath;
                o.ReturnUrlParameter = "returnUrl";
                o.Events.OnValidatePrincipal = RevalidateAsync;
            });
        builder.Services.AddAuthorization(AddPolicies);
        return builder;
    }

    /// <summary>The console's policies by role (the app's, and a test's renderer's).</summary>
    public static void AddPolicies(Microsoft.AspNetCore.Authorization.AuthorizationOptions o)
    {
        o.AddPolicy(ConsolePolicies.Marketer, p => p.RequireAssertion(c => ConsoleUser.From(c.User) is { Role: ConsoleRoles.Marketer or ConsoleRoles.Admin }));
        o.AddPolicy(ConsolePolicies.SaferGambling, p => p.RequireAssertion(c => ConsoleUser.From(c.User) is { Role: ConsoleRoles.SaferGambling }));
        o.AddPolicy(ConsolePolicies.Any, p => p.RequireAssertion(c => ConsoleUser.From(c.User) is not null));
        o.AddPolicy(ConsolePolicies.Admin, p => p.RequireAssertion(c => ConsoleUser.From(c.User)?.IsAdmin == true));
        o.AddPolicy(ConsolePolicies.Operator, p => p.RequireAssertion(c => ConsoleUser.From(c.User) is { Role: ConsoleRoles.Operator or ConsoleRoles.Admin }));
    }

    public static IEndpointRouteBuilder MapConsoleSignIn(this IEndpointRouteBuilder app)
    {
        app.MapPost(SignInPath, SignInAsync).ExcludeFromDescription();
        // Cast: a handler taking only HttpContext would otherwise bind as a RequestDelegate and drop its result.
        app.MapPost(SignOutPath, (Delegate)SignOutAsync).ExcludeFromDescription();

        var users = app.ServiceProvider.GetRequiredService<ConsoleUserDirectory>();
        if (!users.HasUsers)
        {
            app.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ConsoleSignIn)).LogError(
                "No console users are configured: every console sign-in will be refused. Add users under Console:Users " +
                "(Name, Role marketer|admin, PasswordHash from 'dotnet Lobby.Blazor.dll hash-password').");
        }
        return app;
    }

    /// <summary>Checks a name and password from the login form; on success sets the console's cookie.</summary>
    internal static async Task<RedirectHttpResult> SignInAsync(
        [FromForm] ConsoleSignInForm form, ConsoleUserDirectory users, IConsoleSignInThrottle throttle, HttpContext http, ILogger<ConsoleUserDirectory> logger)
    {
        var returnUrl = SafeReturnUrl(form.ReturnUrl);
        // Only a configured user's name reaches the logs: people type their password into the name field.
        var logged = users.Find(form.Name?.Trim())?.Name ?? "an unknown name";
        if (!users.HasUsers)
        {
            logger.LogError("Console sign-in of {User} refused: no console users are configured", logged);
            return TypedResults.Redirect(LoginUrl(returnUrl, "no-users"));
        }
        var address = http.Connection.RemoteIpAddress?.ToString();
        if (await throttle.LockedForAsync(form.Name, address) is { } wait)
        {
            logger.LogWarning("Console sign-in for {User} from {Address} refused unchecked: too many failed attempts; next in {Wait}", logged, address, wait);
            return TypedResults.Redirect(LoginUrl(returnUrl, "locked") + $"&wait={(int)Math.Ceiling(wait.TotalMinutes)}");
        }
        var user = users.Verify(form.Name?.Trim(), form.Password);
        if (user is null)
        {
            await throttle.FailedAsync(form.Name, address);
            logger.LogWarning("Console sign-in refused for {User} from {Address}: unknown name or wrong password", logged, address);
            return TypedResults.Redirect(LoginUrl(returnUrl, "failed"));
        }
        await throttle.SucceededAsync(form.Name);
        await http.SignInAsync(Scheme, user.ToPrincipal());
        logger.LogInformation("Console user {User} ({Role}) signed in", user.Name, user.Role);
        return TypedResults.Redirect(returnUrl == Home ? HomeOf(user.Role) : returnUrl);
    }

    /// <summary>Where a role starts: the console's home is the segments list, which operators and safer-gambling officers may not open.</summary>
    internal static string HomeOf(string role) => role switch
    {
        ConsoleRoles.Operator => Home + "/operations",
        ConsoleRoles.SaferGambling => Home + "/safer-gambling",
        _ => Home,
    };

    internal static async Task<RedirectHttpResult> SignOutAsync(HttpContext http)
    {
        await http.SignOutAsync(Scheme);
        return TypedResults.Redirect(LoginPath);
    }

    internal static string LoginUrl(string returnUrl, string? error = null) =>
        $"{LoginPath}?returnUrl={Uri.EscapeDataString(returnUrl)}" + (error is null ? "" : $"&error={error}");

    /// <summary>Only the console's own pages: anything else (another site, <c>//host</c>, the player lobby) goes home.</summary>
    public static string SafeReturnUrl(string? returnUrl)
    {
        if (string.IsNullOrEmpty(returnUrl) || !returnUrl.StartsWith(Home, StringComparison.Ordinal)) return Home;
        if (returnUrl.Length > Home.Length && returnUrl[Home.Length] is not ('/' or '?')) return Home;
        if (returnUrl.Contains('\\', StringComparison.Ordinal) || returnUrl.Contains("//", StringComparison.Ordinal)) return Home;
        if (returnUrl.StartsWith(LoginPath, StringComparison.Ordinal)) return Home;
        return returnUrl;
    }

    /// <summary>A cookie outlives configuration changes: a user removed or given another role is signed out.</summary>
    private static async Task RevalidateAsync(CookieValidatePrincipalContext context)
    {
        var signedIn = ConsoleUser.From(context.Principal);
        var configured = context.HttpContext.RequestServices.GetRequiredService<ConsoleUserDirectory>().Find(signedIn?.Name);
        if (signedIn is not null && configured == signedIn) return;
        context.RejectPrincipal();
        await context.HttpContext.SignOutAsync(Scheme);
    }
}

/// <summary>The login form's fields (names as the form posts them).</summary>
public sealed class ConsoleSignInForm
{
    public string? Name { get; set; }
    public string? Password { get; set; }
    public string? ReturnUrl { get; set; }
}

/// <summary>
/// The default scheme: whoever is signed in, as a player (the lobby's cookie), as a console user (the console's
/// cookie), or both, as one principal with an identity each. Blazor's circuit takes its user from the default scheme,
/// so both pages and components see both. Challenges and refusals go to the console's login under <c>/console</c>
/// and to the player's sign-in elsewhere.
/// </summary>
internal sealed class SignedInHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "signed-in";

    private bool ForConsole => Request.Path.StartsWithSegments(ConsoleSignIn.Home);

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var player = await Context.AuthenticateAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        var console = await Context.AuthenticateAsync(ConsoleSignIn.Scheme);
        var identities = new List<ClaimsIdentity>(2);
        if (player.Succeeded) identities.AddRange(player.Principal.Identities);
        if (console.Succeeded) identities.AddRange(console.Principal.Identities);
        return identities.Count == 0
            ? AuthenticateResult.NoResult()
            : AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identities), SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) =>
        Context.ChallengeAsync(ForConsole ? ConsoleSignIn.Scheme : CookieAuthenticationDefaults.AuthenticationScheme, properties);

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        if (!ForConsole)
        {
            await Context.ForbidAsync(CookieAuthenticationDefaults.AuthenticationScheme, properties);
            return;
        }
        // A player, or nobody, is sent to the console's login; a marketer on an admin page is told they may not.
        var user = (await Context.AuthenticateAsync(ConsoleSignIn.Scheme)).Principal;
        if (ConsoleUser.From(user) is null) await Context.ChallengeAsync(ConsoleSignIn.Scheme, properties);
        else await Context.ForbidAsync(ConsoleSignIn.Scheme, properties);
    }
}
