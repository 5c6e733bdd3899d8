using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Lobby.Players;
using Microsoft.Extensions.Options;
using Shared.Contracts;
using Shared.Store;
using StackExchange.Redis;
using TestSupport;

namespace Lobby.IntegrationTests;

/// <summary>
/// The whole product scaled out on a Redis Cluster: two Ingestion, two Intelligence and two lobby processes (the built
/// dlls, configured as an operator would), bets sent round-robin to the two Ingestions, the lobbies reaching
/// Intelligence through a round-robin proxy. Mid-load one process of each service is killed. Then every acknowledged
/// bet is counted once, the dead Intelligence's rescoring and index partitions are taken over, segment membership is
/// exact with one webhook event per entry, pushes keep reaching players through the backplane, and sign-in throttling
/// counts failures made at either lobby.
/// </summary>
[Trait("Category", "Slow")]
public sealed class ScaleOutTests(ITestOutputHelper output)
{
    internal const string ApiKey = "scale-out-key";
    private const string SigningKey = "scale-out-tests-player-token-signing-key-0123456789";
    private const string Marketer = "marketer";
    private const string Password = "marketer-password";
    private const int Active = 120;
    private const int Idle = 40;
    private const int Threshold = 12;
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(90);
    private static readonly string[] SegmentEntered = ["segment.entered"];

    [Fact]
    public async Task TwoOfEachService_OneOfEachKilledMidLoad_LosesNothing_DoublesNothing_AndTheSurvivorsTakeOver()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await RedisCluster.StartAsync(cancellationToken: ct);
        var prefix = TestKeys.Prefix("scale-out");
        var keys = new StoreKeys(prefix);
        var common = new Dictionary<string, string>
        {
            ["ConnectionStrings__Redis"] = cluster.ConnectionString,
            ["Store__KeyPrefix"] = prefix,
            ["ApiKeys__0__Name"] = "scale-out",
            ["ApiKeys__0__Key"] = ApiKey,
            ["ApiKeys__0__Scopes"] = "events:write events:rg catalog:write players:erase scores:read segments:write audit:read segments:export models:admin webhooks:write affiliates:read ops:read harm:cases",
        };
        var intelligenceSettings = new Dictionary<string, string>(common)
        {
            // The test's CRM receiver listens on http://127.0.0.1 (the processes run as Production).
            ["Webhooks__AllowPrivateAddresses"] = "true",
            ["Webhooks__RequireHttps"] = "false",
            // Short leases: a dead instance's rescoring claims, index partitions and announcements move within seconds.
            ["Scoring__RescoreLease"] = "00:00:03",
            ["Segments__InstanceLease"] = "00:00:03",
            ["Segments__AnnounceGrace"] = "00:00:03",
            ["Segments__IndexPartitions"] = "32",
            ["Webhooks__PollInterval"] = "00:00:00.050",
            // Deliveries the dead instance had claimed are redelivered once their lease runs out: the default 5 min made
            // this test wait for them whenever the kill caught a batch in flight (a busy machine's CI run).
            // (A lease must cover two batches' budget: Timeout x BatchSize / Parallelism, here 2 s.)
            ["Webhooks__Lease"] = "00:00:06",
            ["Webhooks__Timeout"] = "00:00:02",
            ["Webhooks__BatchSize"] = "8",
            ["Training__TrainWhenMissing"] = "false",
            ["Recommendations__TrainOnStart"] = "false",
        };
        var starting = new[]
        {
            ServiceProcess.StartAsync(Services.Ingestion, common, ct), ServiceProcess.StartAsync(Services.Ingestion, common, ct),
            ServiceProcess.StartAsync(Services.Intelligence, intelligenceSettings, ct), ServiceProcess.StartAsync(Services.Intelligence, intelligenceSettings, ct),
        };
        using var processes = new Processes();
        await processes.AddAsync(starting);
        var (ingestion1, ingestion2, intelligence1, intelligence2) = (processes[0], processes[1], processes[2], processes[3]);
        await using var intelligence = RoundRobinProxy.Start([intelligence1.Address, intelligence2.Address]);
        var lobbySettings = new Dictionary<string, string>(common)
        {
            ["Lobby__IntelligenceUrl"] = intelligence.Address.ToString(),
            ["Lobby__IntelligenceApiKey"] = ApiKey,
            ["Lobby__TokenSigningKey"] = SigningKey,
            ["RateLimits__EnterPerAddress"] = "1000000",
            ["RateLimits__HubConnectsPerAddress"] = "1000000",
            ["Console__IntelligenceApiKey"] = ApiKey,
            // The test's browser speaks plain http to the lobbies (no TLS here), so Production's Secure cookies are off.
            ["Cookies__Secure"] = "false",
            ["Console__Users__0__Name"] = Marketer,
            ["Console__Users__0__Role"] = "marketer",
            ["Console__Users__0__PasswordHash"] = Lobby.Console.ConsolePasswords.Hash(Password, 1_000),
        };
        await processes.AddAsync([ServiceProcess.StartAsync(Services.Lobby, lobbySettings, ct), ServiceProcess.StartAsync(Services.Lobby, lobbySettings, ct)]);
        var (lobby1, lobby2) = (processes[4], processes[5]);

        using var ingestions = new Clients(ingestion1.Address, ingestion2.Address);
        using var toIntelligence = Client(intelligence.Address);
        var active = Enumerable.Range(0, Active).Select(i => $"p-so-{i}").ToList();
        var idle = Enumerable.Range(0, Idle).Select(i => $"p-so-idle-{i}").ToList();
        await SetUpAsync(ingestions[0], active.Concat(idle), ct);
        await using var receiver = await WebhookReceiver.StartAsync();
        (await toIntelligence.PostAsJsonAsync("/v1/webhooks", new { url = receiver.Url, events = SegmentEntered, secret = "scale-out-webhook-secret-0123" }, ct)).EnsureSuccessStatusCode();
        var created = await toIntelligence.PostAsJsonAsync("/v1/segments", new
        {
            name = "Regulars", purpose = "marketing", channel = "email", rule = new { field = "lifetime.stakeAmount", op = "gte", value = Threshold },
        }, ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var segmentId = (await created.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("id").GetString()!;

        // Sign-in throttling, with both lobbies up: failures alternate between them on one browser session.
        Assert.Equal("failed", await SignInErrorAsync([lobby1.Address, lobby2.Address], 5, "wrong", ct));
        Assert.Equal("locked", await SignInErrorAsync([lobby2.Address, lobby1.Address], 1, Password, ct));

        var tokens = new PlayerTokens(Options.Create(new LobbyOptions { TokenSigningKey = SigningKey }), TimeProvider.System);
        var (a, b) = (active[0], active[1]);
        await using var onFirst = await HubClient.ConnectAsync(lobby1.Address, tokens.Mint(a), ct);
        var onSecond = await HubClient.ConnectAsync(lobby2.Address, tokens.Mint(b), ct);

        var sender = new BetSender([ingestions[0], ingestions[1]], active, seed: 41) { Pause = TimeSpan.FromMilliseconds(25) };
        using var stop = new CancellationTokenSource();
        var load = Task.Run(() => sender.RunAsync(stop.Token), ct);
        await Task.Delay(TimeSpan.FromSeconds(4), ct);

        ingestion2.Kill();
        intelligence1.Kill();
        lobby2.Kill();
        var killedAt = DateTimeOffset.UtcNow;
        output.WriteLine($"killed one of each after {sender.Batches} batches");
        await onSecond.DisposeAsync();
        // The second lobby's player comes back through the balancer, which sends them to the first.
        await using var reconnected = await HubClient.ConnectAsync(lobby1.Address, tokens.Mint(b), ct);
        await Task.Delay(TimeSpan.FromSeconds(8), ct);
        await stop.CancelAsync();
        await load;
        output.WriteLine($"{sender.Batches} batches, {sender.Failed} not acknowledged and resent, {sender.Resent} resent on purpose");

        using var redis = await ConnectionMultiplexer.ConnectAsync(cluster.ConnectionString);
        var db = redis.GetDatabase();
        var reader = new ProfileReader(redis, keys, TimeProvider.System);
        var acknowledged = sender.Acknowledged;
        var profiles = new Dictionary<string, PlayerProfile>(StringComparer.Ordinal);
        foreach (var player in active)
        {
            var profile = (await reader.ReadAsync(player, _ => null))!;
            // Every acknowledged bet once: none lost with the dead Ingestion, none counted twice when resent.
            Assert.True(acknowledged[player] == profile.Lifetime.BetCount, $"{player}: {acknowledged[player]} acknowledged, {profile.Lifetime.BetCount} counted");
            profiles[player] = profile;
        }
        Assert.True(sender.Failed > 0, "requests to the dead Ingestion failed and were resent to the other");

        // Rescoring taken over: the dead instance's claims came back, and every player's last change was scored.
        await UntilAsync(async () => await db.SortedSetLengthAsync(keys.RescorePending) + await db.SortedSetLengthAsync(keys.RescoreClaimed) == 0,
            "the change feed to drain");
        foreach (var (player, profile) in profiles)
        {
            var scoredAt = (long)await db.HashGetAsync(keys.Scores(player), "at");
            Assert.True(scoredAt >= profile.Lifetime.LastBetAt!.Value.ToUnixTimeMilliseconds(), $"{player} was not rescored after its last bet");
        }

        // Membership exact, from the survivor: the regulars are in, the idle never were.
        var expected = profiles.Where(p => p.Value.Lifetime.StakeAmount >= Threshold).Select(p => p.Key).Order(StringComparer.Ordinal).ToList();
        Assert.True(expected.Count > Active / 2, $"only {expected.Count} players reached the threshold");
        using var survivor = Client(intelligence2.Address);
        await UntilAsync(async () => (await MembersAsync(survivor, segmentId, ct)).SequenceEqual(expected), "the segment to hold exactly the regulars");

        // One segment.entered event per member, none for anyone else (a delivery resent after a crash carries the same id).
        await UntilAsync(() => Task.FromResult(Entered(receiver).Count == expected.Count), "a webhook for every member");
        var entered = Entered(receiver);
        Assert.Equal(expected, entered.Keys.Order(StringComparer.Ordinal));
        Assert.All(entered, e => Assert.True(e.Value.Count == 1, $"{e.Key} entered under {e.Value.Count} event ids"));

        // The dead Intelligence's index partitions are served by the survivor: a preview covers every player.
        var preview = await survivor.PostAsJsonAsync("/v1/segments/preview", new { rule = new { field = "lifetime.betCount", op = "gte", value = 0 }, purpose = "analysis" }, ct);
        Assert.Equal(HttpStatusCode.OK, preview.StatusCode);
        Assert.Equal(Active + Idle, (await preview.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("evaluated").GetInt64());

        // Pushes kept coming through the backplane: to the player who stayed, and to the one who came over.
        Assert.Contains(onFirst.Received, u => u.Reason == "wallet.bet" && u.At > killedAt);
        Assert.Contains(reconnected.Received, u => u.Reason == "wallet.bet");
        Assert.All(onFirst.Received, u => Assert.Equal(a, u.PlayerId));
        Assert.All(reconnected.Received, u => Assert.Equal(b, u.PlayerId));
    }

    /// <summary>Registers every player with an email consent, and the game the bets are on.</summary>
    internal static async Task SetUpAsync(HttpClient ingestion, IEnumerable<string> players, CancellationToken ct)
    {
        const string game = """[{"id":"g-load","title":"Load","provider":"NetEnt","category":"slots","tags":[],"rtp":96,"volatility":"low","minBet":0.1,"maxBet":100,"jackpot":false,"markets":["*"],"releasedAt":"2020-01-01T00:00:00Z","enabled":true}]""";
        (await ingestion.PutAsync("/v1/catalog/games", new StringContent(game, Encoding.UTF8, "application/json"), ct)).EnsureSuccessStatusCode();
        var body = new StringBuilder();
        foreach (var p in players)
        {
            body.Append(CultureInfo.InvariantCulture, $$$"""{"specversion":"1.0","id":"reg-{{{p}}}","source":"/pam","type":"player.registered","subject":"{{{p}}}","data":{"country":"MT","currency":"EUR"}}""").Append('\n');
            body.Append(CultureInfo.InvariantCulture, $$$"""{"specversion":"1.0","id":"consent-{{{p}}}","source":"/pam","type":"player.consent","subject":"{{{p}}}","data":{"channel":"email","granted":true}}""").Append('\n');
        }
        (await ingestion.PostAsync("/v1/events", new StringContent(body.ToString(), Encoding.UTF8, "application/x-ndjson"), ct)).EnsureSuccessStatusCode();
    }

    /// <summary>
    /// Signs in <paramref name="times"/> times with the password, on one browser session whose login form comes from
    /// the first lobby and whose posts go to the lobbies in turn; returns the error of the last attempt.
    /// </summary>
    private static async Task<string?> SignInErrorAsync(IReadOnlyList<Uri> lobbies, int times, string password, CancellationToken ct)
    {
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() }) { BaseAddress = lobbies[0] };
        var login = await browser.GetStringAsync(new Uri("/console/login", UriKind.Relative), ct);
        var token = WebUtility.HtmlDecode(Regex.Match(login, "name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]+)\"").Groups[1].Value);
        Assert.NotEmpty(token);
        string? error = null;
        for (var i = 0; i < times; i++)
        {
            using var form = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["__RequestVerificationToken"] = token, ["name"] = Marketer, ["password"] = password, ["returnUrl"] = "/console",
            });
            var response = await browser.PostAsync(new Uri(lobbies[i % lobbies.Count], "/console/signin"), form, ct);
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            error = Regex.Match(response.Headers.Location!.OriginalString, "error=([a-z-]+)") is { Success: true } m ? m.Groups[1].Value : null;
        }
        return error;
    }

    internal static async Task<List<string>> MembersAsync(HttpClient intelligence, string segmentId, CancellationToken ct)
    {
        var page = await intelligence.GetFromJsonAsync<JsonElement>($"/v1/segments/{segmentId}/players?limit=1000", ct);
        return [.. page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("playerId").GetString()!)];
    }

    /// <summary>The segment.entered events received, by player: the distinct event ids.</summary>
    internal static Dictionary<string, HashSet<string>> Entered(WebhookReceiver receiver)
    {
        var byPlayer = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var request in receiver.Requests)
        {
            using var body = JsonDocument.Parse(request.Body);
            if (body.RootElement.GetProperty("type").GetString() != "segment.entered") continue;
            var player = body.RootElement.GetProperty("playerId").GetString()!;
            if (!byPlayer.TryGetValue(player, out var ids)) byPlayer[player] = ids = new HashSet<string>(StringComparer.Ordinal);
            ids.Add(body.RootElement.GetProperty("id").GetString()!);
        }
        return byPlayer;
    }

    private static async Task UntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Settle;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out after {Settle.TotalSeconds:0} s waiting for {what}");
            await Task.Delay(200);
        }
    }

    internal static HttpClient Client(Uri address)
    {
        var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
        return client;
    }

    /// <summary>HTTP clients with the API key, one per Ingestion instance.</summary>
    private sealed class Clients(params Uri[] addresses) : IDisposable
    {
        private readonly HttpClient[] _clients = [.. addresses.Select(Client)];

        public HttpClient this[int i] => _clients[i];

        public void Dispose()
        {
            foreach (var c in _clients) c.Dispose();
        }
    }

    /// <summary>The child processes, killed when the test ends whatever happened.</summary>
    private sealed class Processes : IDisposable
    {
        private readonly List<ServiceProcess> _all = [];

        public ServiceProcess this[int i] => _all[i];

        public async Task AddAsync(IEnumerable<Task<ServiceProcess>> starting)
        {
            var tasks = starting.ToList();
            try
            {
                await Task.WhenAll(tasks);
            }
            finally
            {
                _all.AddRange(tasks.Where(t => t.IsCompletedSuccessfully).Select(t => t.Result));
            }
        }

        public void Dispose()
        {
            foreach (var p in _all) p.Dispose();
        }
    }
}
