using Intelligence.Features;
using Intelligence.Models;

namespace Intelligence.Training;

/// <summary>One labelled row: whose, as of which cut-off day, the features, the label, and the rule baseline's input.</summary>
public sealed record Example(string PlayerId, long Cutoff, float[] Features, bool Label, float Baseline);

/// <summary>Rows to fit on and rows to judge on, split in time, with what the split was.</summary>
public sealed record TrainingSet(string Kind, IReadOnlyList<Example> Train, IReadOnlyList<Example> Holdout, DataWindow Window);

/// <summary>The days a training set's features and labels came from (days since 1970-01-01 UTC).</summary>
public sealed record DataWindow(long FirstDay, long AsOfDay, IReadOnlyList<long> TrainCutoffs, IReadOnlyList<long> HoldoutCutoffs, string Split)
{
    public DateTimeOffset From => DateTimeOffset.UnixEpoch.AddDays(FirstDay);
    public DateTimeOffset AsOf => DateTimeOffset.UnixEpoch.AddDays(AsOfDay);
}

public sealed class ChurnDefinition
{
    /// <summary>Days after the cut-off in which a player with no real-money bet and no deposit has churned.</summary>
    public int HorizonDays { get; set; } = 30;

    /// <summary>Only players active in this many days before the cut-off are scored.</summary>
    public int ActiveWithinDays { get; set; } = 30;

    /// <summary>Weekly cut-offs used for training (the holdout has its own, the latest possible).</summary>
    public int TrainingCutoffs { get; set; } = 6;

    public int CutoffSpacingDays { get; set; } = 7;
}

public sealed class VipDefinition
{
    /// <summary>NGR is judged over this many days from the first deposit.</summary>
    public int OutcomeDays { get; set; } = 90;

    /// <summary>A VIP ends in this top share of NGR over <see cref="OutcomeDays"/> (0.05 = top 5%).</summary>
    public double TopShare { get; set; } = 0.05;

    /// <summary>Share of the newest first-deposit cohorts held out for evaluation.</summary>
    public double HoldoutShare { get; set; } = 0.25;
}

/// <summary>
/// Point-in-time training sets. For a cut-off day C, features come only from days before C (see
/// <see cref="ChurnFeatures.At"/>, <see cref="VipFeatures.At"/>) and labels only from days from C on. The holdout is
/// later in time than everything trained on: for churn, training labels end on or before the holdout cut-off.
/// </summary>
public static class TrainingSets
{
    /// <param name="asOfDay">The first day not yet complete (today): labels use only days before it.</param>
    public static TrainingSet Churn(IEnumerable<PlayerHistory> histories, long asOfDay, ChurnDefinition d)
    {
        var holdoutCutoff = asOfDay - d.HorizonDays;
        var trainCutoffs = Enumerable.Range(0, d.TrainingCutoffs).Select(k => holdoutCutoff - d.HorizonDays - (long)k * d.CutoffSpacingDays).ToList();
        var train = new List<Example>();
        var holdout = new List<Example>();
        var first = long.MaxValue;
        foreach (var h in histories)
        {
            if (h.DayNumbers.Length > 0) first = Math.Min(first, h.DayNumbers[0]);
            if (ChurnExample(h, holdoutCutoff, d) is { } e) holdout.Add(e);
            foreach (var c in trainCutoffs)
            {
                if (ChurnExample(h, c, d) is { } t) train.Add(t);
            }
        }
        return new TrainingSet("churn", train, holdout,
            new DataWindow(first == long.MaxValue ? asOfDay : first, asOfDay, trainCutoffs, [holdoutCutoff],
                $"train cut-offs every {d.CutoffSpacingDays} days whose {d.HorizonDays}-day labels end by the holdout cut-off"));
    }

    /// <summary>A churn row at cut-off <paramref name="c"/>, or null when the player was not active in the days before it.</summary>
    public static Example? ChurnExample(PlayerHistory h, long c, ChurnDefinition d)
    {
        if (h.CountDays(c - d.ActiveWithinDays, c, PlayerHistory.Active) == 0) return null;
        var churned = h.CountDays(c, c + d.HorizonDays, b => PlayerHistory.RealMoneyBet(b) || PlayerHistory.Deposited(b)) == 0;
        return new Example(h.PlayerId, c, ChurnFeatures.At(h, c), churned, (float)RuleDefinition.ValueOf(ModelKinds.Churn, h, c)!.Value);
    }

    /// <param name="asOfDay">The first day not yet complete (today).</param>
    /// <param name="firstDay">The first day the store holds buckets for (earlier first deposits lack their early days).</param>
    public static TrainingSet Vip(IEnumerable<PlayerHistory> histories, long asOfDay, long firstDay, VipDefinition d)
    {
        // Depositors whose whole outcome window is known and inside the history held.
        var cohort = new List<(PlayerHistory H, long F, decimal Ngr)>();
        foreach (var h in histories)
        {
            if (VipFeatures.FirstDeposit(h) is not { } f || f < firstDay || f + d.OutcomeDays > asOfDay) continue;
            cohort.Add((h, f, VipFeatures.Ngr(h, f, f + d.OutcomeDays)));
        }
        if (cohort.Count == 0) return new TrainingSet("vip", [], [], new DataWindow(firstDay, asOfDay, [], [], "no depositor has a complete outcome window yet"));
        cohort.Sort((a, b) => a.F != b.F ? a.F.CompareTo(b.F) : string.CompareOrdinal(a.H.PlayerId, b.H.PlayerId));
        var split = cohort[(int)Math.Clamp(Math.Floor(cohort.Count * (1 - d.HoldoutShare)), 0, cohort.Count - 1)].F;
        var trainCohort = cohort.Where(x => x.F < split).ToList();
        // The VIP line is drawn on the training cohorts only, and applied unchanged to the holdout.
        var threshold = Threshold(trainCohort.Count > 0 ? trainCohort.Select(x => x.Ngr) : cohort.Select(x => x.Ngr), d.TopShare);
        var train = new List<Example>();
        var holdout = new List<Example>();
        foreach (var (h, f, ngr) in cohort)
        {
            var label = ngr >= threshold && ngr > 0;
            if (f < split)
            {
                foreach (var observed in VipFeatures.TrainingObservations) train.Add(VipExample(h, f, observed, label));
            }
            else
            {
                holdout.Add(VipExample(h, f, VipFeatures.ObservedDays, label));
            }
        }
        return new TrainingSet("vip", train, holdout,
            new DataWindow(firstDay, asOfDay, [.. trainCohort.Select(x => x.F).Distinct()], [.. cohort.Where(x => x.F >= split).Select(x => x.F).Distinct()],
                $"first-deposit cohorts before {DateTimeOffset.UnixEpoch.AddDays(split):yyyy-MM-dd} train, later ones are held out; VIP line: NGR ≥ {threshold:0.##} over {d.OutcomeDays} days (top {d.TopShare:P0} of the training cohorts)"));
    }

    private static Example VipExample(PlayerHistory h, long f, int observed, bool label)
    {
        return new Example(h.PlayerId, f + observed, VipFeatures.At(h, f + observed, observed)!, label, (float)RuleDefinition.ValueOf(ModelKinds.Vip, h, f + observed)!.Value);
    }

    /// <summary>The NGR at the top <paramref name="share"/> of the values (the (1 − share) quantile).</summary>
    public static decimal Threshold(IEnumerable<decimal> values, double share)
    {
        var sorted = values.OrderByDescending(v => v).ToList();
        if (sorted.Count == 0) return decimal.MaxValue;
        var n = Math.Max(1, (int)Math.Ceiling(sorted.Count * share));
        return sorted[n - 1];
    }
}
