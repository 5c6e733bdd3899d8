using System.Net;
using TestSupport;

namespace Lobby.IntegrationTests;

/// <summary>
/// The lobby's cookies are marked Secure when Cookies:Secure is on (Production's default), so none travels over plain http.
/// With it on, a request that reached the lobby over plain http (no TLS, no proxy saying otherwise) gets no antiforgery
/// cookie at all: behind a proxy that ends TLS, name it in ForwardedHeaders:KnownProxies.
/// </summary>
public sealed class SecureCookiesTests(Backends backends)
{
    [Theory]
    [InlineData("true", true)]
    [InlineData("false", false)]
    public async Task TheConsolesCookies_AreSecureExactlyWhenConfigured(string setting, bool secure)
    {
        var backend = await backends.OnAsync(StoreKinds.Redis);
        await using var lobby = backend.StartLobby(new Dictionary<string, string?>
        {
            [Lobby.SecureCookies.Setting] = setting,
            // As deployed behind a proxy that ends TLS: the proxy says the browser spoke https.
            ["ForwardedHeaders:KnownProxies"] = "127.0.0.1",
            ["Console:IntelligenceApiKey"] = Backend.ApiKey,
            ["Console:Users:0:Name"] = "ana",
            ["Console:Users:0:Role"] = "marketer",
            ["Console:Users:0:PasswordHash"] = Lobby.Console.ConsolePasswords.Hash("correct horse", 1_000),
        });
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = lobby.Url };

        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/console/login", UriKind.Relative));
        // Off (SameAsRequest) follows the request: a plain http one here.
        if (secure) request.Headers.Add("X-Forwarded-Proto", "https");
        var login = await browser.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        var cookies = login.Headers.GetValues("Set-Cookie").ToList();
        Assert.NotEmpty(cookies);
        Assert.All(cookies, c => Assert.True(secure == c.Contains("; secure", StringComparison.OrdinalIgnoreCase), c));
    }
}
