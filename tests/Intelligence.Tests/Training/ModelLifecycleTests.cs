using Shared.Contracts;
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
        var reader = new HistoryReader(_redis, keys, new CatalogCache(_redis, keys, casino.Clock), casino.Clock);
        _players = await reader.ReadAllAsync();
    }

    public async ValueTask DisposeAsync() => await _redis.DisposeAsync();

    /// <summary>A registry, model host and trainer of their own (a fresh prefix), as one Intelligence instance has.</summary>
    private (ModelRegistry Registry, ModelHost Host, ModelTrainer Trainer) Instance(string prefix, TrainingOptions? options = null)
    {
        var keys = new StoreKeys(prefix);
        var registry = new ModelRegistry(_redis, keys);
        var host = new ModelHost(registry, _redis, keys, Options.Create(new ModelHostOptions()), NullLogger<ModelHost>.Instance);
        var reader = new HistoryReader(_redis, keys, new CatalogCache(_redis, keys, casino.Clock), casino.Clock);
        var trainer = new ModelTrainer(reader, registry, host, Options.Create(options ?? new TrainingOptions()), casino.Clock, NullLogger<ModelTrainer>.Instance);
        return (registry, host, trainer);
    }

    /// <summary>Options under which a trained candidate is promoted whether or not it beats the rule: tests of the lifecycle itself.</summary>
    private static TrainingOptions ModelAlways(BinaryModel.TrainerSettings? trees = null) =>
        new() { RequireBeatingBaseline = false, Trees = trees ?? new BinaryModel.TrainerSettings() };

    /// <summary>A one-split tree: two probabilities only, so it ranks worse than the rule's many values.</summary>
    private static readonly BinaryModel.TrainerSettings Stump = new() { Trees = 1, Leaves = 2 };

    [Fact]
    public async Task ATrainingRun_ServesForEachKindWhicheverOfModelAndRuleRanksBetterOnTheHoldout()
    {
        var (registry, host, trainer) = Instance(TestKeys.Prefix());
        var (cards, data) = await trainer.TrainAsync(_players, ModelKinds.All);
        foreach (var kind in new[] { ModelKinds.Churn, ModelKinds.Vip })
        {
            var candidate = cards.Single(c => c.Kind == kind && c.Source == ModelSources.Model);
            var e = candidate.Evaluation;
            Assert.Contains(e.BaselineRule, RuleDefinition.For(kind).Select(r => r.Name));
            Assert.True(e.Model!.Auc > 0.75 && e.Baseline!.Auc > 0.7, $"{kind}: model {e.Model.Auc}, rule {e.Baseline!.Auc}");
            // Several rolling holdouts, latest first, each later than the one before it.
            var folds = e.Folds!;
            Assert.Equal(kind == ModelKinds.Churn ? 3 : new VipDefinition().Holdouts, folds.Count);
            Assert.True(folds.Zip(folds.Skip(1)).All(p => p.First.HoldoutFrom > p.Second.HoldoutFrom));
            Assert.Equal(e.Model.Auc, folds[0].Model.Auc);
            var served = await registry.CurrentVersionAsync(kind);
            Assert.Equal(served, (kind == ModelKinds.Churn ? host.Churn : host.Vip).Card.Version);
            if (folds.Average(f => f.Model.Auc - f.Rule.Auc) >= new TrainingOptions().RuleMargin)
            {
                Assert.Equal(ModelStatus.Promoted, candidate.Status);
                Assert.Equal(candidate.Version, served);
                Assert.DoesNotContain(cards, c => c.Kind == kind && c.Source == ModelSources.Rule);
            }
            else
            {
                Assert.Equal(ModelStatus.Rejected, candidate.Status);
                var rule = cards.Single(c => c.Kind == kind && c.Source == ModelSources.Rule);
                Assert.Equal(rule.Version, served);
                Assert.Contains(rule.Version, candidate.Decision, StringComparison.Ordinal);
            }
        }
        Assert.True(data.Churn.Holdout.Count > 100);
        Assert.True(data.Churn.Window.HoldoutCutoffs.Min() > data.Churn.Window.TrainCutoffs.Max());
        var segments = cards.Single(c => c.Kind == ModelKinds.Segments);
        Assert.Equal(ModelStatus.Promoted, segments.Status);
        Assert.InRange(segments.Segments!.Count, 3, 8);
        Assert.Equal(segments.Segments.Count, segments.Segments.Select(s => s.Name).Distinct().Count());
        Assert.Equal(_players.Count, segments.Segments.Sum(s => s.Size));
    }

    [Fact]
    public async Task ACandidateThatLosesToTheRule_IsRejected_AndTheRuleIsServedCalibratedOnTheHoldout()
    {
        var (registry, host, trainer) = Instance(TestKeys.Prefix(), new TrainingOptions { Trees = Stump });
        var cards = (await trainer.TrainAsync(_players, [ModelKinds.Churn])).Cards;
        var candidate = cards.Single(c => c.Source == ModelSources.Model);
        var rule = cards.Single(c => c.Source == ModelSources.Rule);
        Assert.Equal(ModelStatus.Rejected, candidate.Status);
        Assert.StartsWith("rejected: mean holdout AUC over 3 rolling folds", candidate.Decision, StringComparison.Ordinal);
        Assert.True(candidate.Evaluation.Folds!.Average(f => f.Model.Auc - f.Rule.Auc) < new TrainingOptions().RuleMargin);
        Assert.Equal(ModelStatus.Promoted, rule.Status);
        Assert.Equal(candidate.Evaluation.BaselineRule, rule.Rule);
        Assert.Equal(candidate.Evaluation.Baseline!.Auc, rule.Evaluation.Baseline!.Auc, 12);
        var definition = RuleDefinition.Named(ModelKinds.Churn, rule.Rule)!;
        Assert.Equal(rule.Version, await registry.CurrentVersionAsync(ModelKinds.Churn));
        Assert.Equal(ModelSources.Rule, host.Churn.Source);

        // The served rule is the holdout's outcome rate by the rule's value: a player's score is that rate.
        var scorer = new PlayerScorer(host, Options.Create(new ScoringOptions()), Options.Create(new TrainingOptions()), casino.Clock);
        var today = ProfileReader.DayOf(casino.Clock.GetUtcNow());
        foreach (var player in _players.Where(p => p.History.Days.Length > 0).Take(30))
        {
            var score = scorer.Score(player).Churn!;
            Assert.Equal(ModelSources.Rule, score.Source);
            Assert.Equal(rule.Version, score.Version);
            Assert.Equal(definition.Name, score.Rule);
            var value = definition.ValueIn(ChurnFeatures.At(player.History, today + 1));
            Assert.Equal(Math.Round(host.Churn.Rule!.Probability(value), 4), score.Probability);
            var driver = Assert.Single(score.Drivers);
            Assert.Equal(definition.Feature, driver.Feature);
        }
    }

    [Fact]
    public async Task WithNoTrainedModel_EveryPlayerIsScoredByTheRuleWithItsDefaultCurve()
    {
        var (registry, host, _) = Instance(TestKeys.Prefix());
        await host.RefreshAsync(TestContext.Current.CancellationToken);
        Assert.Null(await registry.CurrentVersionAsync(ModelKinds.Churn));
        var scorer = new PlayerScorer(host, Options.Create(new ScoringOptions()), Options.Create(new TrainingOptions()), casino.Clock);
        var scores = _players.Select(p => scorer.Score(p)).ToList();
        Assert.All(scores, s =>
        {
            Assert.Equal(ModelSources.Rule, s.Churn!.Source);
            Assert.Equal("churn-rule-default", s.Churn.Version);
            Assert.Equal("vip-rule-default", s.Vip!.Version);
            Assert.Equal(s.ModelVersions[ModelKinds.Churn], s.Churn.Version);
            Assert.NotEmpty(s.Churn.Drivers);
        });
        // The default curve orders players as the rule does: longer since the last real-money bet, higher risk.
        var today = ProfileReader.DayOf(casino.Clock.GetUtcNow());
        var rule = RuleDefinition.Default(ModelKinds.Churn);
        var byValue = _players.Zip(scores).Select(x => (Value: rule.ValueIn(ChurnFeatures.At(x.First.History, today + 1)), x.Second.Churn!.Probability)).OrderBy(x => x.Value).ToList();
        Assert.True(byValue.Zip(byValue.Skip(1)).All(x => x.First.Probability <= x.Second.Probability));
        Assert.Contains(scores, s => s.Vip!.Band != "none");
    }

    [Fact]
    public async Task AWorseCandidate_IsRejected_AndTheServedVersionStays()
    {
        var prefix = TestKeys.Prefix();
        var (registry, _, trainer) = Instance(prefix, ModelAlways());
        var first = (await trainer.TrainAsync(_players, [ModelKinds.Churn])).Cards.Single();
        var (_, host2, weakTrainer) = Instance(prefix, ModelAlways(Stump));
        var second = (await weakTrainer.TrainAsync(_players, [ModelKinds.Churn])).Cards.Single();
        Assert.Equal(ModelStatus.Rejected, second.Status);
        Assert.NotNull(second.Evaluation.Current);
        Assert.Equal(first.Evaluation.Model!.Auc, second.Evaluation.Current!.Auc, 6);
        Assert.StartsWith("rejected", second.Decision, StringComparison.Ordinal);
        Assert.Equal(first.Version, await registry.CurrentVersionAsync(ModelKinds.Churn));
        Assert.Equal(first.Version, host2.Churn.Card.Version);
        Assert.Equal(2, (await registry.CardsAsync(ModelKinds.Churn)).Count);
    }

    [Fact]
    public async Task AnEqualCandidate_IsPromoted_AndRollbackServesThePreviousVersionOnEveryInstance()
    {
        var prefix = TestKeys.Prefix();
        var (registry, _, trainer) = Instance(prefix, ModelAlways());
        // A second instance that only serves: it must follow promotions and rollbacks through the store.
        var (_, servingHost, _) = Instance(prefix);
        await servingHost.StartAsync(TestContext.Current.CancellationToken);
        try
        {
            var first = (await trainer.TrainAsync(_players, [ModelKinds.Vip])).Cards.Single();
            await Until(() => servingHost.Vip.Card.Version == first.Version);
            await Task.Delay(5, TestContext.Current.CancellationToken);
            var second = (await trainer.TrainAsync(_players, [ModelKinds.Vip])).Cards.Single();
            Assert.Equal(ModelStatus.Promoted, second.Status);
            Assert.NotEqual(first.Version, second.Version);
            await Until(() => servingHost.Vip.Card.Version == second.Version);

            var rolled = await registry.RollbackAsync(ModelKinds.Vip);
            Assert.Equal((second.Version, first.Version), rolled);
            await Until(() => servingHost.Vip.Card.Version == first.Version);
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
            var scorer = new PlayerScorer(host, Options.Create(new ScoringOptions()), Options.Create(new TrainingOptions()), casino.Clock);
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
        Assert.Contains(scores, s => s.ModelVersions.Count == 4 && s.Churn!.Version != "churn-rule-default");
        Assert.All(scores, s =>
        {
            Assert.Equal(s.ModelVersions[ModelKinds.Churn], s.Churn!.Version);
            Assert.Equal(s.ModelVersions[ModelKinds.Vip], s.Vip!.Version);
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
