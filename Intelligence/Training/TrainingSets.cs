using Shared.Contracts;
using Intelligence.Features;
using Intelligence.Models;
using Intelligence.SaferGambling;

namespace Intelligence.Training;

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

public sealed class HarmDefinition
{
    /// <summary>Days after the cut-off in which a self-exclusion, a closure or a confirmed case outcome makes the row a positive.</summary>
    public int HorizonDays { get; set; } = 28;

    /// <summary>Only players active in this many days before the cut-off are scored.</summary>
    public int ActiveWithinDays { get; set; } = 14;

    public int TrainingCutoffs { get; set; } = 10;
    public int CutoffSpacingDays { get; set; } = 3;
    [System.ComponentModel.DataAnnotations.Range(1, 12)] public int Holdouts { get; set; } = 3;
    public int HoldoutSpacingDays { get; set; } = 7;

    /// <summary>One in this many players is held out of training and judges the model.</summary>
    [System.ComponentModel.DataAnnotations.Range(2, 10)] public int HoldoutPlayersOneIn { get; set; } = 3;

    /// <summary>
    /// Positive rows (harm outcomes) the latest fold's training rows need before a model is trained; with fewer, the
    /// weighted-marker rule serves and the model card says why.
    /// </summary>
    [System.ComponentModel.DataAnnotations.Range(5, 100_000)] public int MinimumPositives { get; set; } = 20;
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
        return RollingFolds("churn", all, First(all, asOfDay), asOfDay, d.HorizonDays, d.TrainingCutoffs, d.CutoffSpacingDays, d.Holdouts, d.HoldoutSpacingDays,
            (h, c) => ChurnExample(h, c, d), null, $"{d.TrainingCutoffs} train cut-offs every {d.CutoffSpacingDays} days whose {d.HorizonDays}-day labels end by the holdout cut-off");
    }

    private static long First(IEnumerable<PlayerHistory> histories, long asOfDay) =>
        histories.Where(h => h.DayNumbers.Length > 0).Select(h => h.DayNumbers[0]).DefaultIfEmpty(asOfDay).Min();

    /// <summary>
    /// Rolling folds, latest first, for an outcome over <paramref name="horizon"/> days after a cut-off. Fold k is judged
    /// at H_k = today − horizon − k × holdout spacing (its labels are complete) and trained on cut-offs whose labels end
    /// by H_k. With <paramref name="heldOut"/>, a fold also holds out players: its holdout rows are only theirs and its
    /// training rows only the others'.
    /// </summary>
    private static List<TrainingSet> RollingFolds<T>(string kind, IReadOnlyList<T> players, long first, long asOfDay, int horizon, int trainingCutoffs,
        int cutoffSpacing, int holdouts, int holdoutSpacing, Func<T, long, Example?> example, Func<string, bool>? heldOut, string split)
    {
        var folds = new List<(long Holdout, List<long> Train)>();
        for (var k = 0; k < holdouts; k++)
        {
            var holdout = asOfDay - horizon - (long)k * holdoutSpacing;
            folds.Add((holdout, [.. Enumerable.Range(0, trainingCutoffs).Select(i => holdout - horizon - (long)i * cutoffSpacing)]));
        }
        // A row at a cut-off is the same whichever fold uses it: build each once (in parallel: harm markers are not cheap).
        var rows = new Dictionary<long, List<Example>>();
        List<Example> At(long c)
        {
            if (rows.TryGetValue(c, out var r)) return r;
            return rows[c] = [.. players.AsParallel().AsOrdered().Select(p => example(p, c)).Where(e => e is not null).Select(e => e!)];
        }
        var sets = new List<TrainingSet>(folds.Count);
        foreach (var (holdout, train) in folds)
        {
            var trainRows = train.SelectMany(At).Where(e => heldOut is null || !heldOut(e.PlayerId)).ToList();
            var holdoutRows = At(holdout).Where(e => heldOut is null || heldOut(e.PlayerId)).ToList();
            sets.Add(new TrainingSet(kind, trainRows, holdoutRows, new DataWindow(first, asOfDay, train, [holdout], split)));
        }
        return sets;
    }

    /// <summary>
    /// Rolling harm folds, latest first: features are the markers as known before a cut-off, the label a harm outcome
    /// (<see cref="HarmLabels.HarmWithin"/>) within the horizon after it. Each fold holds out one in
    /// <see cref="HarmDefinition.HoldoutPlayersOneIn"/> players (by a stable hash of their id) besides holding out in time,
    /// so a player the model learnt from never judges it.
    /// </summary>
    public static IReadOnlyList<TrainingSet> HarmFolds(IReadOnlyList<PlayerSnapshot> players, IReadOnlyDictionary<string, HarmCaseOutcome> caseOutcomes, long asOfDay, HarmDefinition d) =>
        RollingFolds(ModelKinds.Harm, players, First(players.Select(p => p.History), asOfDay), asOfDay, d.HorizonDays, d.TrainingCutoffs, d.CutoffSpacingDays, d.Holdouts,
            d.HoldoutSpacingDays, (s, c) => HarmExample(s, c, caseOutcomes.GetValueOrDefault(s.Profile.PlayerId), d), id => HeldOut(id, d.HoldoutPlayersOneIn),
            $"{d.TrainingCutoffs} train cut-offs every {d.CutoffSpacingDays} days whose {d.HorizonDays}-day labels end by the holdout cut-off; one in {d.HoldoutPlayersOneIn} players held out");

    /// <summary>A harm row at cut-off <paramref name="c"/>, or null when the player was not active in the days before it or had already left.</summary>
    public static Example? HarmExample(PlayerSnapshot s, long c, HarmCaseOutcome? caseOutcome, HarmDefinition d)
    {
        var h = s.History;
        if (HarmLabels.GoneBefore(h, c) || h.CountDays(c - d.ActiveWithinDays, c, PlayerHistory.Active) == 0) return null;
        return new Example(h.PlayerId, c, HarmFeatures.At(h, s.Profile.Country, c).Row, HarmLabels.HarmWithin(h, caseOutcome, c, c + d.HorizonDays));
    }

    /// <summary>Whether a player is in the held-out share: FNV-1a of the id, so the split is the same on every run and machine.</summary>
    public static bool HeldOut(string playerId, int oneIn)
    {
        var hash = 2166136261u;
        foreach (var ch in playerId) hash = (hash ^ ch) * 16777619u;
        return hash % (uint)oneIn == 0;
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
