using System.Net.Http.Headers;
using Lobby.Players;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using TestSupport;

namespace Lobby.IntegrationTests;

/// <summary>
/// What the lobby stands on: a real redis-server (or Redis Cluster), and Ingestion and Intelligence each on a real
/// Kestrel port on 127.0.0.1, sharing one key prefix (what the one-command run starts, minus the embedded store).
/// Tests get one from <see cref="Backends"/> and start as many lobbies on top as they need with <see cref="StartLobby"/>.
/// </summary>
public sealed class Backend : IAsyncLifetime
{
    public const string ApiKey = "lobby-it-key";
    public const string SigningKey = "lobby-integration-tests-player-token-signing-key-0123";

    private readonly string _store;
    private IAsyncDisposable? _server;
    private KestrelService<Ingestion.IngestionEntryPoint>? _ingestion;
    private KestrelService<Intelligence.IntelligenceEntryPoint>? _intelligence;
    private string? _redis;

    /// <param name="store"><see cref="StoreKinds.Redis"/> or <see cref="StoreKinds.Cluster"/>.</param>
    public Backend(string store)
    {
        _store = store;
    }

    /// <summary>The store's connection string (every node's, for a cluster).</summary>
    public string Redis => _redis ?? throw new InvalidOperationException("The backend has not started.");

    public string Prefix { get; } = TestKeys.Prefix("lobby-it");

    /// <summary>The single redis-server it started (null on a cluster), for a test that stops and restarts it.</summary>
    public RedisServer? Server => _server as RedisServer;

    public Uri IngestionUrl { get; private set; } = null!;

    public Uri IntelligenceUrl { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        if (_store == StoreKinds.Cluster)
        {
            var cluster = await RedisCluster.StartAsync();
            (_server, _redis) = (cluster, cluster.ConnectionString);
        }
        else
        {
            var redis = await RedisServer.StartAsync();
            (_server, _redis) = (redis, redis.ConnectionString);
        }
        _ingestion = new KestrelService<Ingestion.IngestionEntryPoint>(Common(Prefix));
        _intelligence = new KestrelService<Intelligence.IntelligenceEntryPoint>(Common(Prefix));
        IngestionUrl = _ingestion.Start();
        IntelligenceUrl = _intelligence.Start();
    }

    /// <summary>
    /// A lobby on its own Kestrel port on this backend, configured as an operator would; <paramref name="settings"/>
    /// override (e.g. <c>Lobby:Backplane</c>, <c>Store:KeyPrefix</c>). The caller disposes it.
    /// </summary>
    public LobbyInstance StartLobby(IReadOnlyDictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?>(Common(Prefix))
        {
            ["Lobby:IntelligenceUrl"] = IntelligenceUrl.ToString(),
            ["Lobby:IntelligenceApiKey"] = ApiKey,
            ["Lobby:TokenSigningKey"] = SigningKey,
            // Every test's players come from 127.0.0.1: the per-address limits are for the tests that test them.
            ["RateLimits:EnterPerAddress"] = "1000000",
            ["RateLimits:HubConnectsPerAddress"] = "1000000",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) all[key] = value;
        var lobby = new KestrelService<LobbyEntryPoint>(all);
        return new LobbyInstance(lobby, lobby.Start());
    }

    /// <summary>An HTTP client that sends this backend's API key (all scopes).</summary>
    public static HttpClient Client(Uri baseAddress)
    {
        var client = new HttpClient { BaseAddress = baseAddress };
        client.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        if (_intelligence is not null) await _intelligence.DisposeAsync();
        if (_ingestion is not null) await _ingestion.DisposeAsync();
        if (_server is not null) await _server.DisposeAsync();
    }

    private Dictionary<string, string?> Common(string prefix) => new()
    {
        ["ConnectionStrings:Redis"] = Redis,
        ["Store:KeyPrefix"] = prefix,
        ["EmbeddedStore:Enabled"] = "false",
        ["ApiKeys:0:Name"] = "lobby-it",
        ["ApiKeys:0:Key"] = ApiKey,
        ["ApiKeys:0:Scopes"] = "events:write events:rg catalog:write players:erase scores:read segments:write audit:read segments:export models:admin affiliates:read ops:read harm:cases",
        ["Segments:JoinSettle"] = "00:00:00",
    };
}

/// <summary>
/// The backend on each kind of Redis deployment, each started the first time a test asks for it and stopped with the
/// assembly: <c>[Theory, ClassData(typeof(RedisKinds))]</c> then <c>await backends.OnAsync(store)</c>.
/// </summary>
public sealed class Backends : IAsyncDisposable
{
    private readonly Lazy<Task<Backend>> _redis = new(() => StartAsync(StoreKinds.Redis));
    private readonly Lazy<Task<Backend>> _cluster = new(() => StartAsync(StoreKinds.Cluster));

    public Task<Backend> OnAsync(string store) => store switch
    {
        StoreKinds.Redis => _redis.Value,
        StoreKinds.Cluster => _cluster.Value,
        _ => throw new ArgumentOutOfRangeException(nameof(store), store, $"expected \"{StoreKinds.Redis}\" or \"{StoreKinds.Cluster}\""),
    };

    public async ValueTask DisposeAsync()
    {
        if (_redis.IsValueCreated) await (await _redis.Value).DisposeAsync();
        if (_cluster.IsValueCreated) await (await _cluster.Value).DisposeAsync();
    }

    private static async Task<Backend> StartAsync(string store)
    {
        var backend = new Backend(store);
        await backend.InitializeAsync();
        return backend;
    }
}

/// <summary>One running lobby: its address and its services (the hub context, the token signer).</summary>
public sealed class LobbyInstance(WebApplicationFactory<LobbyEntryPoint> host, Uri url) : IAsyncDisposable
{
    public Uri Url { get; } = url;

    public IServiceProvider Services => host.Services;

    /// <summary>A player token as the operator's site would sign it with the shared secret.</summary>
    public string PlayerToken(string playerId) => Services.GetRequiredService<PlayerTokens>().Mint(playerId);

    public ValueTask DisposeAsync() => host.DisposeAsync();
}
