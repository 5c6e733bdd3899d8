using Shared.Contracts;
using Intelligence.Features;
using Intelligence.Models;

namespace Intelligence.Training;

/// <summary>What a candidate did on every fold, beside the rule it is judged against and the served model.</summary>
/// <param name="Model">The candidate trained on the latest fold: the one served if promoted.</param>
/// <param name="NotTrained">Why there is no candidate (too little data), else null.</param>
public sealed record Judgement(string Kind, RuleDefinition Rule, BinaryModel? Model, IReadOnlyList<FoldResult> Folds, string? NotTrained)
{
    public double MeanModelAuc => Folds.Average(f => f.Model.Auc);
    public double MeanRuleAuc => Folds.Average(f => f.Rule.Auc);

    /// <summary>Mean AUC gain of the candidate over the rule.</summary>
    public double GainOverRule => Folds.Average(f => f.Model.Auc - f.Rule.Auc);

    /// <summary>Mean AUC gain of the candidate over the served model on the folds the served model never saw (null if none).</summary>
    public double? GainOverCurrent => Folds.Any(f => f.Current is not null) ? Folds.Where(f => f.Current is not null).Average(f => f.Model.Auc - f.Current!.Auc) : null;

    /// <summary>Mean AUC gain of the served model over the rule on the folds it never saw (null if none).</summary>
    public double? CurrentGainOverRule => Folds.Any(f => f.Current is not null) ? Folds.Where(f => f.Current is not null).Average(f => f.Current!.Auc - f.Rule.Auc) : null;
}

/// <summary>
/// Judges a churn, VIP or harm candidate on rolling holdouts (no store, no side effects: training runs and the model
/// benchmark share it). The rule it is judged against is the kind's rule that ranks the latest fold's training rows
/// best (<see cref="RuleDefinition.For"/>), chosen without looking at any holdout.
/// </summary>
public static class CandidateJudge
{
    /// <summary>Rows a fold needs to be judged: a model fitted on fewer, or judged on a holdout without both outcomes, says little.</summary>
    /// <param name="minimumPositives">Positive training rows needed (harm sets its own: its outcomes are rare).</param>
    public static string? TooLittle(TrainingSet fold, int minimumPositives = 5)
    {
        var positives = fold.Train.Count(e => e.Label);
        var holdoutPositives = fold.Holdout.Count(e => e.Label);
        return fold.Train.Count < 50 || positives < minimumPositives || positives == fold.Train.Count || holdoutPositives == 0 || holdoutPositives == fold.Holdout.Count
            ? $"too little data ({fold.Train.Count} training rows with {positives} positives, at least {minimumPositives} needed; {fold.Holdout.Count} holdout rows with {holdoutPositives} positives)"
            : null;
    }

    /// <param name="folds">Rolling folds, latest first.</param>
    /// <param name="current">The served model, if it is a model with these features.</param>
    /// <param name="currentSawUntil">The served model's latest holdout day: folds holding out earlier days may be in its training data.</param>
    /// <param name="onFold">Called with each judged fold, its candidate and its rule (the export writes their predictions).</param>
    public static Judgement Judge(string kind, IReadOnlyList<TrainingSet> folds, FeatureSet features, BinaryModel? current, DateTimeOffset? currentSawUntil,
        BinaryModel.TrainerSettings settings, Action<TrainingSet, BinaryModel, RuleModel>? onFold = null, int minimumPositives = 5)
    {
        var latest = folds[0];
        var rule = ChooseRule(kind, latest.Train);
        if (TooLittle(latest, minimumPositives) is { } why) return new Judgement(kind, rule, null, [], why);
        BinaryModel? served = null;
        var results = new List<FoldResult>();
        foreach (var fold in folds)
        {
            if (TooLittle(fold, minimumPositives) is not null) continue;
            var model = BinaryModel.Train(fold.Train, features, settings);
            served ??= model;
            var labels = fold.Holdout.Select(e => e.Label).ToList();
            var ruleModel = RuleModel.Fit(rule, fold.Train, "training rows");
            onFold?.Invoke(fold, model, ruleModel);
            var from = fold.Window.HoldoutCutoffs.Min();
            var clean = current is not null && (currentSawUntil is not { } saw || DateTimeOffset.UnixEpoch.AddDays(from) >= saw);
            results.Add(new FoldResult(DateTimeOffset.UnixEpoch.AddDays(from), DateTimeOffset.UnixEpoch.AddDays(fold.Window.HoldoutCutoffs.Max()),
                fold.Train.Count, fold.Holdout.Count, labels.Count(l => l),
                Evaluation.Evaluate(labels, model.PredictAll(fold.Holdout)),
                Evaluation.Evaluate(labels, ruleModel.PredictAll(fold.Holdout)),
                clean ? Evaluation.Evaluate(labels, current!.PredictAll(fold.Holdout)) : null));
        }
        return new Judgement(kind, rule, served, results, null);
    }

    /// <summary>The kind's rule whose raw value ranks the training rows best.</summary>
    public static RuleDefinition ChooseRule(string kind, IReadOnlyList<Example> train)
    {
        var rules = RuleDefinition.For(kind);
        if (train.Count == 0 || train.All(e => e.Label) || !train.Any(e => e.Label)) return rules[0];
        var labels = train.Select(e => e.Label).ToList();
        return rules.MaxBy(r => Evaluation.Auc(labels, [.. train.Select(e => (double)r.ValueIn(e.Features))]))!;
    }
}
