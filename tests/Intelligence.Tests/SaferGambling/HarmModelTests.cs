using Intelligence.Features;
using Intelligence.Models;
using Intelligence.SaferGambling;
using Intelligence.Scoring;
using Intelligence.Tests.Support;
using Intelligence.Training;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Shared.Contracts;
using Shared.Store;
using StackExchange.Redis;
using TestSupport;

namespace Intelligence.Tests.SaferGambling;

/// <summary>
/// The harm model on the simulated casino (its at-risk players drift, then self-exclude): too few harm outcomes leave
/// the weighted-marker rule serving with the reason on the card; case outcomes count as labels (contacted and
/// limit_set, not no_action); and the scores' <c>source</c> says which of model and rule made them.
/// </summary>
public sealed class HarmModelTests(SimulatedCasino casino, ITestOutputHelper output) : IAsyncLifetime
{
    private ConnectionMultiplexer _redis = null!;
    private List<PlayerSnapshot> _players = null!;

    public async ValueTask InitializeAsync()
    {
        _redis = await ConnectionMultiplexer.ConnectAsync(casino.ConnectionString);
        var reader = new HistoryReader(_redis, casino.Keys, new CatalogCache(_redis, casino.Keys, casino.Clock), casino.Clock);
        _players = await reader.ReadAllAsync();
    }

    public async ValueTask DisposeAsync() => await _redis.DisposeAsync();

    private long Today => ProfileReader.DayOf(casino.Clock.GetUtcNow());

    /// <summary>A registry, model host, trainer and case-label store of their own (a fresh prefix).</summary>
    private (ModelRegistry Registry, ModelHost Host, ModelTrainer Trainer, StoreKeys Keys) Instance(string prefix, TrainingOptions options)
    {
        var keys = new StoreKeys(prefix);
        var registry = new ModelRegistry(_redis, keys);
        var host = new ModelHost(registry, _redis, keys, Options.Create(new ModelHostOptions()), NullLogger<ModelHost>.Instance);
        return (registry, host, Trainer(registry, host, keys, options), keys);
    }

    private ModelTrainer Trainer(ModelRegistry registry, ModelHost host, StoreKeys keys, TrainingOptions options) =>
        new(new HistoryReader(_redis, keys, new CatalogCache(_redis, keys, casino.Clock), casino.Clock), registry, host, Options.Create(options), casino.Clock,
            NullLogger<ModelTrainer>.Instance, new HarmLabels(_redis, keys));

    [Fact]
    public async Task OneHarmOutcomeShortOfTheMinimum_TheRuleServesWithTheReason_AndAConfirmedCaseOutcomeTipsItIntoTraining()
    {
        var d = new HarmDefinition();
        var latest = TrainingSets.HarmFolds(_players, new Dictionary<string, HarmCaseOutcome>(), Today, d)[0];
        var positives = latest.Train.Count(e => e.Label);
        output.WriteLine($"latest harm fold: {latest.Train.Count} training rows with {positives} positives, {latest.Holdout.Count} holdout rows with {latest.Holdout.Count(e => e.Label)} positives");
        Assert.True(positives >= 5 && latest.Holdout.Any(e => e.Label), "the casino's at-risk players give too few outcomes for this test");

        // The threshold one above what the history gives: the rule stays, and the card says why.
        var options = new TrainingOptions { Harm = new HarmDefinition { MinimumPositives = positives + 1 } };
        var (registry, host, trainer, keys) = Instance(TestKeys.Prefix(), options);
        var (cards, _) = await trainer.TrainAsync(_players, [ModelKinds.Harm]);
        var card = Assert.Single(cards);
        Assert.Equal(ModelStatus.Rejected, card.Status);
        Assert.Contains($"{positives} positives, at least {positives + 1} needed", card.Decision, StringComparison.Ordinal);
        Assert.StartsWith("not trained: too little data", card.Decision, StringComparison.Ordinal);
        Assert.Null(await registry.CurrentVersionAsync(ModelKinds.Harm));
        Assert.Equal(ModelSources.Rule, host.Harm.Source);
        Assert.Equal(HarmRule.Version, host.Harm.Card.Version);
        // GET /v1/models lists harm with that card, so the reason is visible to whoever asks why the rule serves.
        var listed = (await ModelsApi.ListAsync(registry)).Value!.Models.Single(k => k.Kind == ModelKinds.Harm);
        Assert.Null(listed.Current);
        Assert.Equal(card.Decision, Assert.Single(listed.Versions).Decision);

        // A negative row at the latest fold's oldest training cut-off, of a player who is trained on.
        var oldest = latest.Window.TrainCutoffs.Min();
        var row = latest.Train.First(e => e.Cutoff == oldest && !e.Label);
        var at = DateTimeOffset.UnixEpoch.AddDays(oldest).AddHours(12);
        var db = _redis.GetDatabase();

        // The team found nothing: no_action adds no positive.
        await db.HashSetAsync(keys.HarmLabels, row.PlayerId, new HarmCaseOutcome(HarmOutcomes.NoAction, at).Stored);
        (cards, _) = await trainer.TrainAsync(_players, [ModelKinds.Harm]);
        Assert.StartsWith("not trained", Assert.Single(cards).Decision, StringComparison.Ordinal);

        // A limit set after a confirmed concern is a harm outcome: exactly one more positive (only that cut-off's
        // horizon holds it in the latest fold), which reaches the threshold, and the model is trained and judged.
        await db.HashSetAsync(keys.HarmLabels, row.PlayerId, new HarmCaseOutcome(HarmOutcomes.LimitSet, at).Stored);
        var withOutcome = TrainingSets.HarmFolds(_players, await new HarmLabels(_redis, keys).ReadAllAsync(), Today, d)[0];
        Assert.Equal(positives + 1, withOutcome.Train.Count(e => e.Label));
        (cards, _) = await trainer.TrainAsync(_players, [ModelKinds.Harm]);
        var trained = cards.First(c => c.Source == ModelSources.Model);
        Assert.DoesNotContain("not trained", trained.Decision, StringComparison.Ordinal);
        Assert.NotEmpty(trained.Evaluation.Folds!);
        Assert.Equal(HarmFeatures.Set.Names, trained.Features);
        // Whichever won, a training run has judged harm now: a model, or the rule under a version that records it.
        Assert.NotNull(await registry.CurrentVersionAsync(ModelKinds.Harm));
        Assert.True(host.Serves(ModelKinds.Harm));
    }

    [Fact]
    public async Task TheScoresSource_SaysModelWhenAHarmModelServes_AndRuleWhenTheRuleDoes()
    {
        var p = _players.First(s => s.History.CountDays(Today - 14, Today + 1, PlayerHistory.Active) > 0);

        // Promoted whatever its metrics (the lifecycle, not the judge, is under test here).
        var (registry, host, trainer, keys) = Instance(TestKeys.Prefix(), new TrainingOptions { RequireBeatingBaseline = false, Harm = new HarmDefinition { MinimumPositives = 5 } });
        var scorer = new PlayerScorer(host, Options.Create(new ScoringOptions()), Options.Create(new TrainingOptions()), casino.Clock);
        var before = scorer.Score(p).Harm!;
        Assert.Equal(ModelSources.Rule, before.Source);
        Assert.Equal(HarmRule.Version, before.Version);
        Assert.Equal(HarmRule.Description, before.Rule);

        var (cards, _) = await trainer.TrainAsync(_players, [ModelKinds.Harm]);
        var model = cards.Single(c => c.Source == ModelSources.Model);
        Assert.Equal(ModelStatus.Promoted, model.Status);
        var after = scorer.Score(p);
        Assert.Equal(ModelSources.Model, after.Harm!.Source);
        Assert.Equal(model.Version, after.Harm.Version);
        Assert.Equal(model.Version, after.ModelVersions[ModelKinds.Harm]);
        Assert.InRange(after.Harm.Probability, 0, 1);
        // Drivers name the markers the model leant on, in the markers' own words.
        var words = HarmMarkers.At(p.History, p.History.Harm, p.Profile.Country, Today + 1).ToDictionary(m => m.Name, m => m.Description);
        Assert.All(after.Harm.Drivers.Where(d => d.Feature != HarmFeatures.RuleFeature), d => Assert.Equal(words[d.Feature], d.Description));

        // A run under which no model may beat the rule (a margin no model reaches) puts the rule back, and the source with it.
        var strict = Trainer(registry, host, keys, new TrainingOptions { RuleMargin = 0.1, Harm = new HarmDefinition { MinimumPositives = 5 } });
        (cards, _) = await strict.TrainAsync(_players, [ModelKinds.Harm]);
        var rule = cards.Single(c => c.Source == ModelSources.Rule);
        Assert.Equal(ModelStatus.Promoted, rule.Status);
        Assert.Contains("no model beats the rule", rule.Decision, StringComparison.Ordinal);
        var back = scorer.Score(p).Harm!;
        Assert.Equal(ModelSources.Rule, back.Source);
        Assert.Equal(rule.Version, back.Version);
        Assert.Equal(HarmRule.Score(HarmMarkers.At(p.History, p.History.Harm, p.Profile.Country, Today + 1)).Probability, back.Probability, 4);
    }
}
