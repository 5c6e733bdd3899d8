using System.Net.Http.Json;
using Ingestion.Commands;
using Ingestion.DeadLetters;
using Ingestion.Events;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
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
/// through <see cref="Ingestion"/>. Tests that change models use their own prefix copy via <see cref="IntelligenceFor"/>.
/// </summary>
public sealed class SimulatedCasino : IAsyncLifetime
{
    public const int Players = 900;
    public const int Days = 150;
    public const string EventsKey = "events-key";
    public const string OpsKey = "ops-key";

    private RedisServer? _redis;
    private string _dir = "";

    public string Prefix { get; } = TestKeys.Prefix("casino");
    public string ConnectionString { get; private set; } = "";
    public IngestionHost Ingestion { get; private set; } = null!;
    public StoreKeys Keys => new(Prefix);

    public async ValueTask InitializeAsync()
    {
        var redis = await RedisServer.StartAsync();
        ConnectionString = redis.ConnectionString;
        _redis = redis;
        _dir = Path.Combine(Path.GetTempPath(), "casino-" + Guid.NewGuid().ToString("N"));
        // History ends at the start of today, so every run sees the same casino relative to "today".
        HistoryGenerator.Run(World.Create(11, Players, Days, new DateTimeOffset(DateTimeOffset.UtcNow.UtcDateTime.Date, TimeSpan.Zero)), new FaultRates(0.01, 0.01, 0.0, 0.002), _dir, writeTruth: false);
        Ingestion = new IngestionHost(ConnectionString, Prefix);
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
            await app.Services.GetRequiredService<global::Intelligence.Training.TrainingJobs>().RunNowAsync(global::Intelligence.Models.ModelKinds.All, null, CancellationToken.None);
            _trained = true;
        }
        finally
        {
            _trainGate.Release();
        }
    }

    /// <summary>An Intelligence host on the casino's data (same prefix).</summary>
    public IntelligenceApp Intelligence(IDictionary<string, string?>? extra = null) => new(ConnectionString, Prefix, extra);

    public async ValueTask DisposeAsync()
    {
        if (Ingestion is not null) await Ingestion.DisposeAsync();
        _trainGate.Dispose();
        if (_redis is not null) await _redis.DisposeAsync();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}

/// <summary>The Ingestion service in-process on a given prefix, with an events key and an ops key.</summary>
public sealed class IngestionHost(string redis, string prefix) : WebApplicationFactory<global::Ingestion.IngestionEntryPoint>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.ConfigureAppConfiguration(c => c.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Redis"] = redis,
            ["Store:KeyPrefix"] = prefix,
            ["EmbeddedStore:Enabled"] = "false",
            ["ApiKeys:0:Name"] = "wallet",
            ["ApiKeys:0:Key"] = SimulatedCasino.EventsKey,
            ["ApiKeys:0:Scopes"] = "events:write",
            ["ApiKeys:1:Name"] = "ops",
            ["ApiKeys:1:Key"] = SimulatedCasino.OpsKey,
            ["ApiKeys:1:Scopes"] = "catalog:write players:erase",
        }));
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
