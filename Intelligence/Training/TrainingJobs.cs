using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Intelligence.Models;
using Microsoft.Extensions.Options;
using Shared.Store;
using StackExchange.Redis;

namespace Intelligence.Training;

public sealed record TrainingJobResult(string Kind, string Version, string Status, string Decision);

/// <summary>A training run as <c>GET /v1/models/jobs/{id}</c> shows it.</summary>
public sealed record TrainingJob(string Id, string Status, IReadOnlyList<string> Kinds, string? Stage, long Done, long Total,
    DateTimeOffset CreatedAt, DateTimeOffset? FinishedAt, string? Error, IReadOnlyList<TrainingJobResult> Results);

public static class TrainingJobStatus
{
    public const string Running = "running";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(List<TrainingJobResult>))]
[JsonSerializable(typeof(List<string>))]
internal sealed partial class TrainingJobJsonContext : JsonSerializerContext;

/// <summary>
/// Training runs in the background, one at a time across all instances (a lock in the store that expires with
/// <see cref="TrainingOptions.Timeout"/>); its state is kept in the store so any instance can report it.
/// </summary>
public sealed class TrainingJobs(ModelTrainer trainer, Recommendations.RecommenderTrainer recommender, IConnectionMultiplexer redis, StoreKeys keys, IOptions<TrainingOptions> options,
    TimeProvider clock, IHostApplicationLifetime lifetime, ILogger<TrainingJobs> log)
{
    private static readonly TimeSpan KeepFor = TimeSpan.FromDays(7);

    /// <summary>Starts a run, or returns the id of the one already running.</summary>
    public async Task<(string Id, bool Started)> StartAsync(IReadOnlyCollection<string> kinds)
    {
        var db = redis.GetDatabase();
        var id = $"job-{clock.GetUtcNow():yyyyMMdd-HHmmss}-{Guid.NewGuid().ToString("N")[..6]}";
        if (!await db.StringSetAsync(keys.TrainingLock, id, options.Value.Timeout, When.NotExists))
        {
            return ((await db.StringGetAsync(keys.TrainingLock)).ToString(), false);
        }
        await db.HashSetAsync(keys.TrainingJob(id),
        [
            new("status", TrainingJobStatus.Running), new("kinds", JsonSerializer.Serialize(kinds.ToList(), TrainingJobJsonContext.Default.ListString)),
            new("created", clock.GetUtcNow().ToUnixTimeMilliseconds()), new("done", 0), new("total", 0),
        ]);
        await db.KeyExpireAsync(keys.TrainingJob(id), KeepFor);
        _ = Task.Run(() => RunAsync(id, kinds));
        return (id, true);
    }

    /// <summary>Runs training in this call (the <c>train</c> command), holding the same lock.</summary>
    public async Task<IReadOnlyList<ModelCard>> RunNowAsync(IReadOnlyCollection<string> kinds, IProgress<TrainingProgress>? progress, CancellationToken ct)
    {
        var db = redis.GetDatabase();
        var id = $"cli-{Guid.NewGuid().ToString("N")[..8]}";
        if (!await db.StringSetAsync(keys.TrainingLock, id, options.Value.Timeout, When.NotExists))
            throw new InvalidOperationException($"training job {await db.StringGetAsync(keys.TrainingLock)} is already running; wait for it or let its lock expire");
        try
        {
            return await trainer.TrainAsync(kinds, progress, ct);
        }
        finally
        {
            await ReleaseAsync(db, id);
        }
    }

    private async Task RunAsync(string id, IReadOnlyCollection<string> kinds)
    {
        var db = redis.GetDatabase();
        var key = keys.TrainingJob(id);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(lifetime.ApplicationStopping);
        timeout.CancelAfter(options.Value.Timeout);
        try
        {
            var progress = new Progress<TrainingProgress>(p => _ = db.HashSetAsync(key, [new("stage", p.Stage), new("done", p.Done), new("total", p.Total)], CommandFlags.FireAndForget));
            var results = await TrainAllAsync(kinds, progress, timeout.Token);
            await db.HashSetAsync(key, [new("status", TrainingJobStatus.Succeeded), new("stage", "done"), new("finished", clock.GetUtcNow().ToUnixTimeMilliseconds()),
                new("results", JsonSerializer.Serialize(results, TrainingJobJsonContext.Default.ListTrainingJobResult))]);
        }
        catch (Exception e)
        {
            log.LogError(e, "Training job {Job} failed", id);
            await db.HashSetAsync(key, [new("status", TrainingJobStatus.Failed), new("error", e.Message), new("finished", clock.GetUtcNow().ToUnixTimeMilliseconds())]);
        }
        finally
        {
            await ReleaseAsync(db, id);
        }
    }

    /// <summary>The scoring models (one run over every player) and then, when asked, the recommender.</summary>
    private async Task<List<TrainingJobResult>> TrainAllAsync(IReadOnlyCollection<string> kinds, IProgress<TrainingProgress> progress, CancellationToken ct)
    {
        var scoring = kinds.Where(k => ModelKinds.All.Contains(k)).ToList();
        var results = new List<TrainingJobResult>();
        if (scoring.Count > 0)
        {
            results.AddRange((await trainer.TrainAsync(scoring, progress, ct)).Select(c => new TrainingJobResult(c.Kind, c.Version, c.Status, c.Decision)));
        }
        if (kinds.Contains(ModelKinds.Recommendations))
        {
            progress.Report(new TrainingProgress("training recommendations", 0, 1));
            var r = await recommender.TrainAsync(ct: ct);
            results.Add(new TrainingJobResult(ModelKinds.Recommendations, r.Version, ModelStatus.Promoted,
                $"served: implicit ALS on {r.Metrics.Players} players, {r.Metrics.Games} games, {r.Metrics.Interactions} plays in {r.Metrics.TrainingSeconds:0.0} s (offline quality: Intelligence/Recommendations/README.md)"));
            progress.Report(new TrainingProgress("training recommendations", 1, 1));
        }
        return results;
    }

    private async Task ReleaseAsync(IDatabase db, string id)
    {
        var tx = db.CreateTransaction();
        tx.AddCondition(Condition.StringEqual(keys.TrainingLock, id));
        _ = tx.KeyDeleteAsync(keys.TrainingLock);
        await tx.ExecuteAsync();
    }

    public async Task<TrainingJob?> GetAsync(string id)
    {
        var fields = (await redis.GetDatabase().HashGetAllAsync(keys.TrainingJob(id))).ToDictionary(e => e.Name.ToString(), e => e.Value.ToString());
        if (fields.Count == 0) return null;
        string? S(string k) => fields.TryGetValue(k, out var v) && v.Length > 0 ? v : null;
        long L(string k) => S(k) is { } v ? long.Parse(v, CultureInfo.InvariantCulture) : 0;
        return new TrainingJob(id, S("status") ?? TrainingJobStatus.Running,
            S("kinds") is { } k ? JsonSerializer.Deserialize(k, TrainingJobJsonContext.Default.ListString)! : [],
            S("stage"), L("done"), L("total"), DateTimeOffset.FromUnixTimeMilliseconds(L("created")),
            S("finished") is not null ? DateTimeOffset.FromUnixTimeMilliseconds(L("finished")) : null, S("error"),
            S("results") is { } r ? JsonSerializer.Deserialize(r, TrainingJobJsonContext.Default.ListTrainingJobResult)! : []);
    }
}

/// <summary>Trains on a schedule, and soon after start-up when a kind has no model yet and there are players to learn from.</summary>
public sealed class TrainingScheduler(TrainingJobs jobs, ModelRegistry registry, Features.HistoryReader reader, IOptions<TrainingOptions> options,
    TimeProvider clock, ILogger<TrainingScheduler> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        var last = clock.GetUtcNow();
        var lastForMissing = DateTimeOffset.MinValue;
        try
        {
            // A first look soon after start-up (the demo's first run trains here), then every 15 s.
            var delay = TimeSpan.FromSeconds(3);
            while (!stoppingToken.IsCancellationRequested)
            {
                await Task.Delay(delay, clock, stoppingToken);
                delay = TimeSpan.FromSeconds(15);
                try
                {
                    var missing = new List<string>();
                    if (o.TrainWhenMissing)
                    {
                        foreach (var kind in ModelKinds.All)
                        {
                            if (await registry.CurrentVersionAsync(kind) is null) missing.Add(kind);
                        }
                    }
                    var due = o.Interval > TimeSpan.Zero && clock.GetUtcNow() - last >= o.Interval;
                    // A kind may stay without a model while there is too little history; try again now and then.
                    var retry = missing.Count > 0 && clock.GetUtcNow() - lastForMissing >= TimeSpan.FromMinutes(5) && await reader.PlayerCountAsync() > 0;
                    if (retry || due)
                    {
                        if (retry) lastForMissing = clock.GetUtcNow();
                        var (id, started) = await jobs.StartAsync(due ? ModelKinds.All : missing);
                        if (started) log.LogInformation("Started training job {Job} ({Why})", id, due ? "schedule" : "no model yet: " + string.Join(", ", missing));
                        last = clock.GetUtcNow();
                    }
                }
                catch (Exception e) when (e is RedisException or TimeoutException)
                {
                    log.LogWarning(e, "Could not check whether training is due");
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
