using Shared.ServiceDefaults;
using Shared.Contracts;
using Intelligence.Models;
using Intelligence.Recommendations.Model;
using Microsoft.Extensions.Options;
using Shared.Store;
using StackExchange.Redis;

namespace Intelligence.Recommendations;

/// <summary>
/// Keeps this instance on the current recommender: loads the registry's current version at start (training first when
/// none is stored and players have played), switches when a promotion or rollback anywhere is published, and retrains
/// on the schedule (one instance per interval, by a lock in the store). A store written before the recommender joined
/// the registry is carried over once.
/// </summary>
public sealed class ModelRefresher(
    IConnectionMultiplexer redis,
    StoreKeys keys,
    ModelRegistry registry,
    RecommenderModels models,
    RecommenderTrainer trainer,
    IOptions<RecommendationOptions> options,
    TimeProvider clock,
    ILogger<ModelRefresher> logger) : SupervisedService(logger, clock)
{
    protected override async Task RunAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        var subscriber = redis.GetSubscriber();
        await subscriber.SubscribeAsync(keys.ModelsChanged, OnModelsChanged);
        try
        {
            await StartAsync(o, stoppingToken);
            while (!stoppingToken.IsCancellationRequested)
            {
                // A model learnt from nothing (no catalogue or no plays yet, as on a first start before the catalogue
                // is pulled) is retried every minute rather than served until the next scheduled retrain.
                var empty = models.Model is not { } m || m.GameIds.Length == 0;
                var wait = empty && o.TrainOnStart ? TimeSpan.FromMinutes(1) : o.RetrainInterval;
                await Task.Delay(wait, Clock, stoppingToken);
                if (await redis.GetDatabase().StringSetAsync(keys.RecommenderTrainingLock, Environment.MachineName, wait / 2, When.NotExists))
                {
                    await TrainAsync(stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            await subscriber.UnsubscribeAsync(keys.ModelsChanged);
        }
    }

    /// <summary>SwitchToCurrentAsync logs its own failures, so nothing waits for it.</summary>
    private void OnModelsChanged(RedisChannel channel, RedisValue kind)
    {
        if (kind == ModelKinds.Recommendations) _ = SwitchToCurrentAsync();
    }

    private async Task StartAsync(RecommendationOptions o, CancellationToken ct)
    {
        // The store may still be coming up (the embedded one starts with Ingestion): keep trying.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await CarryOverAsync();
                if (await registry.CurrentVersionAsync(ModelKinds.Recommendations) is not null)
                {
                    await SwitchToCurrentAsync();
                    return;
                }
                if (o.TrainOnStart && await redis.GetDatabase().SetLengthAsync(keys.Players) > 0) await TrainAsync(ct);
                return;
            }
            catch (RedisException e) when (attempt < 30)
            {
                logger.LogWarning(e, "The store is not ready for the recommender model yet (attempt {Attempt})", attempt);
                await Task.Delay(TimeSpan.FromSeconds(2), Clock, ct);
            }
        }
    }

    /// <summary>
    /// A store written before the recommender had a place in the registry keeps its model under <c>model:recs:</c>: it
    /// becomes the registry's first promoted version (once; the old keys are removed), so an upgrade serves it on.
    /// </summary>
    public async Task CarryOverAsync()
    {
        var db = redis.GetDatabase();
        if (await registry.CurrentVersionAsync(ModelKinds.Recommendations) is not null) return;
        if (await db.StringGetAsync(keys.LegacyRecommenderModelCurrent) is not { HasValue: true } legacy) return;
        var bytes = await db.StringGetAsync(keys.LegacyRecommenderModel(legacy.ToString()));
        if (!bytes.HasValue) return;
        var model = RecommenderModel.Deserialize((byte[])bytes!);
        var card = new ModelCard(ModelKinds.Recommendations, model.Version, model.TrainedAt, ModelStatus.Promoted,
            $"implicit ALS + metadata prior (k = {model.Settings.Factors}, {model.Settings.Iterations} iterations)", [.. model.FeatureNames],
            new ModelWindow(model.TrainedAt, model.TrainedAt, [], [], "trained before the recommender was judged on a holdout"),
            new ModelEvaluation(model.Metrics.Interactions, 0, null, null, null, null), "carried over: the model served before the upgrade", model.Metrics.TrainingSeconds);
        await registry.SaveAsync(card, (byte[])bytes!);
        await registry.PromoteAsync(ModelKinds.Recommendations, model.Version);
        // One key a call: the two keys lie in different hash slots on Redis Cluster.
        await db.KeyDeleteAsync(keys.LegacyRecommenderModelCurrent);
        await db.KeyDeleteAsync(keys.LegacyRecommenderModel(legacy.ToString()));
        logger.LogInformation("Carried the recommender model {Version} over into the model registry", model.Version);
    }

    private async Task TrainAsync(CancellationToken ct)
    {
        try
        {
            await trainer.TrainAsync(ct: ct);
        }
        catch (Exception e) when (e is RedisException or TimeoutException or InvalidOperationException)
        {
            logger.LogError(e, "Retraining the recommender failed; the current model stays in service");
        }
    }

    private async Task SwitchToCurrentAsync()
    {
        try
        {
            if (await registry.CurrentVersionAsync(ModelKinds.Recommendations) is not { } version || models.Version == version) return;
            if (await registry.ModelAsync(ModelKinds.Recommendations, version) is { } bytes)
            {
                models.Swap(RecommenderModel.Deserialize(bytes));
                logger.LogInformation("Serving recommender model {Version}", version);
            }
        }
        catch (Exception e) when (e is RedisException or InvalidDataException)
        {
            logger.LogError(e, "Could not load the current recommender model");
        }
    }
}
