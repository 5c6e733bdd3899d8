using System.Diagnostics;
using System.Security.Cryptography;
using Intelligence.Recommendations.Model;
using Microsoft.Extensions.Options;
using Shared.Store;
using StackExchange.Redis;

namespace Intelligence.Recommendations;

public sealed record TrainingProgress(string Stage, int Done, int Total);

public sealed record TrainingResult(string Version, DateTimeOffset TrainedAt, ModelMetrics Metrics, double ReadSeconds);

/// <summary>
/// Trains the recommender from every player's current plays in the store (the <c>players</c> set, scanned and read in
/// pipelined batches), saves it, makes it current here and tells the other instances. One training at a time per
/// instance; the models API and the schedule both come through <see cref="TrainAsync"/>.
/// </summary>
public sealed class RecommenderTrainer(
    IConnectionMultiplexer redis,
    StoreKeys keys,
    CatalogCache catalog,
    ModelStore store,
    RecommenderModels models,
    IOptions<RecommendationOptions> options,
    TimeProvider clock,
    ILogger<RecommenderTrainer> logger) : IDisposable
{
    private readonly SemaphoreSlim _one = new(1, 1);

    public async Task<TrainingResult> TrainAsync(IProgress<TrainingProgress>? progress = null, CancellationToken ct = default)
    {
        await _one.WaitAsync(ct);
        try
        {
            var o = options.Value;
            var read = Stopwatch.StartNew();
            catalog.Invalidate();
            var games = (await catalog.GetAsync()).Values.OrderBy(g => g.Id, StringComparer.Ordinal).ToList();
            var players = await ReadPlayersAsync(o.ScanBatch, progress, ct);
            var readSeconds = read.Elapsed.TotalSeconds;
            var now = clock.GetUtcNow();
            var version = $"als-{now:yyyyMMddHHmmss}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(2))}";
            var iterations = new Progress<int>(i => progress?.Report(new TrainingProgress("als", i, o.Iterations)));
            var model = await Task.Run(() => ModelBuilder.Train(players, games, o.Model, now, version, iterations, ct), ct);
            await store.SaveAsync(model);
            models.Swap(model);
            logger.LogInformation("Trained recommender {Version}: {Players} players, {Games} games, {Interactions} plays; read {Read:0.0} s, trained {Train:0.0} s",
                version, model.Metrics.Players, model.Metrics.Games, model.Metrics.Interactions, readSeconds, model.Metrics.TrainingSeconds);
            return new TrainingResult(version, now, model.Metrics, readSeconds);
        }
        finally
        {
            _one.Release();
        }
    }

    public void Dispose() => _one.Dispose();

    /// <summary>
    /// Every known player's plays, market, last device (<c>dev</c>) and segment (<c>s:{pid}</c> field <c>seg</c>, when the
    /// scoring engine has written it).
    /// </summary>
    public async Task<List<TrainingPlayer>> ReadPlayersAsync(int batchSize, IProgress<TrainingProgress>? progress, CancellationToken ct)
    {
        var db = redis.GetDatabase();
        var total = (int)await db.SetLengthAsync(keys.Players);
        var players = new List<TrainingPlayer>(total);
        var ids = new List<string>(batchSize);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        async Task FlushAsync()
        {
            var batch = db.CreateBatch();
            var reads = ids.Select(id => (
                Id: id,
                Games: batch.HashGetAllAsync(keys.Games(id)),
                Profile: batch.HashGetAsync(keys.Profile(id), ["mkt", "cty", "dev"]),
                Segment: batch.HashGetAsync(keys.Scores(id), "seg"))).ToList();
            batch.Execute();
            foreach (var r in reads)
            {
                var plays = GamePlays.Parse(await r.Games);
                if (plays.Count == 0) continue;
                var profile = await r.Profile;
                var market = profile[0].HasValue ? profile[0].ToString() : profile[1].HasValue ? profile[1].ToString() : null;
                var segment = await r.Segment;
                var device = profile[2].HasValue && Recommender.Devices.Contains(profile[2].ToString()) ? profile[2].ToString() : null;
                players.Add(new TrainingPlayer(r.Id, market, segment.HasValue ? segment.ToString() : null, plays, device));
            }
            progress?.Report(new TrainingProgress("read", players.Count, total));
            ids.Clear();
        }
        await foreach (var id in db.SetScanAsync(keys.Players, pageSize: batchSize).WithCancellation(ct))
        {
            // SSCAN may return a member twice while the set is rehashed.
            if (!seen.Add(id.ToString())) continue;
            ids.Add(id.ToString());
            if (ids.Count == batchSize) await FlushAsync();
        }
        if (ids.Count > 0) await FlushAsync();
        return players;
    }
}
