using Intelligence.Models;
using Shared.Store;
using TestSupport;

namespace Intelligence.Tests.Scoring;

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
}
