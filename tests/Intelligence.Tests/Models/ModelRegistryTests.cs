using Shared.Contracts;
using Intelligence.Features;
using Intelligence.Models;
using Intelligence.Scoring;
using Intelligence.Training;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Shared.Store;
using TestSupport;

namespace Intelligence.Tests.Models;

/// <summary>The registry's housekeeping and what an instance serves from what it finds there.</summary>
public sealed class ModelRegistryTests(StoreServers servers)
{
    private static readonly DateTimeOffset Day = new(2026, 11, 2, 10, 0, 0, TimeSpan.Zero);

    private static ModelCard Card(string kind, int i, string status, IReadOnlyList<string>? features = null) =>
        new(kind, $"{kind}-{i:D3}", Day.AddMinutes(i), status, "test", features ?? [.. ChurnFeatures.Set.Names],
            new ModelWindow(Day, Day, [], [Day.AddDays(-30)], "test"), new ModelEvaluation(0, 0, null, null, null, null), "test", 0);

    [Theory, ClassData(typeof(StoreKinds))]
    public async Task Pruning_KeepsTheNewestRejectedVersions_AndEveryPromotedOne(string store)
    {
        await using var redis = await servers.ConnectAsync(store);
        var keys = new StoreKeys(TestKeys.Prefix());
        var registry = new ModelRegistry(redis, keys);
        for (var i = 0; i < 30; i++) await registry.SaveAsync(Card(ModelKinds.Churn, i, i % 10 == 0 ? ModelStatus.Promoted : ModelStatus.Rejected), [1, 2, 3]);

        Assert.Equal(27 - 5, await registry.PruneRejectedAsync(ModelKinds.Churn, keep: 5));
        var left = await registry.CardsAsync(ModelKinds.Churn);
        Assert.Equal(3, left.Count(c => c.Status == ModelStatus.Promoted));
        Assert.Equal(["churn-029", "churn-028", "churn-027", "churn-026", "churn-025"], left.Where(c => c.Status == ModelStatus.Rejected).Select(c => c.Version));
        Assert.Null(await registry.ModelAsync(ModelKinds.Churn, "churn-001"));
        Assert.NotNull(await registry.ModelAsync(ModelKinds.Churn, "churn-029"));
        Assert.Equal(0, await registry.PruneRejectedAsync(ModelKinds.Churn, keep: 5));
    }

    [Theory, ClassData(typeof(StoreKinds))]
    public async Task AServedModelOfOlderFeatures_IsNotUsed_TheRuleScoresAndTheSchedulerSeesItMissing(string store)
    {
        await using var redis = await servers.ConnectAsync(store);
        var keys = new StoreKeys(TestKeys.Prefix());
        var registry = new ModelRegistry(redis, keys);
        // What a store written by the version before churn-v2 holds: a promoted model over 27 features.
        var old = Card(ModelKinds.Churn, 1, ModelStatus.Promoted, [.. ChurnFeatures.Set.Names.Take(27)]);
        await registry.SaveAsync(old, [0, 1, 2]);
        await registry.PromoteAsync(ModelKinds.Churn, old.Version);

        var host = new ModelHost(registry, redis, keys, Options.Create(new ModelHostOptions()), NullLogger<ModelHost>.Instance);
        await host.RefreshAsync(TestContext.Current.CancellationToken);
        Assert.Equal(ModelSources.Rule, host.Churn.Source);
        Assert.Equal("churn-rule-default", host.Churn.Card.Version);
        Assert.Contains(old.Version, host.Churn.Card.Decision, StringComparison.Ordinal);
        Assert.False(host.Serves(ModelKinds.Churn));
        // Checking again does not retry the load (nor log it again): the version is known to be unservable.
        await host.RefreshAsync(ModelKinds.Churn, TestContext.Current.CancellationToken);
        Assert.Equal("churn-rule-default", host.Churn.Card.Version);
    }
}
