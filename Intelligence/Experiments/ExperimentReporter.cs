using System.Collections.Concurrent;
using System.Globalization;
using Intelligence.Features;
using Microsoft.Extensions.Options;
using Shared.Contracts;
using Shared.Store;
using StackExchange.Redis;

namespace Intelligence.Experiments;

/// <summary>
/// Builds <see cref="ExperimentReport"/>s: every assigned player whose horizon has passed is read from the store (profile
/// and day buckets, a page of players per round trip), their outcomes compared by <see cref="UpliftStatistics"/>, and for
/// the lobby the impressions and launches Ingestion counted. A report is kept for <see cref="ExperimentOptions.ReportCacheFor"/>.
/// </summary>
public sealed class ExperimentReporter(ExperimentStore store, IConnectionMultiplexer redis, StoreKeys keys, IOptions<ExperimentOptions> options, TimeProvider clock)
{
    public const int MaxHorizonDays = 90;
    private const int PageSize = 500;

    public const string FixedHorizon = "fixed-horizon";
    public const string IntervalName = "Welch's t interval on CUPED-adjusted outcomes; relative uplift by the delta method";

    private readonly ConcurrentDictionary<(string, int), (DateTimeOffset At, ExperimentReport Report)> _cache = new();

    public async Task<ExperimentReport> ReportAsync(ExperimentDefinition experiment, int horizonDays)
    {
        var now = clock.GetUtcNow();
        if (_cache.TryGetValue((experiment.Id, horizonDays), out var cached) && now - cached.At < options.Value.ReportCacheFor) return cached.Report;
        var report = await ComputeAsync(experiment, horizonDays, now);
        _cache[(experiment.Id, horizonDays)] = (now, report);
        return report;
    }

    private async Task<ExperimentReport> ComputeAsync(ExperimentDefinition experiment, int horizon, DateTimeOffset now)
    {
        var today = ProfileReader.DayOf(now);
        var assignments = await store.AllAsync(experiment.Id);
        var assigned = ExperimentGroups.All.ToDictionary(g => g, g => (long)assignments.Count(a => a.Group == g), StringComparer.Ordinal);
        var complete = assignments
            .Where(a => a.Group != ExperimentGroups.Excluded && ExperimentOutcomes.CompleteAfter(ProfileReader.DayOf(a.AssignedAt), horizon) < today)
            .ToList();
        var players = await OutcomesAsync(complete, horizon);
        var metrics = ExperimentOutcomes.Metrics;
        var treatment = players.Where(p => p.Group == ExperimentGroups.Treatment).ToList();
        var control = players.Where(p => p.Group == ExperimentGroups.Control).ToList();
        var results = new List<ExperimentMetric>();
        for (var m = 0; m < metrics.Count; m++)
        {
            var u = UpliftStatistics.Compare([.. treatment.Select(p => p.Values[m])], [.. control.Select(p => p.Values[m])]);
            results.Add(Metric(metrics[m], u));
        }
        LobbyEngagement? engagement = null;
        if (experiment.Record.Kind == ExperimentKinds.Lobby || experiment.Record.Kind == ExperimentKinds.Placement)
        {
            var counts = await LobbyCountsAsync(experiment, today);
            engagement = LobbyEngagementReport.Build(counts);
            if (experiment.Record.Kind == ExperimentKinds.Lobby) results.AddRange(LobbyEngagementReport.Metrics(counts));
        }
        var min = options.Value.MinimumPlayersPerGroup;
        var design = new ExperimentDesign(FixedHorizon, horizon, UpliftStatistics.ConfidenceLevel, IntervalName,
            $"the same measure over the {horizon} days before assignment (CUPED)", min, treatment.Count >= min && control.Count >= min);
        var series = Series(players, metrics);
        return new ExperimentReport(experiment.Id, experiment.Record.Kind, experiment.Record.Name, horizon,
            new ExperimentGroupSizes(treatment.Count, control.Count), assigned, results, Method(horizon, min), design,
            Summary(results[0], treatment.Count + control.Count, control.Count, design), series, engagement, now);
    }

    /// <summary>The design in one paragraph: the contract's <c>method</c>.</summary>
    public static string Method(int horizon, int minimum) => string.Create(CultureInfo.InvariantCulture,
        $"Fixed horizon: each player counts once {horizon} full days have passed since the day of assignment, and the result is final when both groups " +
        $"hold at least {minimum:N0} such players. Until then every figure is interim and must not be used to stop or declare the experiment: " +
        $"looking repeatedly and stopping on a good day inflates false positives. 95% confidence intervals by Welch's t on outcomes adjusted " +
        $"with CUPED (the same measure over the {horizon} days before assignment as covariate); relative uplift over the control mean by the delta method.");

    /// <summary>The plain sentence, led by deposits: "+4.1% deposits per player, 95% CI +1.2% to +7.0%, 3,410 players (final)".</summary>
    public static string Summary(ExperimentMetric primary, long players, long control, ExperimentDesign design)
    {
        var c = CultureInfo.InvariantCulture;
        var when = design.Final
            ? "final"
            : string.Create(c, $"interim: final at {design.MinimumPlayersPerGroup:N0} players per group, do not act on it yet");
        if (primary.UpliftRelative is not { } r || primary.Ci95LowRelative is not { } lo || primary.Ci95HighRelative is not { } hi)
        {
            return string.Create(c, $"Not enough data yet: {players:N0} players have completed {design.HorizonDays} days ({control:N0} in control); " +
                $"the result is final at {design.MinimumPlayersPerGroup:N0} per group.");
        }
        var verdict = primary.Significant ? "" : "; no difference shown";
        return string.Create(c, $"{Percent(r)} deposits per player, 95% CI {Percent(lo)} to {Percent(hi)}, {players:N0} players over {design.HorizonDays} days ({when}){verdict}.");
    }

    private static string Percent(double x) => (x >= 0 ? "+" : "−") + Math.Abs(x * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%";

    private static ExperimentMetric Metric(OutcomeMetric m, Uplift u) =>
        new(m.Name, m.Label, m.Unit, u.TreatmentMean, u.ControlMean, u.Absolute, u.Relative, u.Low, u.High, u.RelativeLow, u.RelativeHigh, u.Significant, u.VarianceReduction);

    internal sealed record PlayerOutcome(string Group, long CompleteDay, Observation[] Values);

    /// <summary>Each complete player's outcomes; players erased since (no profile, no buckets) are left out.</summary>
    private async Task<List<PlayerOutcome>> OutcomesAsync(List<Assignment> complete, int horizon)
    {
        var db = redis.GetDatabase();
        var result = new List<PlayerOutcome>(complete.Count);
        foreach (var page in complete.Chunk(PageSize))
        {
            var batch = db.CreateBatch();
            var reads = page.Select(a => (P: batch.HashGetAllAsync(keys.Profile(a.PlayerId)), D: batch.HashGetAllAsync(keys.Days(a.PlayerId)))).ToList();
            batch.Execute();
            for (var i = 0; i < page.Length; i++)
            {
                var (p, d) = (await reads[i].P, await reads[i].D);
                if (p.Length == 0 && d.Length == 0) continue;
                var day = ProfileReader.DayOf(page[i].AssignedAt);
                var history = PlayerHistory.From(page[i].PlayerId, p, d);
                result.Add(new PlayerOutcome(page[i].Group, ExperimentOutcomes.CompleteAfter(day, horizon), ExperimentOutcomes.Of(history, day, horizon)));
            }
        }
        return result;
    }

    /// <summary>
    /// Each metric's group means over the players complete by each day (the day after their last window day): descriptive,
    /// to watch data arrive; the decision is the final report's.
    /// </summary>
    internal static IReadOnlyList<ExperimentSeries> Series(IReadOnlyList<PlayerOutcome> players, IReadOnlyList<OutcomeMetric> metrics)
    {
        var byDay = players.GroupBy(p => p.CompleteDay + 1).OrderBy(g => g.Key).ToList();
        var series = new List<ExperimentSeries>(metrics.Count);
        for (var m = 0; m < metrics.Count; m++)
        {
            long nt = 0, nc = 0;
            double st = 0, sc = 0;
            var points = new List<ExperimentPoint>(byDay.Count);
            foreach (var day in byDay)
            {
                foreach (var p in day)
                {
                    if (p.Group == ExperimentGroups.Treatment) { nt++; st += p.Values[m].Outcome; }
                    else { nc++; sc += p.Values[m].Outcome; }
                }
                points.Add(new ExperimentPoint(DateOnly.FromDateTime(DateTime.UnixEpoch.AddDays(day.Key)), nt, nc, nt == 0 ? null : st / nt, nc == 0 ? null : sc / nc));
            }
            series.Add(new ExperimentSeries(metrics[m].Name, points));
        }
        return series;
    }

    /// <summary>The lobby counters of every day since the experiment started (or the retention's span), by day.</summary>
    private async Task<List<(long Day, HashEntry[] Counts)>> LobbyCountsAsync(ExperimentDefinition experiment, long today)
    {
        var from = experiment.Record.StartedAt == DateTimeOffset.MinValue ? today : Math.Max(ProfileReader.DayOf(experiment.Record.StartedAt), today - 400);
        var batch = redis.GetDatabase().CreateBatch();
        var reads = new List<(long Day, Task<HashEntry[]> Read)>();
        for (var day = from; day <= today; day++) reads.Add((day, batch.HashGetAllAsync(keys.LobbyCounts(day))));
        batch.Execute();
        var days = new List<(long, HashEntry[])>(reads.Count);
        foreach (var (day, read) in reads)
        {
            var prefix = $"|{experiment.Id}|";
            var mine = (await read).Where(e => e.Name.ToString().AsSpan(1).StartsWith(prefix, StringComparison.Ordinal)).ToArray();
            if (mine.Length > 0) days.Add((day, mine));
        }
        return days;
    }
}
