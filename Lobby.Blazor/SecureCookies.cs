using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;

namespace Lobby;

/// <summary>
/// Every cookie the lobby sets (the player's and the console's sign-in, antiforgery) is <c>Secure</c> when
/// <c>Cookies:Secure</c> is true, by default in Production: a sign-in cookie must never travel over plain http, where anyone
/// on the path could take over the session. Behind a proxy that ends TLS the browser still speaks https, so this holds.
/// </summary>
public static class SecureCookies
{
    public const string Setting = "Cookies:Secure";

    public static IHostApplicationBuilder AddSecureCookies(this IHostApplicationBuilder builder)
    {
        // Read from the final configuration when the options are built (a host may add sources after this call).
        builder.Services.AddSingleton<IPostConfigureOptions<CookieAuthenticationOptions>, Apply<CookieAuthenticationOptions>>(sp =>
            new(Policy(sp), (o, p) => o.Cookie.SecurePolicy = p));
        builder.Services.AddSingleton<IPostConfigureOptions<AntiforgeryOptions>, Apply<AntiforgeryOptions>>(sp =>
            new(Policy(sp), (o, p) => o.Cookie.SecurePolicy = p));
        return builder;
    }

    private static CookieSecurePolicy Policy(IServiceProvider services) =>
        (services.GetRequiredService<IConfiguration>().GetValue<bool?>(Setting) ?? services.GetRequiredService<IHostEnvironment>().IsProduction())
            ? CookieSecurePolicy.Always
            : CookieSecurePolicy.SameAsRequest;

    private sealed class Apply<T>(CookieSecurePolicy policy, Action<T, CookieSecurePolicy> set) : IPostConfigureOptions<T> where T : class
    {
        public void PostConfigure(string? name, T options) => set(options, policy);
    }
}
