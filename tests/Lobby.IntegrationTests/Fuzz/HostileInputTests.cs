using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Lobby.Live;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using StackExchange.Redis;
using TestSupport;

namespace Lobby.IntegrationTests.Fuzz;

/// <summary>
/// Hostile input for the lobby's doors that take input (<see cref="HostileInput"/>): the console's sign-in form, the
/// player's <c>/enter</c> link, the console's members export, and the hub's messages. Nothing is answered 5xx and nothing
/// signs anyone in that should not be; a refused link names the token; a refused request leaves the lobby's keys as they
/// were (the sign-in throttle's and the rate limits' counters aside: counting refusals is what they are for). The hub has
/// no methods: every frame a client sends is refused, and it must neither hang nor take the hub down for anyone else
/// (a frame of an unknown message type used to wedge its connection for good: <see cref="UnknownMessagesClose"/>).
/// The console's other forms (segments, placements, experiments, case notes) travel over the Blazor circuit, fuzzed in
/// HostileInputTests.Circuit.cs, to Intelligence's API, whose fuzz suite covers them.
/// </summary>
public sealed partial class HostileInputTests(Backends backends, ITestOutputHelper output)
{
    private const int Inputs = 300;
    private const string Marketer = "marketer";
    private const string Password = "marketer-password";
    private static readonly TimeSpan Answer = TimeSpan.FromSeconds(10);

    [GeneratedRegex("name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();

    private static async Task<(LobbyInstance Lobby, string Prefix)> StartAsync(Backend backend)
    {
        var prefix = TestKeys.Prefix("lobby-fuzz");
        var lobby = backend.StartLobby(new Dictionary<string, string?>
        {
            // Its own keys, so the dumps see only what this lobby writes.
            ["Store:KeyPrefix"] = prefix,
            ["Console:IntelligenceApiKey"] = Backend.ApiKey,
            ["Console:Users:0:Name"] = Marketer,
            ["Console:Users:0:Role"] = "marketer",
            ["Console:Users:0:PasswordHash"] = Lobby.Console.ConsolePasswords.Hash(Password, 1_000),
            // Every input is checked, none refused unchecked by a lock-out.
            ["Console:MaxFailuresPerUser"] = "1000",
            ["Console:MaxFailuresPerAddress"] = "10000",
            ["RateLimits:HubConnectsPerPlayer"] = "1000000",
        });
        // The key ring is written on first use; made before the first dump, it is not a change a request made.
        using var warm = new HttpClient { BaseAddress = lobby.Url };
        (await warm.GetAsync(new Uri("/console/login", UriKind.Relative), TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        return (lobby, prefix);
    }

    /// <summary>The counters whose job is to count refusals, and the key ring (written when a cookie is first protected).</summary>
    private static Func<string, bool> Skip(string prefix) =>
        key => key.StartsWith(prefix + "rl:", StringComparison.Ordinal) || key.StartsWith(prefix + "console:signin:", StringComparison.Ordinal)
            || key == prefix + "lobby:dataprotection-keys";

    private static HttpClient Browser(Uri url, CookieContainer? cookies = null) =>
        new(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = cookies ?? new CookieContainer() }) { BaseAddress = url };

    /// <summary>Signs the marketer in on <paramref name="marketer"/> through the login form, as a browser does.</summary>
    private static async Task SignInMarketerAsync(HttpClient marketer, CancellationToken ct)
    {
        var login = await marketer.GetStringAsync(new Uri("/console/login", UriKind.Relative), ct);
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(AntiforgeryToken().Match(login).Groups[1].Value), ["name"] = Marketer, ["password"] = Password, ["returnUrl"] = "/console",
        });
        Assert.Equal("/console", (await marketer.PostAsync(new Uri("/console/signin", UriKind.Relative), form, ct)).Headers.Location?.OriginalString);
    }

    /// <summary>A case's fields as form values: strings as they are, anything else as its JSON text; null when the case is not a JSON object.</summary>
    private static Dictionary<string, string>? FormOf(HostileCase c)
    {
        if (HostileInput.IsRaw(c)) return null;
        try
        {
            return JsonNode.Parse(c.Body) is JsonObject o
                ? o.ToDictionary(p => p.Key, p => p.Value?.GetValueKind() == JsonValueKind.String ? p.Value.GetValue<string>() : p.Value?.ToJsonString() ?? "", StringComparer.Ordinal)
                : null;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or ArgumentException)
        {
            return null;
        }
    }

    [Fact]
    public async Task EveryDoor_TakesHostileInput_WithoutA5xx_OrASignIn_AndLeavingTheStoreAsItWas()
    {
        var ct = TestContext.Current.CancellationToken;
        var backend = await backends.OnAsync(StoreKinds.Redis);
        var (lobby, prefix) = await StartAsync(backend);
        await using var _ = lobby;
        await using var redis = await ConnectionMultiplexer.ConnectAsync(backend.Redis);
        var skip = Skip(prefix);
        var failures = new List<string>();
        ulong seed = 1800;

        async Task<Dictionary<string, string>> DumpAsync() => await HostileInput.DumpAsync(redis, prefix, skip);
        void Unchanged(Dictionary<string, string> before, Dictionary<string, string> after, string answer) =>
            Assert.True(before.Count == after.Count && before.All(kv => after.GetValueOrDefault(kv.Key) == kv.Value),
                $"a refused request changed the store: {HostileInput.Difference(before, after)}; answer {HostileInput.Shorten(answer)}");

        // The console's sign-in form, posted as a browser posts it (with the antiforgery token of the login page).
        const string SignIn = "POST /console/signin (form)";
        using (var browser = Browser(lobby.Url))
        {
            var login = await browser.GetStringAsync(new Uri("/console/login", UriKind.Relative), ct);
            var token = WebUtility.HtmlDecode(AntiforgeryToken().Match(login).Groups[1].Value);
            Assert.NotEmpty(token);
            var valid = JsonSerializer.Serialize(new Dictionary<string, string> { ["name"] = Marketer, ["password"] = Password, ["returnUrl"] = "/console/segments" });
            failures.AddRange(await HostileInput.RunAsync(SignIn, HostileInput.From(valid), Inputs, seed++, async c =>
            {
                var before = await DumpAsync();
                var form = FormOf(c);
                using HttpContent content = form is null ? new ByteArrayContent(c.Bytes) : new FormUrlEncodedContent(form.Append(new("__RequestVerificationToken", token)));
                content.Headers.ContentType = new("application/x-www-form-urlencoded");
                using var response = await browser.PostAsync(new Uri("/console/signin", UriKind.Relative), content, ct);
                var answer = await response.Content.ReadAsStringAsync(ct);
                Assert.True((int)response.StatusCode < 500, $"{(int)response.StatusCode}: {HostileInput.Shorten(answer)}");
                var location = response.Headers.Location?.OriginalString ?? "";
                // Wherever it sends the browser, it stays on this site: never //host, http://… or a backslash trick.
                Assert.True(location.Length == 0 || (location.StartsWith('/') && !location.StartsWith("//", StringComparison.Ordinal) && !location.Contains('\\', StringComparison.Ordinal)),
                    $"redirected off the console to {location}");
                var signedIn = response.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(k => k.StartsWith(Lobby.Console.ConsoleSignIn.CookieName + "=", StringComparison.Ordinal) && !k.Contains("expires=Thu, 01 Jan 1970", StringComparison.OrdinalIgnoreCase));
                var rightPassword = form is not null && form.GetValueOrDefault("name")?.Trim() == Marketer && form.GetValueOrDefault("password") == Password;
                Assert.True(!signedIn || rightPassword, $"signed in without the name and password: {HostileInput.Shorten(c.Body)}");
                if (signedIn) return;
                // A refusal says it failed, not which of name and password was wrong (that would tell a guesser half the answer).
                Assert.True(response.StatusCode == HttpStatusCode.BadRequest || location.StartsWith("/console/login?", StringComparison.Ordinal) && location.Contains("error=", StringComparison.Ordinal),
                    $"{(int)response.StatusCode} to {location}: not a refusal with an error");
                Unchanged(before, await DumpAsync(), location + answer);
            }));
        }

        // The player's sign-in link: a token from the operator's site, in the query.
        const string Enter = "GET /enter?token=";
        using (var player = Browser(lobby.Url))
        {
            var valid = JsonSerializer.Serialize(new Dictionary<string, string> { ["token"] = lobby.PlayerToken("p-fuzz") });
            failures.AddRange(await HostileInput.RunAsync(Enter, HostileInput.From(valid), Inputs, seed++, async c =>
            {
                var before = await DumpAsync();
                var token = FormOf(c)?.GetValueOrDefault("token") ?? Encoding.UTF8.GetString(c.Bytes);
                // Past the server's request-line limit the answer is Kestrel's 414, which is no 5xx either.
                using var response = await player.GetAsync(new Uri("/enter?token=" + Uri.EscapeDataString(token.Length > 30_000 ? token[..30_000] : token), UriKind.Relative), ct);
                var answer = await response.Content.ReadAsStringAsync(ct);
                Assert.True((int)response.StatusCode < 500, $"{(int)response.StatusCode}: {HostileInput.Shorten(answer)}");
                if (response.StatusCode == HttpStatusCode.Redirect) return;
                Assert.True(response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.BadRequest or HttpStatusCode.RequestUriTooLong, $"{(int)response.StatusCode}: {answer}");
                if (response.StatusCode == HttpStatusCode.Unauthorized) Assert.Contains("token", answer, StringComparison.OrdinalIgnoreCase);
                Unchanged(before, await DumpAsync(), answer);
            }));
        }

        // The members' export, by a signed-in marketer, with hostile segment ids in the path.
        const string Export = "GET /console/segments/{id}/players.csv";
        using (var marketer = Browser(lobby.Url))
        {
            await SignInMarketerAsync(marketer, ct);
            using var intelligence = Backend.Client(backend.IntelligenceUrl);
            var created = await intelligence.PostAsJsonAsync("/v1/segments", new { name = "Fuzzed export", purpose = "marketing", rule = new { field = "lifetime.betCount", op = "gte", value = 1 } }, ct);
            created.EnsureSuccessStatusCode();
            var segmentId = (await created.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("id").GetString()!;
            var valid = JsonSerializer.Serialize(new Dictionary<string, string> { ["id"] = segmentId });
            failures.AddRange(await HostileInput.RunAsync(Export, HostileInput.From(valid), Inputs, seed++, async c =>
            {
                var before = await DumpAsync();
                var id = FormOf(c)?.GetValueOrDefault("id") ?? Encoding.UTF8.GetString(c.Bytes);
                var path = "/console/segments/" + Uri.EscapeDataString(id.Length > 20_000 ? id[..20_000] : id) + "/players.csv";
                using var response = await marketer.GetAsync(new Uri(path, UriKind.Relative), ct);
                var answer = await response.Content.ReadAsStringAsync(ct);
                Assert.True((int)response.StatusCode < 500, $"{(int)response.StatusCode}: {HostileInput.Shorten(answer)}");
                if (response.IsSuccessStatusCode) return;
                Unchanged(before, await DumpAsync(), answer);
            }));
        }

        // The hub's messages: SignalR's JSON protocol over a WebSocket, each hostile frame followed by a probe.
        const string Hub = "/hubs/lobby (messages)";
        var hubToken = lobby.PlayerToken("p-fuzz-hub");
        var socket = await HubSocket.ConnectAsync(lobby.Url, hubToken, ct);
        try
        {
            const string Valid = """{"type":1,"invocationId":"1","target":"LobbyUpdated","arguments":[{"playerId":"p-other","rows":[],"reason":"connected","at":"2026-11-20T12:00:00Z"}]}""";
            failures.AddRange(await HostileInput.RunAsync(Hub, HostileInput.From(Valid), Inputs, seed++, async c =>
            {
                var before = await DumpAsync();
                var reply = await socket.SendAndProbeAsync(c.Bytes, Answer, ct);
                // The connection either refused the frame and stayed (the probe answered), or was closed cleanly by the hub.
                Assert.True(reply is HubReply.ProbeAnswered or HubReply.Closed, $"the hub {reply} after the frame");
                if (reply == HubReply.Closed)
                {
                    socket.Dispose();
                    socket = await HubSocket.ConnectAsync(lobby.Url, hubToken, ct);
                }
                Unchanged(before, await DumpAsync(), reply.ToString());
            }));
        }
        finally
        {
            socket.Dispose();
        }
        // Still serving: a player connecting now is sent their rows, and the host was never stopped.
        await using (var client = await HubClient.ConnectAsync(lobby, "p-after-fuzz", ct))
        {
            await client.WaitForAsync(LobbyHub.ConnectedReason, TimeSpan.FromSeconds(30), ct);
        }
        Assert.False(lobby.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested, "the lobby stopped");

        output.WriteLine(HostileInput.Report([SignIn, Enter, Export, Hub]));
        Assert.True(failures.Count == 0, $"{failures.Count} inputs broke a property:\n{string.Join('\n', failures.Take(30))}");
    }

    [Fact]
    public async Task AHubFrameOfAnUnknownType_ClosesTheConnection_InsteadOfWedgingIt()
    {
        var ct = TestContext.Current.CancellationToken;
        var (lobby, _) = await StartAsync(await backends.OnAsync(StoreKinds.Redis));
        await using var _ = lobby;
        using var socket = await HubSocket.ConnectAsync(lobby.Url, lobby.PlayerToken("p-fuzz-type"), ct);

        // SignalR's own protocol "ignores" it, and its connection handler then processes nothing more, ever
        // (dotnet/aspnetcore#69285): the probe behind it would never be answered.
        Assert.Equal(HubReply.Closed, await socket.SendAndProbeAsync(Encoding.UTF8.GetBytes("""{"type":99,"invocationId":"1"}"""), Answer, ct));
        await using var client = await HubClient.ConnectAsync(lobby, "p-fuzz-type", ct);
        await client.WaitForAsync(LobbyHub.ConnectedReason, TimeSpan.FromSeconds(30), ct);
    }
}
