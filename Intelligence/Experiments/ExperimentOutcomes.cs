using Intelligence.Features;

namespace Intelligence.Experiments;

/// <summary>The per-player outcomes a report compares, with the words and units a marketer reads.</summary>
public sealed record OutcomeMetric(string Name, string Label, string Unit);

/// <summary>
/// What a player did in the horizon after assignment, from the day buckets Ingestion keeps exactly (UTC days; money in
/// the base currency). With d the day of assignment and H the horizon:
/// <list type="bullet">
/// <item><c>depositAmount</c>, <c>ggr</c> (stake − wins), <c>activeDays</c>: over the H days d … d+H−1, the day of
/// assignment included (a player assigned on a visit may respond in that visit);</item>
/// <item><c>retained</c>: 1 when active on any of the H days after the day of assignment, d+1 … d+H (came back).</item>
/// </list>
/// The covariate of each is the same measure over the H days before (d−H … d−1; for retained, active in them): nothing
/// after assignment, so the adjustment cannot absorb any of the treatment's effect. A player counts once every day of
/// both windows has passed: the day d+H is over. Pure: no I/O.
/// </summary>
public static class ExperimentOutcomes
{
    public const string DepositAmount = "depositAmount";
    public const string Ggr = "ggr";
    public const string ActiveDays = "activeDays";
    public const string Retained = "retained";

    public static readonly IReadOnlyList<OutcomeMetric> Metrics =
    [
        new(DepositAmount, "Deposits per player", "money"),
        new(Ggr, "GGR per player (stake − wins)", "money"),
        new(ActiveDays, "Active days per player", "days"),
        new(Retained, "Came back (active after the day of assignment)", "share"),
    ];

    /// <summary>The last day a player's windows need: they count in a report made on a later day.</summary>
    public static long CompleteAfter(long assignedDay, int horizonDays) => assignedDay + horizonDays;

    /// <summary>The player's outcome and covariate for every metric of <see cref="Metrics"/>, in that order.</summary>
    public static Observation[] Of(PlayerHistory history, long assignedDay, int horizonDays)
    {
        var d = assignedDay;
        var h = horizonDays;
        var after = history.Sum(d, d + h);
        var before = history.Sum(d - h, d);
        var cameBack = history.CountDays(d + 1, d + h + 1, PlayerHistory.Active) > 0 ? 1 : 0;
        var wasActive = history.CountDays(d - h, d, PlayerHistory.Active) > 0 ? 1 : 0;
        return
        [
            new(Money(after[DayField.DepositAmount]), Money(before[DayField.DepositAmount])),
            new(Money(after[DayField.Stake] - after[DayField.Win]), Money(before[DayField.Stake] - before[DayField.Win])),
            new(after[DayField.Active], before[DayField.Active]),
            new(cameBack, wasActive),
        ];
    }

    /// <summary>Bucket amounts are integers of 1/10,000 of the base currency.</summary>
    private static double Money(long units) => units / 10_000d;
}
