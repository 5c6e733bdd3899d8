using System.Net.Http.Headers;
using System.Text;
using Lobby.Players;
using Microsoft.Extensions.Options;
using TestSupport;

namespace Lobby.Benchmarks;

/// <summary>
/// What the benchmarks measure: either the whole product started here (a private redis-server, then Ingestion,
/// Intelligence and the lobby as child processes, as <c>./run.sh</c> runs them minus the demo), or a running product
/// named by its URLs. Player tokens are minted here with the lobby's signing key, as the operator's site would.
/// </summary>
internal sealed class Product : IAsyncDisposable
{
    public const string BenchSigningKey = "lobby-benchmark-player-token-signing-key-0123456789";

    private readonly List<IDisposable> _processes = [];
    private RedisServer? _redis;

    private Product(string apiKey, string signingKey)
    {
        ApiKey = apiKey;
        Tokens = new PlayerTokens(Options.Create(new LobbyOptions { TokenSigningKey = signingKey }), TimeProvider.System);
    }

    public Uri LobbyUrl { get; private set; } = null!;

    public Uri IngestionUrl { get; private set; } = null!;

    public string ApiKey { get; }

    public PlayerTokens Tokens { get; }

    /// <summary>The lobby's process, when known (started here, or named with --lobby-pid), for its memory.</summary>
    public int? LobbyProcessId { get; private set; }

    public static async Task<Product> StartAsync(Target target, CancellationToken ct)
    {
        System.Console.WriteLine($"load average: {File.ReadAllText("/proc/loadavg").Trim()}; {Environment.ProcessorCount} cores");
        if (target.Lobby is not null)
        {
            var running = new Product(target.ApiKey ?? "dev-key", target.SigningKey ?? LobbyOptions.DevelopmentSigningKey)
            {
                LobbyUrl = target.Lobby,
                IngestionUrl = target.Ingestion ?? throw new ArgumentException("--ingestion is required with --lobby"),
                LobbyProcessId = target.LobbyPid,
            };
            System.Console.WriteLine($"measuring the running product: lobby {running.LobbyUrl}, ingestion {running.IngestionUrl}");
            return running;
        }

        const string key = "lobby-bench-key";
        var product = new Product(key, BenchSigningKey);
        try
        {
            product._redis = await RedisServer.StartAsync(cancellationToken: ct);
            var redis = product._redis.ConnectionString;
            var ingestion = await ServiceProcess.StartIngestionAsync(redis, key, new Dictionary<string, string> { ["ApiKeys__0__Scopes"] = "events:write events:rg catalog:write" }, ct);
            product._processes.Add(ingestion);
            var common = new Dictionary<string, string>
            {
                ["ConnectionStrings__Redis"] = redis,
                ["EmbeddedStore__Enabled"] = "false",
                ["DEMO"] = "0",
                ["ApiKeys__0__Name"] = "benchmark",
                ["ApiKeys__0__Key"] = key,
                ["ApiKeys__0__Scopes"] = "scores:read models:admin",
            };
            var intelligence = await StartLoggedAsync(Services.Intelligence, common, ct);
            product._processes.Add(intelligence);
            // Development, as ./run.sh runs it, so the page's static assets (MudBlazor, blazor.web.js) are served from the build.
            var lobby = await StartLoggedAsync(Services.Lobby, new Dictionary<string, string>(common)
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Development",
                ["Lobby__IntelligenceUrl"] = intelligence.Address.ToString(),
                ["Lobby__IntelligenceApiKey"] = key,
                ["Lobby__TokenSigningKey"] = BenchSigningKey,
                // Every simulated player connects from 127.0.0.1.
                ["RateLimits__EnterPerAddress"] = "1000000",
                ["RateLimits__HubConnectsPerAddress"] = "1000000",
            }.Concat(target.LobbyEnvironment).ToDictionary(), ct);
            product._processes.Add(lobby);
            product.IngestionUrl = ingestion.Address;
            product.LobbyUrl = lobby.Address;
            product.LobbyProcessId = lobby.Process.Id;
            System.Console.WriteLine($"started redis {redis}, ingestion {ingestion.Address}, intelligence {intelligence.Address}, lobby {lobby.Address} (pid {lobby.Process.Id})");
            return product;
        }
        catch
        {
            await product.DisposeAsync();
            throw;
        }
    }

    /// <summary>A service started here, its output (warnings and up) also in a file to read when a figure looks wrong.</summary>
    private static Task<ServiceProcess> StartLoggedAsync(string service, IReadOnlyDictionary<string, string> settings, CancellationToken ct)
    {
        var log = Path.Combine(Path.GetTempPath(), $"lobby-bench-{service}-{Environment.ProcessId}.log");
        System.Console.WriteLine($"{service} logs to {log}");
        return ServiceProcess.StartAsync(service, settings, null, log, ct);
    }

    public HttpClient Ingestion()
    {
        var http = new HttpClient { BaseAddress = IngestionUrl, Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
        http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return http;
    }

    /// <summary>The lobby process's resident memory in bytes, or null when the process is not known.</summary>
    public long? LobbyResidentBytes()
    {
        if (LobbyProcessId is not { } pid) return null;
        var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return line is null ? null : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
    }

    public async ValueTask DisposeAsync()
    {
        for (var i = _processes.Count - 1; i >= 0; i--) _processes[i].Dispose();
        if (_redis is not null) await _redis.DisposeAsync();
    }
}

/// <summary>Where to measure: nothing given starts the product here.</summary>
internal sealed record Target(Uri? Lobby, Uri? Ingestion, string? ApiKey, string? SigningKey, int? LobbyPid, IReadOnlyDictionary<string, string> LobbyEnvironment);

/// <summary>The operator's side: a catalogue, and bets as CloudEvents, one at a time or as NDJSON batches.</summary>
internal static class Casino
{
    public const int Games = 120;

    public static string GameId(int i) => $"g-bench-{i % Games:000}";

    public static async Task LoadCatalogueAsync(HttpClient ingestion, CancellationToken ct)
    {
        var games = string.Join(",\n", Enumerable.Range(0, Games).Select(i =>
            $$"""{"id":"{{GameId(i)}}","title":"Bench Game {{i}}","provider":"Provider {{i % 7}}","category":"{{(i % 3 == 0 ? "live" : "slots")}}","tags":["t{{i % 5}}"],"rtp":96.0,"volatility":"medium","minBet":0.1,"maxBet":100,"jackpot":false,"markets":["*"],"releasedAt":"2020-01-01T00:00:00Z","enabled":true}"""));
        using var response = await ingestion.PutAsync(new Uri("/v1/catalog/games", UriKind.Relative), new StringContent($"[{games}]", Encoding.UTF8, "application/json"), ct);
        response.EnsureSuccessStatusCode();
    }

    public static string Bet(string playerId, string gameId)
    {
        var id = Guid.NewGuid().ToString("N");
        return $$$"""{"specversion":"1.0","id":"b-{{{id}}}","source":"/wallet","type":"wallet.bet","time":"{{{DateTimeOffset.UtcNow:O}}}","subject":"{{{playerId}}}","data":{"transactionId":"tx-{{{id}}}","roundId":"r-{{{id}}}","gameId":"{{{gameId}}}","amount":1.50,"currency":"EUR"}}""";
    }

    public static async Task PostBetAsync(HttpClient ingestion, string playerId, string gameId, CancellationToken ct)
    {
        using var content = new StringContent(Bet(playerId, gameId), Encoding.UTF8, "application/cloudevents+json");
        using var response = await ingestion.PostAsync(new Uri("/v1/events", UriKind.Relative), content, ct);
        response.EnsureSuccessStatusCode();
    }

    public static async Task PostBetsAsync(HttpClient ingestion, IEnumerable<(string Player, string Game)> bets, CancellationToken ct)
    {
        using var content = new StringContent(string.Join('\n', bets.Select(b => Bet(b.Player, b.Game))), Encoding.UTF8, "application/x-ndjson");
        using var response = await ingestion.PostAsync(new Uri("/v1/events", UriKind.Relative), content, ct);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>One bet for each player, in batches, so each has a profile and rows before the measurement.</summary>
    public static async Task GiveProfilesAsync(HttpClient ingestion, IReadOnlyList<string> players, CancellationToken ct)
    {
        foreach (var chunk in players.Chunk(1000))
        {
            await PostBetsAsync(ingestion, chunk.Select((p, i) => (p, GameId(i))), ct);
        }
    }
}
