using Shared.Contracts;
using Intelligence.Features;
using Intelligence.Models;

namespace Intelligence.Training;

/// <summary>One labelled row: whose, as of which cut-off day, the features and the label.</summary>
public sealed record Example(string PlayerId, long Cutoff, float[] Features, bool Label);

/// <summary>
/// Rows to fit on and rows to judge on, split in time, with what the split was: one rolling fold. A training run has
/// several, latest first; every fold's holdout is later than everything its training rows saw.
/// </summary>
public sealed record TrainingSet(string Kind, IReadOnlyList<Example> Train, IReadOnlyList<Example> Holdout, DataWindow Window);

/// <summary>The days a training set's features and labels came from (days since 1970-01-01 UTC).</summary>
public sealed record DataWindow(long FirstDay, long AsOfDay, IReadOnlyList<long> TrainCutoffs, IReadOnlyList<long> HoldoutCutoffs, string Split)
{
    public DateTimeOffset From => DateTimeOffset.UnixEpoch.AddDays(FirstDay);
    public DateTimeOffset AsOf => DateTimeOffset.UnixEpoch.AddDays(AsOfDay);

    /// <summary>The window as a model card shows it.</summary>
    public ModelWindow ToCard() => new(From, AsOf,
        [.. TrainCutoffs.Distinct().Order().Select(d => DateTimeOffset.UnixEpoch.AddDays(d))],
        [.. HoldoutCutoffs.Distinct().Order().Select(d => DateTimeOffset.UnixEpoch.AddDays(d))], Split);
}

public sealed class ChurnDefinition
{
    /// <summary>Days after the cut-off in which a player with no real-money bet and no deposit has churned.</summary>
    public int HorizonDays { get; set; } = 30;

    /// <summary>Only players active in this many days before the cut-off are scored.</summary>
    public int ActiveWithinDays { get; set; } = 30;

    /// <summary>Cut-offs used for training per fold, <see cref="CutoffSpacingDays"/> apart, the newest whose labels end by the fold's holdout cut-off.</summary>
    public int TrainingCutoffs { get; set; } = 20;

    public int CutoffSpacingDays { get; set; } = 2;

    /// <summary>Rolling holdouts: the latest possible cut-off, then each <see cref="HoldoutSpacingDays"/> earlier.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 12)] public int Holdouts { get; set; } = 3;

    public int HoldoutSpacingDays { get; set; } = 7;
}

public sealed class VipDefinition
{
    /// <summary>NGR is judged over this many days from the first deposit.</summary>
    public int OutcomeDays { get; set; } = 90;

    /// <summary>A VIP ends in this top share of NGR over <see cref="OutcomeDays"/> (0.05 = top 5%).</summary>
    public double TopShare { get; set; } = 0.05;

    /// <summary>Share of the first-deposit cohorts each rolling holdout takes: the newest share, then the one before it, …</summary>
    public double HoldoutShare { get; set; } = 0.2;

    /// <summary>Rolling holdouts (each trains only on cohorts older than it holds out).</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 4)] public int Holdouts { get; set; } = 3;
}

/// <summary>
/// Point-in-time training sets. For a cut-off day C, features come only from days before C (see
/// <see cref="ChurnFeatures.At"/>, <see cref="VipFeatures.At"/>) and labels only from days from C on. The holdout is
/// later in time than everything trained on: for churn, training labels end on or before the holdout cut-off.
/// </summary>
public static class TrainingSets
{
    /// <summary>The latest churn fold.</summary>
    public static TrainingSet Churn(IEnumerable<PlayerHistory> histories, long asOfDay, ChurnDefinition d) => ChurnFolds(histories, asOfDay, d)[0];

    /// <summary>
    /// Rolling churn folds, latest first. Fold k is judged at the holdout cut-off H_k = today − horizon − k × spacing (its
    /// labels are complete) and trained on cut-offs whose labels end by H_k.
    /// </summary>
    /// <param name="asOfDay">The first day not yet complete (today): labels use only days before it.</param>
    public static IReadOnlyList<TrainingSet> ChurnFolds(IEnumerable<PlayerHistory> histories, long asOfDay, ChurnDefinition d)
    {
        var all = histories as IReadOnlyList<PlayerHistory> ?? [.. histories];
        var first = all.Where(h => h.DayNumbers.Length > 0).Select(h => h.DayNumbers[0]).DefaultIfEmpty(asOfDay).Min();
        var folds = new List<(long Holdout, List<long> Train)>();
        for (var k = 0; k < d.Holdouts; k++)
        {
            var holdout = asOfDay - d.HorizonDays - (long)k * d.HoldoutSpacingDays;
            folds.Add((holdout, [.. Enumerable.Range(0, d.TrainingCutoffs).Select(i => holdout - d.HorizonDays - (long)i * d.CutoffSpacingDays)]));
        }
        // A row at a cut-off is the same whichever fold uses it: build each once.
        var rows = new Dictionary<long, List<Example>>();
        List<Example> At(long c)
        {
            if (rows.TryGetValue(c, out var r)) return r;
            r = [];
            foreach (var h in all)
            {
                if (ChurnExample(h, c, d) is { } e) r.Add(e);
            }
            return rows[c] = r;
        }
        var split = $"{d.TrainingCutoffs} train cut-offs every {d.CutoffSpacingDays} days whose {d.HorizonDays}-day labels end by the holdout cut-off";
        var sets = new List<TrainingSet>(folds.Count);
        foreach (var (holdout, train) in folds)
        {
            sets.Add(new TrainingSet("churn", [.. train.SelectMany(At)], At(holdout), new DataWindow(first, asOfDay, train, [holdout], split)));
        }
        return sets;
    }

    /// <summary>A churn row at cut-off <paramref name="c"/>, or null when the player was not active in the days before it.</summary>
    public static Example? ChurnExample(PlayerHistory h, long c, ChurnDefinition d)
    {
        if (h.CountDays(c - d.ActiveWithinDays, c, PlayerHistory.Active) == 0) return null;
        var churned = h.CountDays(c, c + d.HorizonDays, b => PlayerHistory.RealMoneyBet(b) || PlayerHistory.Deposited(b)) == 0;
        return new Example(h.PlayerId, c, ChurnFeatures.At(h, c), churned);
    }

    /// <summary>The latest VIP fold.</summary>
    public static TrainingSet Vip(IEnumerable<PlayerHistory> histories, long asOfDay, long firstDay, VipDefinition d) => VipFolds(histories, asOfDay, firstDay, d)[0];

    /// <summary>
    /// Rolling VIP folds, latest first: depositors whose whole outcome window is known, ordered by first deposit; fold k
    /// holds out the k-th newest <see cref="VipDefinition.HoldoutShare"/> of them and trains on every older cohort. The
    /// VIP line is drawn on each fold's training cohorts only.
    /// </summary>
    /// <param name="asOfDay">The first day not yet complete (today).</param>
    /// <param name="firstDay">The first day the store holds buckets for (earlier first deposits lack their early days).</param>
    public static IReadOnlyList<TrainingSet> VipFolds(IEnumerable<PlayerHistory> histories, long asOfDay, long firstDay, VipDefinition d)
    {
        var cohort = new List<(PlayerHistory H, long F, decimal Ngr)>();
        foreach (var h in histories)
        {
            if (VipFeatures.FirstDeposit(h) is not { } f || f < firstDay || f + d.OutcomeDays > asOfDay) continue;
            cohort.Add((h, f, VipFeatures.Ngr(h, f, f + d.OutcomeDays)));
        }
        if (cohort.Count == 0) return [new TrainingSet("vip", [], [], new DataWindow(firstDay, asOfDay, [], [], "no depositor has a complete outcome window yet"))];
        cohort.Sort((a, b) => a.F != b.F ? a.F.CompareTo(b.F) : string.CompareOrdinal(a.H.PlayerId, b.H.PlayerId));
        var folds = new List<TrainingSet>();
        for (var k = 0; k < d.Holdouts; k++)
        {
            var from = cohort[(int)Math.Clamp(Math.Floor(cohort.Count * (1 - (k + 1) * d.HoldoutShare)), 0, cohort.Count - 1)].F;
            var to = k == 0 ? long.MaxValue : cohort[(int)Math.Clamp(Math.Floor(cohort.Count * (1 - k * d.HoldoutShare)), 0, cohort.Count - 1)].F;
            var trainCohort = cohort.Where(x => x.F < from).ToList();
            var held = cohort.Where(x => x.F >= from && x.F < to).ToList();
            if (held.Count == 0) break;
            var threshold = Threshold(trainCohort.Count > 0 ? trainCohort.Select(x => x.Ngr) : held.Select(x => x.Ngr), d.TopShare);
            var train = new List<Example>();
            foreach (var (h, f, ngr) in trainCohort)
            {
                foreach (var observed in VipFeatures.TrainingObservations) train.Add(VipExample(h, f, observed, ngr >= threshold && ngr > 0));
            }
            folds.Add(new TrainingSet("vip", train, [.. held.Select(x => VipExample(x.H, x.F, VipFeatures.ObservedDays, x.Ngr >= threshold && x.Ngr > 0))],
                new DataWindow(firstDay, asOfDay, [.. trainCohort.Select(x => x.F).Distinct()], [.. held.Select(x => x.F).Distinct()],
                    $"first-deposit cohorts before {DateTimeOffset.UnixEpoch.AddDays(from):yyyy-MM-dd} train, those from it{(to == long.MaxValue ? "" : $" to {DateTimeOffset.UnixEpoch.AddDays(to):yyyy-MM-dd}")} are held out; VIP line: NGR ≥ {threshold:0.##} over {d.OutcomeDays} days (top {d.TopShare:P0} of the training cohorts)")));
        }
        return folds;
    }

    private static Example VipExample(PlayerHistory h, long f, int observed, bool label) =>
        new(h.PlayerId, f + observed, VipFeatures.At(h, f + observed, observed)!, label);

    /// <summary>The NGR at the top <paramref name="share"/> of the values (the (1 − share) quantile).</summary>
    public static decimal Threshold(IEnumerable<decimal> values, double share)
    {
        var sorted = values.OrderByDescending(v => v).ToList();
        if (sorted.Count == 0) return decimal.MaxValue;
        var n = Math.Max(1, (int)Math.Ceiling(sorted.Count * share));
        return sorted[n - 1];
    }
}
