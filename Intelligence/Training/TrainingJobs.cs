using Shared.ServiceDefaults;
using Shared.Contracts;
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
            results.Add(new TrainingJobResult(ModelKinds.Recommendations, r.Version, r.Status,
                $"{r.Decision}; implicit ALS on {r.Metrics.Players} players, {r.Metrics.Games} games, {r.Metrics.Interactions} plays in {r.Metrics.TrainingSeconds:0.0} s"));
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

/// <summary>
/// When to train: every <see cref="TrainingOptions.Interval"/>, and soon after start-up when a kind is served by
/// nothing better than its default (no model or calibrated rule yet, or a stored model of older features). A kind that
/// stays so (too little history yet) is retried with back-off: <see cref="TrainingOptions.MissingRetry"/>, then twice
/// as long each time, up to the interval, so a young casino is not read in full every few minutes for nothing.
/// </summary>
public sealed class TrainingSchedule(TrainingOptions o, DateTimeOffset start)
{
    private DateTimeOffset _last = start;
    private DateTimeOffset _nextRetry = start;
    private TimeSpan _backOff = o.MissingRetry;

    /// <summary>How long the next retry for missing kinds waits after the one just made.</summary>
    public TimeSpan BackOff => _backOff;

    /// <summary>The kinds to train now and why, or null. <paramref name="missing"/>: kinds served by their default only.</summary>
    public (IReadOnlyList<string> Kinds, string Why)? Next(DateTimeOffset now, IReadOnlyList<string> missing, bool hasPlayers)
    {
        if (missing.Count == 0) _backOff = o.MissingRetry;
        if (o.Interval > TimeSpan.Zero && now - _last >= o.Interval)
        {
            _last = now;
            return (ModelKinds.All, "schedule");
        }
        if (!o.TrainWhenMissing || missing.Count == 0 || !hasPlayers || now < _nextRetry) return null;
        _nextRetry = now + _backOff;
        var why = $"no model yet: {string.Join(", ", missing)} (next try in {_backOff.TotalMinutes:0} min if still missing)";
        _backOff = TimeSpan.FromTicks(Math.Min(_backOff.Ticks * 2, (o.Interval > TimeSpan.Zero ? o.Interval : TimeSpan.FromDays(1)).Ticks));
        _last = now;
        return (missing, why);
    }
}

/// <summary>Runs <see cref="TrainingSchedule"/>: looks soon after start-up, then every 15 s.</summary>
public sealed class TrainingScheduler(TrainingJobs jobs, ModelHost host, Features.HistoryReader reader, IOptions<TrainingOptions> options,
    TimeProvider clock, ILogger<TrainingScheduler> log) : SupervisedService(log, clock)
{
    protected override async Task RunAsync(CancellationToken stoppingToken)
    {
        var schedule = new TrainingSchedule(options.Value, Clock.GetUtcNow());
        try
        {
            var delay = TimeSpan.FromSeconds(3);
            while (!stoppingToken.IsCancellationRequested)
            {
                await Task.Delay(delay, Clock, stoppingToken);
                delay = TimeSpan.FromSeconds(15);
                try
                {
                    await host.RefreshAsync(stoppingToken);
                    var missing = ModelKinds.All.Where(k => !host.Serves(k)).ToList();
                    if (schedule.Next(Clock.GetUtcNow(), missing, missing.Count > 0 && await reader.PlayerCountAsync() > 0) is { } next)
                    {
                        var (id, started) = await jobs.StartAsync(next.Kinds);
                        if (started) log.LogInformation("Started training job {Job} ({Why})", id, next.Why);
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
