using Shared.Contracts;
using System.Diagnostics;
using System.Security.Cryptography;
using Intelligence.Models;
using Intelligence.Recommendations.Evaluation;
using Intelligence.Recommendations.Model;
using Microsoft.Extensions.Options;
using Shared.Store;
using StackExchange.Redis;

namespace Intelligence.Recommendations;

public sealed record RecommenderProgress(string Stage, int Done, int Total);

public sealed record TrainingResult(string Version, DateTimeOffset TrainedAt, ModelMetrics Metrics, double ReadSeconds, string Status, string Decision);

/// <summary>
/// Trains the recommender from every player's current plays in the store (the <c>players</c> set, scanned and read in
/// pipelined batches) and gives it the lifecycle the other models have, in the same registry: the recipe is judged on
/// a holdout of the last <see cref="RecommendationOptions.HoldoutDays"/> days' plays against most-popular and against
/// the served model's recipe; a candidate that ranks below most-popular (by <see cref="RecommendationOptions.PopularMargin"/>)
/// or below the served recipe is rejected and the served model stays; the first model is served whatever it scores
/// (nothing else knows a player's taste). A promoted model is published; every instance switches; rollback walks back.
/// </summary>
public sealed class RecommenderTrainer(
    IConnectionMultiplexer redis,
    StoreKeys keys,
    CatalogCache catalog,
    ModelRegistry registry,
    RecommenderModels models,
    IOptions<RecommendationOptions> options,
    TimeProvider clock,
    ILogger<RecommenderTrainer> logger) : IDisposable
{
    private readonly SemaphoreSlim _one = new(1, 1);

    public async Task<TrainingResult> TrainAsync(IProgress<RecommenderProgress>? progress = null, CancellationToken ct = default)
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
            var served = models.Model is { GameIds.Length: > 0 } m ? m : null;
            progress?.Report(new RecommenderProgress("holdout", 0, 1));
            var ranking = await Task.Run(() => StoreHoldout.Judge(players, games, now, o.HoldoutDays, o.Model, served?.Settings, o.DeviceWeight, ct), ct);
            progress?.Report(new RecommenderProgress("holdout", 1, 1));
            var iterations = new Progress<int>(i => progress?.Report(new RecommenderProgress("als", i, o.Iterations)));
            var model = await Task.Run(() => ModelBuilder.Train(players, games, o.Model, now, version, iterations, ct), ct);
            var (promote, decision) = Decide(ranking, served, o);
            var card = new ModelCard(ModelKinds.Recommendations, version, now, promote ? ModelStatus.Promoted : ModelStatus.Rejected,
                $"implicit ALS + metadata prior (k = {o.Factors}, {o.Iterations} iterations)", [.. model.FeatureNames],
                new ModelWindow(ranking.SplitAt, now, [ranking.SplitAt], [ranking.SplitAt], $"plays last made before {ranking.SplitAt:yyyy-MM-dd HH:mm} train; the games each player played since are the targets"),
                new ModelEvaluation(model.Metrics.Interactions, ranking.Cases, "most-popular (last 30 days, by market)", null, null, null, Ranking: ranking),
                decision, model.Metrics.TrainingSeconds);
            await registry.SaveAsync(card, model.Serialize());
            if (promote)
            {
                await registry.PromoteAsync(ModelKinds.Recommendations, version);
                models.Swap(model);
            }
            await registry.PruneRejectedAsync(ModelKinds.Recommendations, o.KeepRejected);
            logger.LogInformation("Recommender {Version}: {Decision}; {Players} players, {Games} games, {Interactions} plays; read {Read:0.0} s, trained {Train:0.0} s",
                version, decision, model.Metrics.Players, model.Metrics.Games, model.Metrics.Interactions, readSeconds, model.Metrics.TrainingSeconds);
            return new TrainingResult(version, now, model.Metrics, readSeconds, card.Status, decision);
        }
        finally
        {
            _one.Release();
        }
    }

    /// <summary>Whether to serve the candidate, and why, in words.</summary>
    public static (bool Promote, string Decision) Decide(RankingEvaluation r, RecommenderModel? served, RecommendationOptions o)
    {
        var figures = FormattableString.Invariant($"holdout NDCG@10 {r.Ndcg:0.000} against most-popular's {r.PopularNdcg:0.000} on {r.Cases} players");
        if (served is null) return (true, $"promoted: first model (nothing else knows a player's taste); {figures}");
        if (r.Cases < o.MinimumHoldoutPlayers)
            return (true, $"promoted: too few players played in the holdout days to judge ({r.Cases} < {o.MinimumHoldoutPlayers}); a fresher model of the same recipe replaces {served.Version}");
        if (r.Ndcg < r.PopularNdcg * (1 + o.PopularMargin))
            return (false, $"rejected: {figures}, short of the {o.PopularMargin:P0} margin; {served.Version} stays served");
        if (r.ServedRecipeNdcg is { } s && r.Ndcg < s)
            return (false, FormattableString.Invariant($"rejected: {figures}, but below the served {served.Version}'s recipe ({s:0.000}) on the same holdout; it stays served"));
        return (true, $"promoted: {figures}" + (r.ServedRecipeNdcg is { } sr ? FormattableString.Invariant($", and the served recipe's {sr:0.000}") : ""));
    }

    public void Dispose() => _one.Dispose();

    /// <summary>
    /// Every known player's plays, market, last device (<c>dev</c>) and segment (<c>s:{pid}</c> field <c>seg</c>, when the
    /// scoring engine has written it).
    /// </summary>
    public async Task<List<TrainingPlayer>> ReadPlayersAsync(int batchSize, IProgress<RecommenderProgress>? progress, CancellationToken ct)
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
                Profile: batch.HashGetAsync(keys.Profile(id), [ProfileFields.Market, ProfileFields.Country, ProfileFields.Device]),
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
            progress?.Report(new RecommenderProgress("read", players.Count, total));
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
