using Shared.Contracts;
using Intelligence.Models;
using Shared.Store;
using TestSupport;

namespace Intelligence.Tests.Models;

/// <summary>Promotion and rollback change the served version and its history together, on every store (a cluster too).</summary>
public sealed class ModelRegistryStoreTests(StoreServers servers)
{
    [Theory, ClassData(typeof(StoreKinds))]
    public async Task Promotions_AndARollback_ChangeTheServedVersionAndItsHistoryTogether(string store)
    {
        await using var redis = await servers.ConnectAsync(store);
        var registry = new ModelRegistry(redis, new StoreKeys(TestKeys.Prefix($"registry-{store}")));

        await registry.PromoteAsync(ModelKinds.Churn, "churn-1");
        await registry.PromoteAsync(ModelKinds.Churn, "churn-2");
        await registry.PromoteAsync(ModelKinds.Vip, "vip-1");
        var rolledBack = await registry.RollbackAsync(ModelKinds.Churn);

        Assert.Equal(("churn-2", "churn-1"), rolledBack);
        Assert.Equal("churn-1", await registry.CurrentVersionAsync(ModelKinds.Churn));
        Assert.Equal("vip-1", await registry.CurrentVersionAsync(ModelKinds.Vip));
        Assert.Null(await registry.RollbackAsync(ModelKinds.Churn));
    }

    [Theory, ClassData(typeof(StoreKinds))]
    public async Task AStoreOfTheOldKeyLayout_KeepsItsCurrentModelsAndRollbackHistory(string store)
    {
        await using var redis = await servers.ConnectAsync(store);
        var keys = new StoreKeys(TestKeys.Prefix($"registry-old-{store}"));
        var db = redis.GetDatabase();
        // What the version before wrote: models:current and models:{kind}:promotions, no hash tag.
        await db.HashSetAsync(keys.LegacyModelsCurrent, [new("churn", "churn-2"), new("vip", "vip-1")]);
        await db.ListRightPushAsync(keys.LegacyModelPromotions(ModelKinds.Churn), ["churn-2", "churn-1"]);
        await db.ListRightPushAsync(keys.LegacyModelPromotions(ModelKinds.Vip), ["vip-1"]);

        var registry = new ModelRegistry(redis, keys);
        Assert.Equal("churn-2", await registry.CurrentVersionAsync(ModelKinds.Churn));
        Assert.Equal("vip-1", await registry.CurrentVersionAsync(ModelKinds.Vip));
        Assert.Equal(("churn-2", "churn-1"), await registry.RollbackAsync(ModelKinds.Churn));
        Assert.False(await db.KeyExistsAsync(keys.LegacyModelsCurrent));
        Assert.False(await db.KeyExistsAsync(keys.LegacyModelPromotions(ModelKinds.Churn)));
    }
}
