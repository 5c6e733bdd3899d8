using Microsoft.Extensions.Options;
using Shared.Store;
using StackExchange.Redis;

namespace Intelligence.Recommendations;

/// <summary>
/// Keeps this instance on the current model: loads it from the store at start (training first when none is stored
/// and players have played), switches when another instance publishes a new one, and retrains on the schedule
/// (one instance per interval, by a lock in the store).
/// </summary>
public sealed class ModelRefresher(
    IConnectionMultiplexer redis,
    StoreKeys keys,
    ModelStore store,
    RecommenderModels models,
    RecommenderTrainer trainer,
    IOptions<RecommendationOptions> options,
    TimeProvider clock,
    ILogger<ModelRefresher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        var subscriber = redis.GetSubscriber();
        await subscriber.SubscribeAsync(keys.RecommenderModelChanged, OnModelChanged);
        try
        {
            await StartAsync(o, stoppingToken);
            while (!stoppingToken.IsCancellationRequested)
            {
                // A model learnt from nothing (no catalogue or no plays yet, as on a first start before the catalogue
                // is pulled) is retried every minute rather than served until the next scheduled retrain.
                var empty = models.Model is not { } m || m.GameIds.Length == 0;
                var wait = empty && o.TrainOnStart ? TimeSpan.FromMinutes(1) : o.RetrainInterval;
                await Task.Delay(wait, clock, stoppingToken);
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
            await subscriber.UnsubscribeAsync(keys.RecommenderModelChanged);
        }
    }

    /// <summary>SwitchToAsync logs its own failures, so nothing waits for it.</summary>
    private void OnModelChanged(RedisChannel channel, RedisValue version) => _ = SwitchToAsync(version.ToString());

    private async Task StartAsync(RecommendationOptions o, CancellationToken ct)
    {
        // The store may still be coming up (the embedded one starts with Ingestion): keep trying.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                if (await store.CurrentVersionAsync() is { } version)
                {
                    await SwitchToAsync(version);
                    return;
                }
                if (o.TrainOnStart && await redis.GetDatabase().SetLengthAsync(keys.Players) > 0) await TrainAsync(ct);
                return;
            }
            catch (RedisException e) when (attempt < 30)
            {
                logger.LogWarning(e, "The store is not ready for the recommender model yet (attempt {Attempt})", attempt);
                await Task.Delay(TimeSpan.FromSeconds(2), clock, ct);
            }
        }
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

    private async Task SwitchToAsync(string version)
    {
        if (models.Version == version) return;
        try
        {
            if (await store.LoadAsync(version) is { } model)
            {
                models.Swap(model);
                logger.LogInformation("Serving recommender model {Version}", version);
            }
        }
        catch (Exception e) when (e is RedisException or InvalidDataException)
        {
            logger.LogError(e, "Could not load recommender model {Version}", version);
        }
    }
}
