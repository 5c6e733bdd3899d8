using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Lobby.IntegrationTests;

/// <summary>
/// The hub as an operator's own front end uses it, through the official JavaScript client against a really running
/// lobby, Ingestion and Intelligence: pushes arrive after real events, and no client gets another player's updates.
/// </summary>
[Trait("Category", "Slow")]
public sealed class JsClientTests(Backends backends)
{
    private const string Catalogue = """
        [{"id":"g-js-starburst","title":"Starburst","provider":"NetEnt","category":"slots","tags":["space"],"rtp":96.1,"volatility":"low","minBet":0.1,"maxBet":100,"jackpot":false,"markets":["*"],"releasedAt":"2012-01-01T00:00:00Z","enabled":true},
         {"id":"g-js-book-of-dead","title":"Book of Dead","provider":"Play'n GO","category":"slots","tags":["egypt"],"rtp":96.2,"volatility":"high","minBet":0.1,"maxBet":100,"jackpot":false,"markets":["*"],"releasedAt":"2014-01-01T00:00:00Z","enabled":true}]
        """;

    [Fact]
    public async Task OfficialJsClient_ReceivesItsOwnPushes_AndIsRefusedAnotherPlayersUpdates()
    {
        var backend = await backends.OnAsync(TestSupport.StoreKinds.Redis);
        using (var ingestion = Backend.Client(backend.IngestionUrl))
        {
            var put = await ingestion.PutAsync("/v1/catalog/games", new StringContent(Catalogue, Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }
        await using var lobby = backend.StartLobby();
        var suffix = Guid.NewGuid().ToString("N")[..8];
        string a = $"p-js-a-{suffix}", b = $"p-js-b-{suffix}";
        var tokenB = lobby.PlayerToken(b);
        var config = new
        {
            lobbyUrl = lobby.Url.ToString(),
            ingestionUrl = backend.IngestionUrl.ToString(),
            apiKey = Backend.ApiKey,
            players = new { a, b },
            games = new { a = "g-js-starburst", b = "g-js-book-of-dead" },
            tokens = new { a = lobby.PlayerToken(a), b = tokenB },
            refused = new[]
            {
                new { @case = "garbage", token = "not-a-token" },
                new { @case = "signed-with-another-key", token = Forge(a, "someone-elses-signing-key-that-is-long-enough-0123456789") },
                new { @case = "unsigned", token = Forge(a, signingKey: null) },
                new { @case = "other-audience", token = Forge(a, Backend.SigningKey, audience: "another-lobby") },
                new { @case = "other-issuer", token = Forge(a, Backend.SigningKey, issuer: "someone-else") },
                new { @case = "expired", token = Forge(a, Backend.SigningKey, expires: DateTime.UtcNow.AddHours(-1)) },
                new { @case = "b-token-with-sub-changed-to-a", token = WithSubject(tokenB, a) },
            },
            timeoutMs = 30_000,
            quietMs = 1_500,
        };

        var lines = await JsClient.RunAsync(config, TimeSpan.FromMinutes(3), TestContext.Current.CancellationToken);

        foreach (var line in lines) TestContext.Current.TestOutputHelper?.WriteLine(line.GetRawText());
        Assert.DoesNotContain(lines, l => Event(l) == "error");
        // Each connection is sent its own rows on connect.
        Assert.Contains(lines, l => Event(l) == "received" && Text(l, "connection") == "A" && Text(l, "playerId") == a && Text(l, "reason") == "connected");
        Assert.Contains(lines, l => Event(l) == "received" && Text(l, "connection") == "B" && Text(l, "playerId") == b && Text(l, "reason") == "connected");
        // A real bet for A is pushed to A, with the game first in Continue playing.
        var pushed = Assert.Single(lines, l => Event(l) == "received" && Text(l, "connection") == "A" && Text(l, "reason") == "wallet.bet");
        Assert.Equal(a, Text(pushed, "playerId"));
        Assert.Contains("continue-playing", pushed.GetProperty("lists").EnumerateArray().Select(x => x.GetString()));
        Assert.Contains("g-js-starburst", pushed.GetProperty("games").EnumerateArray().Select(x => x.GetString()));
        Assert.Contains(lines, l => Event(l) == "received" && Text(l, "connection") == "B" && Text(l, "playerId") == b && Text(l, "reason") == "wallet.bet");

        // Every connection without a valid token for the player is refused: with 401 at negotiation, and straight to the
        // WebSocket too (the bare upgrade shows the 401 the client does not report; with A's own token it is accepted).
        var attempts = config.refused.Length + 1;
        var refusals = lines.Where(l => Event(l) is "refused" or "accepted").ToList();
        Assert.Equal(attempts * 2, refusals.Count);
        Assert.All(refusals, r => Assert.Equal("refused", Event(r)));
        Assert.All(refusals.Where(r => Text(r, "path") == "negotiate"), r => Assert.Equal(401, r.GetProperty("status").GetInt32()));
        var upgrades = lines.Where(l => Event(l) == "upgrade").ToDictionary(l => Text(l, "case")!, l => l.GetProperty("status").GetInt32());
        Assert.Equal(attempts + 1, upgrades.Count);
        Assert.Equal(101, upgrades["valid-token"]);
        Assert.All(upgrades.Where(u => u.Key != "valid-token"), u => Assert.Equal(401, u.Value));

        // No hub method hands out another player's stream.
        var invocations = lines.Where(l => Event(l) == "invoked").ToList();
        Assert.NotEmpty(invocations);
        Assert.All(invocations, i => Assert.False(i.GetProperty("ok").GetBoolean(), Text(i, "method")));

        // The tally: A saw only A's updates; B, even when asking for A in the query, only B's.
        var received = Assert.Single(lines, l => Event(l) == "summary").GetProperty("received");
        Assert.Equal([$"{a}|connected", $"{a}|wallet.bet"], Updates(received, "A"));
        Assert.Equal([$"{b}|connected", $"{b}|wallet.bet"], Updates(received, "B"));
        Assert.Equal([$"{b}|connected", $"{b}|wallet.bet"], Updates(received, "B-asking-for-A"));
        Assert.Equal(3, received.EnumerateObject().Count());
    }

    /// <summary>
    /// Every bet on a game offered in the player's market is in "Continue playing" with the push that bet causes, whether
    /// the player gave marketing consent or not: a player's own history is not marketing, so jackpot games (which the
    /// lobby keeps out of marketing rows without consent) and games only for the player's market show too. A game not
    /// offered in the player's market does not.
    /// </summary>
    [Fact]
    public async Task OfficialJsClient_SeesEveryBetOnAGameOfferedInItsMarket_InContinuePlaying_ConsentOrNot()
    {
        var ct = TestContext.Current.CancellationToken;
        var backend = await backends.OnAsync(TestSupport.StoreKinds.Redis);
        var suffix = Guid.NewGuid().ToString("N")[..8];
        string withoutConsent = $"p-js-nc-{suffix}", withConsent = $"p-js-c-{suffix}";
        using (var ingestion = Backend.Client(backend.IngestionUrl))
        {
            var put = await ingestion.PutAsync("/v1/catalog/games", new StringContent(EveryBetCatalogue, Encoding.UTF8, "application/json"), ct);
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
            var events = new StringBuilder();
            foreach (var player in new[] { withoutConsent, withConsent })
            {
                events.Append(CultureInfo.InvariantCulture, $$$"""{"specversion":"1.0","id":"reg-{{{player}}}","source":"/pam","type":"player.registered","subject":"{{{player}}}","data":{"country":"MT","currency":"EUR","market":"MT"}}""").Append('\n');
            }
            events.Append(CultureInfo.InvariantCulture, $$$"""{"specversion":"1.0","id":"consent-{{{withConsent}}}","source":"/pam","type":"player.consent","subject":"{{{withConsent}}}","data":{"channel":"email","granted":true}}""").Append('\n');
            var posted = await ingestion.PostAsync("/v1/events", new StringContent(events.ToString(), Encoding.UTF8, "application/x-ndjson"), ct);
            Assert.True(posted.IsSuccessStatusCode, await posted.Content.ReadAsStringAsync(ct));
        }
        await using var lobby = backend.StartLobby();
        string[] offered = ["g-eb-plain-1", "g-eb-jackpot-1", "g-eb-mt-only-jackpot", "g-eb-plain-2", "g-eb-jackpot-2"];
        const string elsewhere = "g-eb-de-only";
        var config = new
        {
            lobbyUrl = lobby.Url.ToString(),
            ingestionUrl = backend.IngestionUrl.ToString(),
            apiKey = Backend.ApiKey,
            everyBet = new
            {
                players = new[]
                {
                    new { label = "without-consent", id = withoutConsent, token = lobby.PlayerToken(withoutConsent) },
                    new { label = "with-consent", id = withConsent, token = lobby.PlayerToken(withConsent) },
                },
                games = (string[])[.. offered[..2], elsewhere, .. offered[2..]],
            },
            timeoutMs = 60_000,
        };

        var lines = await JsClient.RunAsync(config, TimeSpan.FromMinutes(5), ct);

        foreach (var line in lines) TestContext.Current.TestOutputHelper?.WriteLine(line.GetRawText());
        Assert.DoesNotContain(lines, l => Event(l) == "error");
        var pushes = lines.Where(l => Event(l) == "bet-push").ToList();
        Assert.Equal(2 * (offered.Length + 1), pushes.Count);
        foreach (var push in pushes)
        {
            var game = Text(push, "gameId")!;
            var continuePlaying = push.GetProperty("continuePlaying").EnumerateArray().Select(x => x.GetString()).ToList();
            var who = $"{Text(push, "connection")} after a bet on {game}: continue playing [{string.Join(", ", continuePlaying)}]";
            if (game == elsewhere) Assert.DoesNotContain(game, continuePlaying);
            else Assert.True(continuePlaying.Contains(game), who);
        }
    }

    /// <summary>Games for players in MT: two for every market, two jackpot games, one MT-only jackpot game, and one only for DE.</summary>
    private const string EveryBetCatalogue = """
        [{"id":"g-eb-plain-1","title":"Plain One","provider":"NetEnt","category":"slots","tags":[],"rtp":96.1,"volatility":"low","minBet":0.1,"maxBet":100,"jackpot":false,"markets":["*"],"releasedAt":"2012-01-01T00:00:00Z","enabled":true},
         {"id":"g-eb-plain-2","title":"Plain Two","provider":"NetEnt","category":"slots","tags":[],"rtp":96.1,"volatility":"low","minBet":0.1,"maxBet":100,"jackpot":false,"markets":["*"],"releasedAt":"2012-01-01T00:00:00Z","enabled":true},
         {"id":"g-eb-jackpot-1","title":"Jackpot One","provider":"NetEnt","category":"slots","tags":[],"rtp":94.0,"volatility":"high","minBet":0.1,"maxBet":100,"jackpot":true,"markets":["*"],"releasedAt":"2012-01-01T00:00:00Z","enabled":true},
         {"id":"g-eb-jackpot-2","title":"Jackpot Two","provider":"Play'n GO","category":"slots","tags":[],"rtp":94.0,"volatility":"high","minBet":0.1,"maxBet":100,"jackpot":true,"markets":["*"],"releasedAt":"2012-01-01T00:00:00Z","enabled":true},
         {"id":"g-eb-mt-only-jackpot","title":"Malta Jackpot","provider":"Play'n GO","category":"slots","tags":[],"rtp":94.0,"volatility":"high","minBet":0.1,"maxBet":100,"jackpot":true,"markets":["MT"],"releasedAt":"2012-01-01T00:00:00Z","enabled":true},
         {"id":"g-eb-de-only","title":"Berlin Nights","provider":"Play'n GO","category":"slots","tags":[],"rtp":96.0,"volatility":"low","minBet":0.1,"maxBet":100,"jackpot":false,"markets":["DE"],"releasedAt":"2012-01-01T00:00:00Z","enabled":true}]
        """;

    private static string? Event(JsonElement line) => Text(line, "event");

    private static string? Text(JsonElement line, string name) => line.TryGetProperty(name, out var value) ? value.GetString() : null;

    private static string[] Updates(JsonElement received, string connection) =>
        [.. received.GetProperty(connection).EnumerateArray().Select(x => x.GetString()!)];

    /// <summary>A token for the player as an attacker could make it: with another key, unsigned, or with wrong claims.</summary>
    private static string Forge(string playerId, string? signingKey, string audience = "casino-lobby", string issuer = "casino-operator", DateTime? expires = null)
    {
        var now = DateTime.UtcNow;
        var notBefore = expires is { } e && e < now ? e.AddHours(-1) : now;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            Claims = new Dictionary<string, object> { [JwtRegisteredClaimNames.Sub] = playerId },
            IssuedAt = notBefore,
            NotBefore = notBefore,
            Expires = expires ?? now.AddHours(1),
            SigningCredentials = signingKey is null
                ? null
                : new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(signingKey)), SecurityAlgorithms.HmacSha256),
        });
    }

    /// <summary>A valid token whose payload is rewritten to name another player, keeping the original signature.</summary>
    private static string WithSubject(string token, string playerId)
    {
        var parts = token.Split('.');
        var payload = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(Base64UrlEncoder.Decode(parts[1]))!;
        payload[JwtRegisteredClaimNames.Sub] = JsonSerializer.SerializeToElement(playerId);
        return $"{parts[0]}.{Base64UrlEncoder.Encode(JsonSerializer.Serialize(payload))}.{parts[2]}";
    }
}
