using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
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

    private readonly Service<Ingestion.IngestionEntryPoint> _ingestion;
    private readonly Service<Intelligence.IntelligenceEntryPoint> _intelligence;
    private readonly Service<Lobby.LobbyEntryPoint> _lobby;

    private Product(string redis, string lobbyEnvironment)
    {
        var prefix = TestKeys.Prefix("e2e");
        var common = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Redis"] = redis,
            ["Store:KeyPrefix"] = prefix,
            ["EmbeddedStore:Enabled"] = "false",
            ["ApiKeys:0:Name"] = "e2e",
            ["ApiKeys:0:Key"] = ApiKey,
            ["ApiKeys:0:Scopes"] = "events:write catalog:write players:erase scores:read segments:write models:admin",
            // One Intelligence instance: nobody to wait for before loading the segment index.
            ["Segments:JoinSettle"] = "00:00:00",
        };
        _ingestion = new Service<Ingestion.IngestionEntryPoint>(common);
        _intelligence = new Service<Intelligence.IntelligenceEntryPoint>(common);
        IngestionUrl = _ingestion.Start();
        IntelligenceUrl = _intelligence.Start();
        _lobby = new Service<Lobby.LobbyEntryPoint>(new Dictionary<string, string?>(common)
        {
            ["Lobby:IntelligenceUrl"] = IntelligenceUrl.ToString(),
            ["Lobby:IntelligenceApiKey"] = ApiKey,
            ["Lobby:TokenSigningKey"] = SigningKey,
            // The game view reports rounds to Ingestion as a game provider would.
            ["Lobby:Play:IngestionUrl"] = IngestionUrl.ToString(),
            ["Lobby:Play:IngestionApiKey"] = ApiKey,
            ["Console:IntelligenceApiKey"] = ApiKey,
            ["Console:Users:0:Name"] = MarketerName,
            ["Console:Users:0:Role"] = "marketer",
            // Few rounds: the hash is made at every start, and this password is no secret.
            ["Console:Users:0:PasswordHash"] = Lobby.Console.ConsolePasswords.Hash(MarketerPassword, 1_000),
        }, lobbyEnvironment);
        LobbyUrl = _lobby.Start();
    }

    public Uri IngestionUrl { get; }
    public Uri IntelligenceUrl { get; }
    public Uri LobbyUrl { get; }

    /// <param name="lobbyEnvironment">"Development" gives the lobby its development way in (<c>/dev/enter/{playerId}</c>).</param>
    public static async Task<Product> StartAsync(StoreServers servers, string lobbyEnvironment = "Testing") =>
        new((await servers.RedisAsync()).ConnectionString, lobbyEnvironment);

    public static HttpClient Client(Uri baseAddress)
    {
        var client = new HttpClient { BaseAddress = baseAddress };
        client.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return client;
    }

    /// <summary>A player token as the operator's site would sign it.</summary>
    public string PlayerToken(string playerId) =>
        ((Lobby.Players.PlayerTokens)_lobby.Services.GetService(typeof(Lobby.Players.PlayerTokens))!).Mint(playerId);

    public async ValueTask DisposeAsync()
    {
        await _lobby.DisposeAsync();
        await _intelligence.DisposeAsync();
        await _ingestion.DisposeAsync();
    }

    private sealed class Service<T>(IDictionary<string, string?> settings, string environment = "Testing") : WebApplicationFactory<T> where T : class
    {
        public Uri Start()
        {
            UseKestrel(FreePort.Get());
            StartServer();
            return ClientOptions.BaseAddress;
        }

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment(environment);
            // Outside Development, static web assets (MudBlazor's CSS/JS, blazor.web.js) come from the build's manifest only on request.
            builder.UseStaticWebAssets();
            builder.ConfigureAppConfiguration(c => c.AddInMemoryCollection(settings));
        }
    }
}
