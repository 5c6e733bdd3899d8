using System.Diagnostics;
using Intelligence.Features;
using Intelligence.Models;
using Microsoft.Extensions.Options;
using Shared.Store;

namespace Intelligence.Training;

public sealed record TrainingProgress(string Stage, long Done, long Total);

/// <summary>The sets a run trained and judged on, kept for export.</summary>
public sealed record TrainingData(TrainingSet Churn, TrainingSet Vip, IReadOnlyList<(string PlayerId, float[] Features)> Segments);

/// <summary>
/// One training run: reads every player's history from the store, builds point-in-time sets, trains churn and VIP
/// (FastTree) and segments (KMeans), judges each on its holdout next to its rule and next to the version served now,
/// and promotes it only if it is not worse than either; where the rule wins, the rule is served.
/// </summary>
public sealed class ModelTrainer(HistoryReader reader, ModelRegistry registry, ModelHost host, IOptions<TrainingOptions> options, TimeProvider clock, ILogger<ModelTrainer> log)
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
            churnSet = TrainingSets.Churn(histories, today, o.Churn);
            cards.AddRange(await TrainBinaryAsync(ModelKinds.Churn, churnSet, ChurnFeatures.Set, host.Churn, now));
            progress?.Report(new TrainingProgress("training churn", 1, 1));
        }
        ct.ThrowIfCancellationRequested();
        if (kinds.Contains(ModelKinds.Vip))
        {
            progress?.Report(new TrainingProgress("training VIP potential", 0, 1));
            vipSet = TrainingSets.Vip(histories, today, firstDay, o.Vip);
            cards.AddRange(await TrainBinaryAsync(ModelKinds.Vip, vipSet, VipFeatures.Set, host.Vip, now));
            progress?.Report(new TrainingProgress("training VIP potential", 1, 1));
        }
        ct.ThrowIfCancellationRequested();
        var segmentRows = snapshots.Select(s => (s.Profile.PlayerId, SegmentFeatures.At(s.History, s.Profile.Games, today))).ToList();
        if (kinds.Contains(ModelKinds.Segments))
        {
            progress?.Report(new TrainingProgress("training segments", 0, 1));
            cards.Add(await TrainSegmentsAsync(segmentRows.Select(r => r.Item2).ToList(), firstDay, today, now));
            progress?.Report(new TrainingProgress("training segments", 1, 1));
        }
        return (cards, new TrainingData(churnSet, vipSet, segmentRows));
    }

    /// <summary>
    /// Trains a candidate and judges it on the holdout beside the kind's rule (calibrated on the training rows) and the
    /// served version. The candidate is promoted only when it ranks at least as well as the rule and not worse than a
    /// served model; otherwise the served model stays if it still beats the rule, and else the rule is served,
    /// calibrated on the holdout (the latest outcomes), so there is always a churn and a VIP score.
    /// </summary>
    private async Task<IReadOnlyList<ModelCard>> TrainBinaryAsync(string kind, TrainingSet set, FeatureSet features, ModelHost.Scorer current, DateTimeOffset now)
    {
        var o = options.Value;
        var rule = RuleDefinition.Of(kind);
        var version = Version(kind, now);
        var window = ModelWindow.Of(set.Window);
        var positives = set.Train.Count(e => e.Label);
        var holdoutPositives = set.Holdout.Count(e => e.Label);
        if (set.Train.Count < 50 || positives < 5 || positives == set.Train.Count || holdoutPositives == 0 || holdoutPositives == set.Holdout.Count)
        {
            var empty = new ModelCard(kind, version, now, ModelStatus.Rejected, "FastTree", [.. features.Names], window,
                new ModelEvaluation(set.Train.Count, set.Holdout.Count, rule.Name, null, null, null),
                $"not trained: too little data ({set.Train.Count} training rows with {positives} positives, {set.Holdout.Count} holdout rows with {holdoutPositives} positives); {current.Card.Version} stays served", 0);
            await registry.UpdateAsync(empty);
            log.LogWarning("{Kind}: {Decision}", kind, empty.Decision);
            return [empty];
        }
        var watch = Stopwatch.StartNew();
        var model = BinaryModel.Train(set.Train, features, o.Trees);
        var seconds = watch.Elapsed.TotalSeconds;
        var labels = set.Holdout.Select(e => e.Label).ToList();
        var metrics = Evaluation.Evaluate(labels, model.PredictAll(set.Holdout));
        var trainRule = RuleModel.Fit(kind, [.. set.Train.Select(e => ((double)e.Baseline, e.Label))], "training rows");
        var ruleMetrics = Evaluation.Evaluate(labels, [.. set.Holdout.Select(e => trainRule.Probability(e.Baseline))]);
        var currentModel = current.Model is { } m && current.Card.Features.SequenceEqual(features.Names) ? m : null;
        var currentMetrics = currentModel is null ? null : Evaluation.Evaluate(labels, currentModel.PredictAll(set.Holdout));
        bool BeatsRule(Metrics x) => !o.RequireBeatingBaseline || !(x.Auc < ruleMetrics.Auc);
        var promote = BeatsRule(metrics) && (currentMetrics is null || !(metrics.Auc < currentMetrics.Auc - o.PromotionTolerance));
        var keepCurrent = !promote && currentMetrics is not null && BeatsRule(currentMetrics);
        var ruleVersion = $"{kind}-rule-{now:yyyyMMdd-HHmmss-fff}";
        var decision = promote
            ? currentMetrics is null
                ? $"promoted: holdout AUC {metrics.Auc:0.000} is at least the rule's {ruleMetrics.Auc:0.000} ({rule.Name})"
                : $"promoted: holdout AUC {metrics.Auc:0.000} is at least the rule's {ruleMetrics.Auc:0.000} and not worse than the served {current.Card.Version}'s {currentMetrics.Auc:0.000} on the same holdout"
            : !BeatsRule(metrics)
                ? $"rejected: holdout AUC {metrics.Auc:0.000} is below the rule's {ruleMetrics.Auc:0.000} ({rule.Name}); " +
                    (keepCurrent ? $"the served {current.Card.Version} ({currentMetrics!.Auc:0.000}) stays" : $"the rule is served ({ruleVersion})")
                : $"rejected: holdout AUC {metrics.Auc:0.000} is worse than the served {current.Card.Version}'s {currentMetrics!.Auc:0.000} on the same holdout; " +
                    (keepCurrent ? "it stays" : $"that one now loses to the rule's {ruleMetrics.Auc:0.000}, so the rule is served ({ruleVersion})");
        var card = new ModelCard(kind, version, now, promote ? ModelStatus.Promoted : ModelStatus.Rejected, "FastTree (Platt-calibrated)", [.. features.Names], window,
            new ModelEvaluation(set.Train.Count, set.Holdout.Count, rule.Name, metrics, ruleMetrics, currentMetrics), decision, seconds);
        await registry.SaveAsync(card, model.Save());
        log.LogInformation("{Kind} {Version}: {Decision}", kind, version, decision);
        if (promote)
        {
            await registry.PromoteAsync(kind, version);
            await host.RefreshAsync(kind);
            return [card];
        }
        if (keepCurrent) return [card];
        var served = RuleModel.Fit(kind, [.. set.Holdout.Select(e => ((double)e.Baseline, e.Label))],
            $"the holdout's {set.Holdout.Count} rows (cut-off {(window.HoldoutCutoffs.Count > 0 ? window.HoldoutCutoffs[^1] : window.AsOf):yyyy-MM-dd})");
        // Its own holdout metrics are in-sample (it was calibrated there; its ranking is the rule's); the rule's out-of-sample
        // metrics, calibrated on the training rows, stand beside them as the baseline.
        var servedMetrics = Evaluation.Evaluate(labels, [.. set.Holdout.Select(e => served.Probability(e.Baseline))]);
        var ruleCard = new ModelCard(kind, ruleVersion, now, ModelStatus.Promoted, "rule, isotonic calibration", [rule.Feature], window,
            new ModelEvaluation(set.Train.Count, set.Holdout.Count, rule.Name, servedMetrics, ruleMetrics, currentMetrics),
            $"promoted: no model beats the rule '{rule.Name}' on the holdout (AUC {ruleMetrics.Auc:0.000}); its probabilities are calibrated on {served.CalibratedOn}",
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
