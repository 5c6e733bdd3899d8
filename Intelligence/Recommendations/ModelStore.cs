using Intelligence.Recommendations.Model;
using Shared.Store;
using StackExchange.Redis;

namespace Intelligence.Recommendations;

/// <summary>
/// Trained models in the store, so a restarted or second instance serves the same model without retraining:
/// <c>model:recs:{version}</c> holds the model, <c>model:recs:current</c> names the one to serve, and
/// <see cref="StoreKeys.RecommenderModelChanged"/> tells the other instances to switch.
/// </summary>
public sealed class ModelStore(IConnectionMultiplexer redis, StoreKeys keys)
{
    public async Task SaveAsync(RecommenderModel model)
    {
        var db = redis.GetDatabase();
        var previous = await db.StringGetAsync(keys.RecommenderModelCurrent);
        await db.StringSetAsync(keys.RecommenderModel(model.Version), model.Serialize());
        await db.StringSetAsync(keys.RecommenderModelCurrent, model.Version);
        // The one before stays a day, for an instance still loading it; older ones expired the same way.
        if (previous.HasValue && previous != model.Version) await db.KeyExpireAsync(keys.RecommenderModel(previous.ToString()), TimeSpan.FromDays(1));
        await db.PublishAsync(keys.RecommenderModelChanged, model.Version);
    }

    public async Task<string?> CurrentVersionAsync()
    {
        var v = await redis.GetDatabase().StringGetAsync(keys.RecommenderModelCurrent);
        return v.HasValue ? v.ToString() : null;
    }

    public async Task<RecommenderModel?> LoadAsync(string version)
    {
        var bytes = await redis.GetDatabase().StringGetAsync(keys.RecommenderModel(version));
        return bytes.HasValue ? RecommenderModel.Deserialize((byte[])bytes!) : null;
    }
}
