using Shared.Contracts;
using System.Diagnostics;
using Intelligence.Features;
using Intelligence.Models;
using Microsoft.Extensions.Options;
using Shared.Store;
using Intelligence.SaferGambling;

namespace Intelligence.Training;

public sealed record TrainingProgress(string Stage, long Done, long Total);

/// <summary>The sets a run trained and judged on (the latest fold of each kind), kept for export.</summary>
public sealed record TrainingData(TrainingSet Churn, TrainingSet Vip, IReadOnlyList<(string PlayerId, float[] Features)> Segments);

/// <summary>
/// One training run: reads every player's history from the store, builds point-in-time sets, trains churn and VIP
/// (FastTree) and segments (KMeans), judges each on its holdout next to its rule and next to the version served now,
/// and promotes it only if it is not worse than either; where the rule wins, the rule is served.
/// </summary>
public sealed class ModelTrainer(HistoryReader reader, ModelRegistry registry, ModelHost host, IOptions<TrainingOptions> options, TimeProvider clock, ILogger<ModelTrainer> log,
    HarmLabels? harmLabels = null)
{
    public async Task<IReadOnlyList<ModelCard>> TrainAsync(IReadOnlyCollection<string> kinds, IProgress<TrainingProgress>? progress = null, CancellationToken ct = default)
    {
        var total = await reader.PlayerCountAsync();
        progress?.Report(new TrainingProgress("reading players", 0, total));
        var started = Stopwatch.StartNew();
        var snapshots = await reader.ReadAllAsync(new Progress<int>(n => progress?.Report(new TrainingProgress("reading players", n, total))), ct: ct);
        log.LogInformation("Read {Players} players for training in {Seconds:0.0} s", snapshots.Count, started.Elapsed.TotalSeconds);
        var (cards, _) = await TrainAsync(snapshots, kinds, progress, ct);
        return cards;
    }

    /// <summary>Trains on the given players (tests and benchmarks pass them directly).</summary>
    public async Task<(IReadOnlyList<ModelCard> Cards, TrainingData Data)> TrainAsync(IReadOnlyList<PlayerSnapshot> snapshots, IReadOnlyCollection<string> kinds,
        IProgress<TrainingProgress>? progress = null, CancellationToken ct = default)
    {
        var o = options.Value;
        var now = clock.GetUtcNow();
        var today = ProfileReader.DayOf(now);
        var histories = snapshots.Select(s => s.History).ToList();
        var firstDay = histories.Where(h => h.DayNumbers.Length > 0).Select(h => h.DayNumbers[0]).DefaultIfEmpty(today).Min();
        var cards = new List<ModelCard>();
        await host.RefreshAsync(ct);

        TrainingSet churnSet = new("churn", [], [], new DataWindow(firstDay, today, [], [], "not trained")), vipSet = churnSet with { Kind = "vip" };
        if (kinds.Contains(ModelKinds.Churn))
        {
            progress?.Report(new TrainingProgress("training churn", 0, 1));
            var folds = TrainingSets.ChurnFolds(histories, today, o.Churn);
            churnSet = folds[0];
            cards.AddRange(await TrainBinaryAsync(ModelKinds.Churn, folds, ChurnFeatures.Set, host.Churn, now));
            progress?.Report(new TrainingProgress("training churn", 1, 1));
        }
        ct.ThrowIfCancellationRequested();
        if (kinds.Contains(ModelKinds.Vip))
        {
            progress?.Report(new TrainingProgress("training VIP potential", 0, 1));
            var folds = TrainingSets.VipFolds(histories, today, firstDay, o.Vip);
            vipSet = folds[0];
            cards.AddRange(await TrainBinaryAsync(ModelKinds.Vip, folds, VipFeatures.Set, host.Vip, now));
            progress?.Report(new TrainingProgress("training VIP potential", 1, 1));
        }
        ct.ThrowIfCancellationRequested();
        if (kinds.Contains(ModelKinds.Harm))
        {
            progress?.Report(new TrainingProgress("training harm risk", 0, 1));
            var outcomes = harmLabels is null ? new Dictionary<string, HarmCaseOutcome>() : await harmLabels.ReadAllAsync();
            var folds = TrainingSets.HarmFolds(snapshots, outcomes, today, o.Harm);
            cards.AddRange(await TrainBinaryAsync(ModelKinds.Harm, folds, HarmFeatures.Set, host.Harm, now, o.Harm.MinimumPositives));
            progress?.Report(new TrainingProgress("training harm risk", 1, 1));
        }
        ct.ThrowIfCancellationRequested();
        var segmentRows = snapshots.Select(s => (s.Profile.PlayerId, SegmentFeatures.At(s.History, s.Profile.Games, today))).ToList();
        if (kinds.Contains(ModelKinds.Segments))
        {
            progress?.Report(new TrainingProgress("training segments", 0, 1));
            cards.Add(await TrainSegmentsAsync(segmentRows.Select(r => r.Item2).ToList(), firstDay, today, now));
            progress?.Report(new TrainingProgress("training segments", 1, 1));
        }
        foreach (var kind in cards.Select(c => c.Kind).Distinct()) await registry.PruneRejectedAsync(kind, o.KeepRejected);
        return (cards, new TrainingData(churnSet, vipSet, segmentRows));
    }

    /// <summary>
    /// Trains a candidate on each rolling fold and judges it beside the kind's rule (calibrated on the fold's training
    /// rows) and the served model, on every fold's holdout. The candidate (the one trained on the latest fold) is
    /// promoted only when its mean AUC beats the rule's by <see cref="TrainingOptions.RuleMargin"/> and is not below the
    /// served model's by more than <see cref="TrainingOptions.PromotionTolerance"/> on the folds that model never saw.
    /// Otherwise the served model stays if it still beats the rule by the margin; else the rule is served, calibrated
    /// on the latest holdout's outcomes, so there is always a churn and a VIP score.
    /// </summary>
    /// <remarks>
    /// Harm differs where the rule wins: the weighted-marker rule is served as it is (its bands are set on its own
    /// probabilities), under a card that records the judgement; and too few harm outcomes leave the rule serving with
    /// the reason on a rejected card.
    /// </remarks>
    private async Task<IReadOnlyList<ModelCard>> TrainBinaryAsync(string kind, IReadOnlyList<TrainingSet> folds, FeatureSet features, ModelHost.Scorer current, DateTimeOffset now,
        int minimumPositives = 5)
    {
        var o = options.Value;
        var version = Version(kind, now);
        var set = folds[0];
        var window = set.Window.ToCard();
        var currentModel = current.Model is { } cm && current.Card.Features.SequenceEqual(features.Names) ? cm : null;
        var watch = Stopwatch.StartNew();
        var j = CandidateJudge.Judge(kind, folds, features, currentModel, currentModel is null ? null : current.Card.Window.HoldoutCutoffs.DefaultIfEmpty(current.Card.Window.AsOf).Min(), o.Trees,
            minimumPositives: minimumPositives);
        var seconds = watch.Elapsed.TotalSeconds;
        var rule = j.Rule;
        if (j.Model is null)
        {
            var empty = new ModelCard(kind, version, now, ModelStatus.Rejected, o.Trees.Trainer, [.. features.Names], window,
                new ModelEvaluation(set.Train.Count, set.Holdout.Count, rule.Name, null, null, null),
                $"not trained: {j.NotTrained}; {current.Card.Version} stays served", 0);
            await registry.UpdateAsync(empty);
            log.LogWarning("{Kind}: {Decision}", kind, empty.Decision);
            return [empty];
        }
        var latest = j.Folds[0];
        var n = j.Folds.Count;
        var gain = j.GainOverRule;
        bool BeatsRule(double g) => !o.RequireBeatingBaseline || g >= o.RuleMargin;
        var promote = BeatsRule(gain) && !(j.GainOverCurrent < -o.PromotionTolerance);
        var keepCurrent = !promote && currentModel is not null && BeatsRule(j.CurrentGainOverRule ?? (latest.Current?.Auc ?? 0) - latest.Rule.Auc);
        var ruleVersion = $"{kind}-rule-{now:yyyyMMdd-HHmmss-fff}";
        var means = $"mean holdout AUC over {n} rolling fold{(n == 1 ? "" : "s")} {j.MeanModelAuc:0.000} against the rule's {j.MeanRuleAuc:0.000} ({rule.Name}; {gain:+0.000;-0.000})";
        var decision = promote
            ? $"promoted: {means}" + (j.GainOverCurrent is { } gc ? $" and {gc:+0.000;-0.000} against the served {current.Card.Version} on the folds it never saw" : "")
            : !BeatsRule(gain)
                ? $"rejected: {means}, short of the {o.RuleMargin:0.000} margin; " + (keepCurrent ? $"the served {current.Card.Version} still beats the rule and stays" : $"the rule is served ({ruleVersion})")
                : $"rejected: {means}, but {j.GainOverCurrent:+0.000;-0.000} against the served {current.Card.Version}; " +
                    (keepCurrent ? "it stays" : $"that one no longer beats the rule by the margin, so the rule is served ({ruleVersion})");
        var card = new ModelCard(kind, version, now, promote ? ModelStatus.Promoted : ModelStatus.Rejected, o.Trees.Trainer, [.. features.Names], window,
            new ModelEvaluation(set.Train.Count, set.Holdout.Count, rule.Name, latest.Model, latest.Rule, latest.Current, Folds: j.Folds, RuleMargin: o.RuleMargin),
            decision, seconds);
        await registry.SaveAsync(card, j.Model.Save());
        log.LogInformation("{Kind} {Version}: {Decision}", kind, version, decision);
        if (promote)
        {
            await registry.PromoteAsync(kind, version);
            await host.RefreshAsync(kind);
            return [card];
        }
        if (keepCurrent) return [card];
        if (kind == ModelKinds.Harm)
        {
            var harmRule = ModelHost.Scorer.HarmRule(
                $"promoted: no model beats the rule '{rule.Name}' by the {o.RuleMargin:0.000} margin (mean AUC {j.MeanRuleAuc:0.000} over {n} folds); served with its own weights and bands").Card
                with { Version = ruleVersion, TrainedAt = now, Window = window,
                    Evaluation = new ModelEvaluation(set.Train.Count, set.Holdout.Count, rule.Name, latest.Rule, latest.Rule, latest.Current, Folds: j.Folds, RuleMargin: o.RuleMargin) };
            await registry.SaveAsync(harmRule, System.Text.Encoding.UTF8.GetBytes(HarmRule.Version));
            await registry.PromoteAsync(kind, ruleVersion);
            await host.RefreshAsync(kind);
            log.LogInformation("{Kind} {Version}: {Decision}", kind, ruleVersion, harmRule.Decision);
            return [card, harmRule];
        }
        var served = RuleModel.Fit(rule, set.Holdout, $"the latest holdout's {set.Holdout.Count} rows (from {window.HoldoutCutoffs[0]:yyyy-MM-dd})");
        // Its own holdout metrics are in-sample (it was calibrated there; its ranking is the rule's); the rule's
        // out-of-sample metrics, calibrated on the training rows, stand beside them as the baseline.
        var labels = set.Holdout.Select(e => e.Label).ToList();
        var ruleCard = new ModelCard(kind, ruleVersion, now, ModelStatus.Promoted, "rule, isotonic calibration", [rule.Feature], window,
            new ModelEvaluation(set.Train.Count, set.Holdout.Count, rule.Name, Evaluation.Evaluate(labels, served.PredictAll(set.Holdout)), latest.Rule, latest.Current,
                Folds: j.Folds, RuleMargin: o.RuleMargin),
            $"promoted: no model beats the rule '{rule.Name}' by the {o.RuleMargin:0.000} margin (mean AUC {j.MeanRuleAuc:0.000} over {n} folds); its probabilities are calibrated on {served.CalibratedOn}",
            0, Source: ModelSources.Rule, Rule: rule.Name);
        await registry.SaveAsync(ruleCard, served.Save());
        await registry.PromoteAsync(kind, ruleVersion);
        await host.RefreshAsync(kind);
        log.LogInformation("{Kind} {Version}: {Decision}", kind, ruleVersion, ruleCard.Decision);
        return [card, ruleCard];
    }

    private async Task<ModelCard> TrainSegmentsAsync(List<float[]> rows, long firstDay, long today, DateTimeOffset now)
    {
        var o = options.Value;
        var version = Version(ModelKinds.Segments, now);
        var window = new ModelWindow(DateTimeOffset.UnixEpoch.AddDays(firstDay), DateTimeOffset.UnixEpoch.AddDays(today), [], [],
            "every player as of now (last 90 days and lifetime game mix); new and served versions are compared on the same players");
        if (rows.Count < Math.Max(50, o.Segments.MaxK * 5))
        {
            var empty = new ModelCard(ModelKinds.Segments, version, now, ModelStatus.Rejected, "KMeans++", [.. SegmentFeatures.Set.Names], window,
                new ModelEvaluation(rows.Count, 0, null, null, null, null), $"not trained: too few players ({rows.Count})", 0);
            await registry.UpdateAsync(empty);
            return empty;
        }
        var current = host.Segments;
        var watch = Stopwatch.StartNew();
        var fit = SegmentModel.Train(rows, current?.Model.Segments, o.Segments);
        var seconds = watch.Elapsed.TotalSeconds;
        var judged = rows.Count <= o.Segments.SelectionSample ? rows : [.. rows.Where((_, i) => i % Math.Max(1, rows.Count / o.Segments.SelectionSample) == 0)];
        var dbi = fit.Model.DaviesBouldin(judged);
        double? currentDbi = current is not null && current.Card.Features.SequenceEqual(SegmentFeatures.Set.Names) ? current.Model.DaviesBouldin(judged) : null;
        var promote = currentDbi is null || !(dbi > currentDbi * (1 + o.PromotionTolerance));
        var decision = currentDbi is null
            ? $"promoted: first segmentation (k = {fit.K}, Davies-Bouldin {dbi:0.000})"
            : promote
                ? $"promoted: Davies-Bouldin {dbi:0.000} is not worse than the served {current!.Card.Version}'s {currentDbi:0.000} on the same players"
                : $"rejected: Davies-Bouldin {dbi:0.000} is worse than the served {current!.Card.Version}'s {currentDbi:0.000} on the same players";
        var card = new ModelCard(ModelKinds.Segments, version, now, promote ? ModelStatus.Promoted : ModelStatus.Rejected, "KMeans++ on standardised features",
            [.. SegmentFeatures.Set.Names], window,
            new ModelEvaluation(rows.Count, judged.Count, null, null, null, null, new ClusteringEvaluation(fit.K, dbi, fit.DaviesBouldinByK, currentDbi)),
            decision, seconds, fit.Model.Segments);
        await registry.SaveAsync(card, fit.Model.Save());
        if (promote)
        {
            await registry.PromoteAsync(ModelKinds.Segments, version);
            await host.RefreshAsync(ModelKinds.Segments);
        }
        log.LogInformation("segments {Version}: {Decision}", version, decision);
        return card;
    }

    private static string Version(string kind, DateTimeOffset now) => $"{kind}-{now:yyyyMMdd-HHmmss-fff}";
}
