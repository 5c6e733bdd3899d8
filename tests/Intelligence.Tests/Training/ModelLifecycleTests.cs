using Intelligence.Features;
using Intelligence.Models;
using Intelligence.Scoring;
using Intelligence.Tests.Support;
using Intelligence.Training;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Shared.Store;
using StackExchange.Redis;
using TestSupport;

namespace Intelligence.Tests.Training;

/// <summary>Training on the simulated casino, promotion only when not worse, rollback, and every instance switching.</summary>
public sealed class ModelLifecycleTests(SimulatedCasino casino) : IAsyncLifetime
{
    private ConnectionMultiplexer _redis = null!;
    private List<PlayerSnapshot> _players = null!;

    public async ValueTask InitializeAsync()
    {
        _redis = await ConnectionMultiplexer.ConnectAsync(casino.ConnectionString);
        var keys = casino.Keys;
        var reader = new HistoryReader(_redis, keys, new CatalogCache(_redis, keys, TimeProvider.System), TimeProvider.System);
        _players = await reader.ReadAllAsync();
    }

    public async ValueTask DisposeAsync() => await _redis.DisposeAsync();

    /// <summary>A registry, model host and trainer of their own (a fresh prefix), as one Intelligence instance has.</summary>
    private (ModelRegistry Registry, ModelHost Host, ModelTrainer Trainer) Instance(string prefix, TrainingOptions? options = null)
    {
        var keys = new StoreKeys(prefix);
        var registry = new ModelRegistry(_redis, keys);
        var host = new ModelHost(registry, _redis, keys, Options.Create(new ScoringOptions()), NullLogger<ModelHost>.Instance);
        var reader = new HistoryReader(_redis, keys, new CatalogCache(_redis, keys, TimeProvider.System), TimeProvider.System);
        var trainer = new ModelTrainer(reader, registry, host, Options.Create(options ?? new TrainingOptions()), TimeProvider.System, NullLogger<ModelTrainer>.Instance);
        return (registry, host, trainer);
    }

    [Fact]
    public async Task TrainedOnSimulatorHistory_ModelsBeatTheirRuleBaselinesOnTheHoldout()
    {
        var (registry, host, trainer) = Instance(TestKeys.Prefix());
        var (cards, data) = await trainer.TrainAsync(_players, ModelKinds.All);
        var churn = cards.Single(c => c.Kind == ModelKinds.Churn);
        var vip = cards.Single(c => c.Kind == ModelKinds.Vip);
        var segments = cards.Single(c => c.Kind == ModelKinds.Segments);
        Assert.Equal(ModelStatus.Promoted, churn.Status);
        Assert.Equal(ModelStatus.Promoted, vip.Status);
        Assert.Equal(ModelStatus.Promoted, segments.Status);
        Assert.True(churn.Evaluation.Model!.Auc > churn.Evaluation.Baseline!.Auc, $"churn AUC {churn.Evaluation.Model.Auc} vs baseline {churn.Evaluation.Baseline.Auc}");
        Assert.True(vip.Evaluation.Model!.Auc > vip.Evaluation.Baseline!.Auc, $"VIP AUC {vip.Evaluation.Model.Auc} vs baseline {vip.Evaluation.Baseline.Auc}");
        Assert.True(churn.Evaluation.Model.CalibrationError < 0.1, $"churn calibration error {churn.Evaluation.Model.CalibrationError}");
        Assert.True(data.Churn.Holdout.Count > 100);
        Assert.Equal(churn.Version, await registry.CurrentVersionAsync(ModelKinds.Churn));
        Assert.Equal(churn.Version, host.Churn!.Card.Version);
        Assert.InRange(segments.Segments!.Count, 3, 8);
        Assert.Equal(segments.Segments.Count, segments.Segments.Select(s => s.Name).Distinct().Count());
        Assert.Equal(_players.Count, segments.Segments.Sum(s => s.Size));
    }

    [Fact]
    public async Task AWorseCandidate_IsRejected_AndTheServedVersionStays()
    {
        var prefix = TestKeys.Prefix();
        var (registry, _, trainer) = Instance(prefix);
        var first = (await trainer.TrainAsync(_players, [ModelKinds.Churn])).Cards.Single();
        // One two-leaf tree: a model that cannot be as good on the same holdout.
        var weak = new TrainingOptions { Trees = new BinaryModel.TrainerSettings { Trees = 1, Leaves = 2 } };
        var (_, host2, weakTrainer) = Instance(prefix, weak);
        var second = (await weakTrainer.TrainAsync(_players, [ModelKinds.Churn])).Cards.Single();
        Assert.Equal(ModelStatus.Rejected, second.Status);
        Assert.NotNull(second.Evaluation.Current);
        Assert.Equal(first.Evaluation.Model!.Auc, second.Evaluation.Current!.Auc, 6);
        Assert.StartsWith("rejected", second.Decision, StringComparison.Ordinal);
        Assert.Equal(first.Version, await registry.CurrentVersionAsync(ModelKinds.Churn));
        Assert.Equal(first.Version, host2.Churn!.Card.Version);
        Assert.Equal(2, (await registry.CardsAsync(ModelKinds.Churn)).Count);
    }

    [Fact]
    public async Task AnEqualCandidate_IsPromoted_AndRollbackServesThePreviousVersionOnEveryInstance()
    {
        var prefix = TestKeys.Prefix();
        var (registry, _, trainer) = Instance(prefix);
        // A second instance that only serves: it must follow promotions and rollbacks through the store.
        var (_, servingHost, _) = Instance(prefix);
        await servingHost.StartAsync(TestContext.Current.CancellationToken);
        try
        {
            var first = (await trainer.TrainAsync(_players, [ModelKinds.Vip])).Cards.Single();
            await Until(() => servingHost.Vip?.Card.Version == first.Version);
            await Task.Delay(5, TestContext.Current.CancellationToken);
            var second = (await trainer.TrainAsync(_players, [ModelKinds.Vip])).Cards.Single();
            Assert.Equal(ModelStatus.Promoted, second.Status);
            Assert.NotEqual(first.Version, second.Version);
            await Until(() => servingHost.Vip?.Card.Version == second.Version);

            var rolled = await registry.RollbackAsync(ModelKinds.Vip);
            Assert.Equal((second.Version, first.Version), rolled);
            await Until(() => servingHost.Vip?.Card.Version == first.Version);
            Assert.Equal(ModelStatus.Retired, (await registry.CardAsync(ModelKinds.Vip, second.Version))!.Status);
            Assert.Null(await registry.RollbackAsync(ModelKinds.Vip));
        }
        finally
        {
            await servingHost.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task Segments_KeepTheirIdsAcrossRetrains()
    {
        var (_, _, trainer) = Instance(TestKeys.Prefix());
        var first = (await trainer.TrainAsync(_players, [ModelKinds.Segments])).Cards.Single();
        var second = (await trainer.TrainAsync(_players, [ModelKinds.Segments])).Cards.Single();
        Assert.Equal(first.Segments!.Select(s => (s.Id, s.Name)).Order(), second.Segments!.Select(s => (s.Id, s.Name)).Order());
    }

    [Fact]
    public async Task ScoresMadeWhileModelsArrive_RecordExactlyTheModelsThatMadeThem()
    {
        // A score stored with a version it was not made by would be served as current: a player could read "no VIP
        // score" from a VIP model. Score without pause while fresh instances load each kind, many times over.
        var prefix = TestKeys.Prefix();
        var (_, _, trainer) = Instance(prefix);
        await trainer.TrainAsync(_players, ModelKinds.All);
        var players = _players.Where(p => p.History.Days.Length > 0).Take(50).ToList();
        var scores = new List<Shared.Contracts.PlayerScores>();
        for (var round = 0; round < 12; round++)
        {
            var (_, host, _) = Instance(prefix);
            var scorer = new PlayerScorer(host, Options.Create(new ScoringOptions()), Options.Create(new TrainingOptions()), TimeProvider.System);
            using var stop = new CancellationTokenSource();
            var scoring = Task.Run(() =>
            {
                var made = new List<Shared.Contracts.PlayerScores>();
                for (var i = 0; !stop.IsCancellationRequested; i++) made.Add(scorer.Score(players[i % players.Count]));
                return made;
            }, TestContext.Current.CancellationToken);
            await host.RefreshAsync(TestContext.Current.CancellationToken);
            await stop.CancelAsync();
            scores.AddRange(await scoring);
            scores.Add(scorer.Score(players[0]));
        }
        Assert.Contains(scores, s => s.ModelVersions.Count == 3);
        Assert.All(scores, s =>
        {
            Assert.Equal(s.Churn is not null, s.ModelVersions.ContainsKey(ModelKinds.Churn));
            Assert.Equal(s.Vip is not null, s.ModelVersions.ContainsKey(ModelKinds.Vip));
            Assert.Equal(s.Segment is not null, s.ModelVersions.ContainsKey(ModelKinds.Segments));
        });
    }

    [Fact]
    public void SegmentIds_MatchNearestOldCentroids_AndNewClustersGetNewIds()
    {
        var spread = new double[] { 1, 1 };
        var previous = new[] { new SegmentInfo("seg-1", "a", 10, [0f, 0f]), new SegmentInfo("seg-4", "b", 10, [5f, 5f]) };
        var ids = SegmentModel.AssignIds([[5.1f, 4.9f], [20f, 20f], [0.2f, 0f]], previous, spread, 0.75);
        Assert.Equal(["seg-4", "seg-5", "seg-1"], ids);
    }

    private static async Task Until(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail("condition not met within 10 s");
            await Task.Delay(20);
        }
    }
}
