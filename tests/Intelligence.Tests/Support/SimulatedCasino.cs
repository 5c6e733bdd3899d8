using Shared.Contracts;
using System.Net.Http.Json;
using Ingestion.Commands;
using Ingestion.DeadLetters;
using Ingestion.Events;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Shared.Store;
using Simulator;
using Simulator.History;
using TestSupport;

namespace Intelligence.Tests.Support;

/// <summary>
/// A simulated casino's history (tests/Simulator) loaded into a real Redis through Ingestion's own backfill, with its
/// game catalogue, once per test assembly; tests train and score on it under its key prefix, and post live events
/// through <see cref="Ingestion"/>. Its history ends on the day of <see cref="Clock"/>, a fixed instant
/// (<see cref="AnchoredClock.Anchor"/>), and every service on it reads that clock: the same casino and the same
/// models on any day the suite runs.
/// </summary>
public sealed class SimulatedCasino : IAsyncLifetime
{
    public const int Players = 900;
    public const int Days = 150;
    public const int Seed = 11;
    public const string EventsKey = "events-key";
    public const string OpsKey = "ops-key";

    private RedisServer? _redis;
    private string _dir = "";
    private readonly int _players = Players;
    private readonly int _seed = Seed;

    public SimulatedCasino() : this(AnchoredClock.Anchor, Players, Seed, null) { }

    /// <summary>A casino of its own: another day, size or seed, on a given Redis (or one it starts).</summary>
    internal SimulatedCasino(DateTimeOffset anchor, int players, int seed, string? connectionString)
    {
        Clock = new AnchoredClock(anchor);
        _players = players;
        _seed = seed;
        ConnectionString = connectionString ?? "";
    }

    public AnchoredClock Clock { get; }
    public string Prefix { get; } = TestKeys.Prefix("casino");
    public string ConnectionString { get; private set; }
    public IngestionHost Ingestion { get; private set; } = null!;
    public StoreKeys Keys => new(Prefix);

    public async ValueTask InitializeAsync()
    {
        if (ConnectionString.Length == 0)
        {
            var redis = await RedisServer.StartAsync();
            ConnectionString = redis.ConnectionString;
            _redis = redis;
        }
        _dir = Path.Combine(Path.GetTempPath(), "casino-" + Guid.NewGuid().ToString("N"));
        HistoryGenerator.Run(World.Create(_seed, _players, Days, Clock.Day), new FaultRates(0.01, 0.01, 0.0, 0.002), _dir, writeTruth: false);
        Ingestion = new IngestionHost(ConnectionString, Prefix, Clock);
        var backfill = new Backfill(Ingestion.Services.GetRequiredService<EventIngestor>(), Ingestion.Services.GetRequiredService<DeadLetterStore>(), batch: 5_000, maxBytes: 10 * 1024 * 1024);
        var (files, _) = NdJsonFiles.Expand([Path.Combine(_dir, HistoryGenerator.EventsPattern)]);
        foreach (var file in files)
        {
            await backfill.ImportAsync(new FileResult(file), new PlainProgress(TimeSpan.FromHours(1)), CancellationToken.None);
        }
        using var ops = Ingestion.ClientWithKey(OpsKey);
        var put = await ops.PutAsync("/v1/catalog/games", new StringContent(await File.ReadAllTextAsync(Path.Combine(_dir, HistoryGenerator.GamesFile)), System.Text.Encoding.UTF8, "application/json"));
        put.EnsureSuccessStatusCode();
    }

    private readonly SemaphoreSlim _trainGate = new(1, 1);
    private bool _trained;

    /// <summary>Trains the casino's models once (the scoring tests share them; lifecycle tests use registries of their own).</summary>
    public async Task EnsureTrainedAsync()
    {
        await _trainGate.WaitAsync();
        try
        {
            if (_trained) return;
            await using var app = Intelligence();
            await app.Services.GetRequiredService<global::Intelligence.Training.TrainingJobs>().RunNowAsync(Shared.Contracts.ModelKinds.All, null, CancellationToken.None);
            _trained = true;
        }
        finally
        {
            _trainGate.Release();
        }
    }

    /// <summary>An Intelligence host on the casino's data (same prefix) and clock.</summary>
    public IntelligenceApp Intelligence(IDictionary<string, string?>? extra = null) => new(ConnectionString, Prefix, extra, Clock);

    /// <summary>A time in the casino's present: the clock's now, moved by <paramref name="offset"/>, as event JSON writes it.</summary>
    public string Now(TimeSpan offset = default) => (Clock.GetUtcNow() + offset).ToString("O", System.Globalization.CultureInfo.InvariantCulture);

    public async ValueTask DisposeAsync()
    {
        if (Ingestion is not null) await Ingestion.DisposeAsync();
        _trainGate.Dispose();
        if (_redis is not null) await _redis.DisposeAsync();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}

/// <summary>The Ingestion service in-process on a given prefix and clock, with an events key and an ops key (and any <paramref name="extra"/> settings).</summary>
public sealed class IngestionHost(string redis, string prefix, TimeProvider? clock = null, IReadOnlyDictionary<string, string?>? extra = null)
    : WebApplicationFactory<global::Ingestion.IngestionEntryPoint>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        if (clock is not null) builder.ConfigureTestServices(s => s.AddSingleton(clock));
        builder.ConfigureAppConfiguration(c => c.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Redis"] = redis,
            ["Store:KeyPrefix"] = prefix,
            ["EmbeddedStore:Enabled"] = "false",
            ["ApiKeys:0:Name"] = "wallet",
            ["ApiKeys:0:Key"] = SimulatedCasino.EventsKey,
            ["ApiKeys:0:Scopes"] = "events:write events:rg",
            ["ApiKeys:1:Name"] = "ops",
            ["ApiKeys:1:Key"] = SimulatedCasino.OpsKey,
            ["ApiKeys:1:Scopes"] = "catalog:write players:erase",
        }));
        if (extra is not null) builder.ConfigureAppConfiguration(c => c.AddInMemoryCollection(extra));
    }

    public HttpClient ClientWithKey(string key)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        return client;
    }

    public async Task PostAsync(string json)
    {
        using var client = ClientWithKey(SimulatedCasino.EventsKey);
        var response = await client.PostAsync("/v1/events", new StringContent(json, System.Text.Encoding.UTF8, "application/cloudevents+json"));
        response.EnsureSuccessStatusCode();
        _ = await response.Content.ReadFromJsonAsync<object>();
    }
}
