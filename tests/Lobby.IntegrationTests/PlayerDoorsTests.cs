using System.Net;
using System.Text;
using Lobby.Players;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using TestSupport;

namespace Lobby.IntegrationTests;

/// <summary>
/// The player's doors, as an attacker would try them: a sign-in link is good once (at any instance), a token without an
/// id is no sign-in link, sign-ins and hub connections are rate-limited across instances through the store (429 with
/// Retry-After), and a hub connection ends when its token expires.
/// </summary>
public sealed class PlayerDoorsTests(Backends backends)
{
    private static HttpClient Browser(LobbyInstance lobby) =>
        new(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = lobby.Url };

    private static Dictionary<string, string?> Limits(int enter = 1000, int hubPerPlayer = 1000) => new()
    {
        ["RateLimits:EnterPerAddress"] = enter.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["RateLimits:HubConnectsPerPlayer"] = hubPerPlayer.ToString(System.Globalization.CultureInfo.InvariantCulture),
        // Each test counts in its own keys: the limits are per store prefix.
        ["Store:KeyPrefix"] = TestKeys.Prefix("doors"),
    };

    [Fact]
    public async Task ASignInLink_SignsInOnce_AndIsRefusedTheSecondTimeAtAnyInstance()
    {
        var backend = await backends.OnAsync(StoreKinds.Redis);
        var settings = Limits();
        await using var first = backend.StartLobby(settings);
        await using var second = backend.StartLobby(settings);
        var link = $"/enter?token={first.PlayerToken("p-door-1")}";
        using var a = Browser(first);
        using var b = Browser(second);

        var entered = await a.GetAsync(new Uri(link, UriKind.Relative), TestContext.Current.CancellationToken);
        var again = await b.GetAsync(new Uri(link, UriKind.Relative), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Redirect, entered.StatusCode);
        Assert.Contains(entered.Headers.GetValues("Set-Cookie"), c => c.StartsWith(PlayerSignIn.CookieName, StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.Unauthorized, again.StatusCode);
        Assert.Contains("This sign-in link was used already", await again.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ATokenWithoutAnId_IsNoSignInLink()
    {
        var backend = await backends.OnAsync(StoreKinds.Redis);
        await using var lobby = backend.StartLobby(Limits());
        var now = DateTime.UtcNow;
        var token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = new LobbyOptions().TokenIssuer,
            Audience = new LobbyOptions().TokenAudience,
            Claims = new Dictionary<string, object> { [PlayerTokens.SubjectClaim] = "p-door-2" },
            IssuedAt = now, NotBefore = now, Expires = now.AddMinutes(10),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(Backend.SigningKey)), SecurityAlgorithms.HmacSha256),
        });
        using var browser = Browser(lobby);

        var response = await browser.GetAsync(new Uri($"/enter?token={token}", UriKind.Relative), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("has no 'jti'", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignInsFromOneAddress_AreLimitedAcrossInstances_With429AndRetryAfter()
    {
        var backend = await backends.OnAsync(StoreKinds.Redis);
        var settings = Limits(enter: 3);
        await using var first = backend.StartLobby(settings);
        await using var second = backend.StartLobby(settings);
        using var a = Browser(first);
        using var b = Browser(second);

        var answers = new List<HttpResponseMessage>();
        for (var i = 0; i < 4; i++)
        {
            var lobby = i % 2 == 0 ? first : second;
            answers.Add(await (i % 2 == 0 ? a : b).GetAsync(new Uri($"/enter?token={lobby.PlayerToken($"p-door-rl-{i}")}", UriKind.Relative), TestContext.Current.CancellationToken));
        }

        Assert.Equal([HttpStatusCode.Redirect, HttpStatusCode.Redirect, HttpStatusCode.Redirect, HttpStatusCode.TooManyRequests], answers.Select(r => r.StatusCode));
        var retry = answers[3].Headers.RetryAfter?.Delta;
        Assert.NotNull(retry);
        Assert.InRange(retry.Value, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task HubConnectionsOfOnePlayer_AreLimited_AndOtherPlayersStillConnect()
    {
        var backend = await backends.OnAsync(StoreKinds.Redis);
        await using var lobby = backend.StartLobby(Limits(hubPerPlayer: 2));
        var ct = TestContext.Current.CancellationToken;

        await using var one = await HubClient.ConnectAsync(lobby, "p-door-hub", ct);
        await using var two = await HubClient.ConnectAsync(lobby, "p-door-hub", ct);
        var third = await Assert.ThrowsAnyAsync<HttpRequestException>(() => HubClient.ConnectAsync(lobby, "p-door-hub", ct));
        await using var other = await HubClient.ConnectAsync(lobby, "p-door-other", ct);

        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task AHubConnection_EndsWhenItsTokenExpires()
    {
        var backend = await backends.OnAsync(StoreKinds.Redis);
        await using var lobby = backend.StartLobby(Limits());
        var ct = TestContext.Current.CancellationToken;
        var tokens = (PlayerTokens)lobby.Services.GetService(typeof(PlayerTokens))!;

        await using var client = await HubClient.ConnectAsync(lobby.Url, tokens.Mint("p-door-expiring", TimeSpan.FromSeconds(3)), ct);
        await using var lasting = await HubClient.ConnectAsync(lobby.Url, tokens.Mint("p-door-lasting", TimeSpan.FromMinutes(10)), ct);

        // Closed by the server within a few seconds of the expiry (it checks once a second); the other stays.
        var closed = await Task.WhenAny(client.Closed, Task.Delay(TimeSpan.FromSeconds(30), ct));
        Assert.Same(client.Closed, closed);
        Assert.False(lasting.Closed.IsCompleted);
    }
}
