using System.Net.Http.Headers;
using TestSupport;

namespace EndToEnd.Tests;

/// <summary>
/// The three services, each on a real Kestrel port on 127.0.0.1, sharing one real store and one key prefix:
/// what the one-command run starts, minus the embedded store. Disposing stops all three.
/// </summary>
public sealed class Product : IAsyncDisposable
{
    public const string ApiKey = "e2e-key";
    public const string SigningKey = "end-to-end-tests-player-token-signing-key-0123456789";

    /// <summary>The console's marketer (Console:Users), signing in through the login page.</summary>
    public const string MarketerName = "e2e-marketer";
    public const string MarketerPassword = "e2e-marketer-password";

    /// <summary>The console's admin, who also sees the audit log.</summary>
    public const string AdminName = "e2e-admin";
    public const string AdminPassword = "e2e-admin-password";
    public const string OfficerName = "e2e-safety";
    public const string OfficerPassword = "e2e-safety-password";

    private readonly Dictionary<string, string?> _common;
    private readonly string _lobbyEnvironment;
    private readonly KestrelService<Ingestion.IngestionEntryPoint> _ingestion;
    private KestrelService<Intelligence.IntelligenceEntryPoint>? _intelligence;
    private KestrelService<Lobby.LobbyEntryPoint>? _lobby;

    private Product(string redis, string lobbyEnvironment)
    {
        Prefix = TestKeys.Prefix("e2e");
        _lobbyEnvironment = lobbyEnvironment;
        _common = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Redis"] = redis,
            ["Store:KeyPrefix"] = Prefix,
            ["EmbeddedStore:Enabled"] = "false",
            ["ApiKeys:0:Name"] = "e2e",
            ["ApiKeys:0:Key"] = ApiKey,
            ["ApiKeys:0:Scopes"] = "events:write events:rg catalog:write players:erase scores:read segments:write audit:read segments:export models:admin webhooks:write affiliates:read ops:read harm:cases",
            // The tests' CRM receivers listen on 127.0.0.1.
            ["Webhooks:AllowPrivateAddresses"] = "true",
            // One Intelligence instance: nobody to wait for before loading the segment index.
            ["Segments:JoinSettle"] = "00:00:00",
            // Every player sees the placements and personalised rows a scenario sets up: no control groups held out.
            ["Experiments:DefaultControlShare"] = "0",
            ["Experiments:LobbyControlShare"] = "0",
        };
        _ingestion = new KestrelService<Ingestion.IngestionEntryPoint>(_common, staticWebAssets: true);
        IngestionUrl = _ingestion.Start();
    }

    /// <summary>The key prefix of this product's data in the shared store.</summary>
    public string Prefix { get; }

    public Uri IngestionUrl { get; }
    public Uri IntelligenceUrl { get; private set; } = default!;
    public Uri LobbyUrl { get; private set; } = default!;

    /// <summary>Intelligence, then the lobby, on top of the running Ingestion.</summary>
    private void StartTheRest()
    {
        _intelligence = new KestrelService<Intelligence.IntelligenceEntryPoint>(_common, staticWebAssets: true);
        IntelligenceUrl = _intelligence.Start();
        _lobby = new KestrelService<Lobby.LobbyEntryPoint>(new Dictionary<string, string?>(_common)
        {
            ["Lobby:IntelligenceUrl"] = IntelligenceUrl.ToString(),
            ["Lobby:IntelligenceApiKey"] = ApiKey,
            ["Lobby:TokenSigningKey"] = SigningKey,
            // Every test player connects from 127.0.0.1.
            ["RateLimits:EnterPerAddress"] = "1000000",
            ["RateLimits:HubConnectsPerAddress"] = "1000000",
            // The game view reports rounds to Ingestion as a game provider would.
            ["Lobby:Play:IngestionUrl"] = IngestionUrl.ToString(),
            ["Lobby:Play:IngestionApiKey"] = ApiKey,
            ["Console:IntelligenceApiKey"] = ApiKey,
            // The operations page reads Ingestion's feeds, reconciliation and alerts.
            ["Console:IngestionUrl"] = IngestionUrl.ToString(),
            ["Console:IngestionApiKey"] = ApiKey,
            ["Console:Users:0:Name"] = MarketerName,
            ["Console:Users:0:Role"] = "marketer",
            // Few rounds: the hash is made at every start, and these passwords are no secret.
            ["Console:Users:0:PasswordHash"] = Lobby.Console.ConsolePasswords.Hash(MarketerPassword, 1_000),
            ["Console:Users:1:Name"] = AdminName,
            ["Console:Users:1:Role"] = "admin",
            ["Console:Users:1:PasswordHash"] = Lobby.Console.ConsolePasswords.Hash(AdminPassword, 1_000),
            ["Console:Users:2:Name"] = OfficerName,
            ["Console:Users:2:Role"] = "safer-gambling",
            ["Console:Users:2:PasswordHash"] = Lobby.Console.ConsolePasswords.Hash(OfficerPassword, 1_000),
        }, _lobbyEnvironment, staticWebAssets: true);
        LobbyUrl = _lobby.Start();
    }

    /// <param name="lobbyEnvironment">"Development" gives the lobby its development way in (<c>/dev/enter/{playerId}</c>).</param>
    /// <param name="beforeIntelligence">What to do once Ingestion runs and before Intelligence starts (and trains on what the store holds).</param>
    public static async Task<Product> StartAsync(StoreServers servers, string lobbyEnvironment = "Testing", Func<Product, Task>? beforeIntelligence = null)
    {
        var product = new Product((await servers.RedisAsync()).ConnectionString, lobbyEnvironment);
        try
        {
            if (beforeIntelligence is not null) await beforeIntelligence(product);
            product.StartTheRest();
            return product;
        }
        catch
        {
            await product.DisposeAsync();
            throw;
        }
    }

    public static HttpClient Client(Uri baseAddress)
    {
        var client = new HttpClient { BaseAddress = baseAddress };
        client.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return client;
    }

    /// <summary>A player token as the operator's site would sign it.</summary>
    public string PlayerToken(string playerId) =>
        ((Lobby.Players.PlayerTokens)_lobby!.Services.GetService(typeof(Lobby.Players.PlayerTokens))!).Mint(playerId);

    public async ValueTask DisposeAsync()
    {
        if (_lobby is not null) await _lobby.DisposeAsync();
        if (_intelligence is not null) await _intelligence.DisposeAsync();
        await _ingestion.DisposeAsync();
    }
}
