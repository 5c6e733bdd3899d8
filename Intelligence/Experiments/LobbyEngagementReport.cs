using System.Globalization;
using Shared.Contracts;
using StackExchange.Redis;

namespace Intelligence.Experiments;

/// <summary>
/// Reads the counters Ingestion keeps of <c>lobby.impression</c> and <c>lobby.launch</c> (fields
/// <c>kind|experiment|group|…</c> of each day's hash; Ingestion/Events/LobbyEventParser.cs lists them) for one
/// experiment, and turns them into the report's engagement tables and the lobby's rate metrics. Pure: no I/O.
/// </summary>
public static class LobbyEngagementReport
{
    public const string Ctr = "ctr";
    public const string LaunchesPerImpression = "launchesPerImpression";

    /// <summary>One parsed counter: kind letter, group, list (or row position), tile position or model version, count.</summary>
    internal readonly record struct Counter(char Kind, string Group, string Key, string? Sub, long Count);

    internal static IEnumerable<Counter> Parse(HashEntry[] fields)
    {
        foreach (var f in fields)
        {
            // kind|experiment|group|key[|sub]: the experiment id holds no '|', nor do the parts after it.
            var parts = f.Name.ToString().Split('|');
            if (parts.Length < 4 || parts[0].Length != 1) continue;
            yield return new Counter(parts[0][0], parts[2], parts[3], parts.Length > 4 ? parts[4] : null, (long)f.Value);
        }
    }

    public static LobbyEngagement Build(IReadOnlyList<(long Day, HashEntry[] Counts)> days)
    {
        var all = days.SelectMany(d => Parse(d.Counts)).ToList();
        long Sum(char kind, string group, string? key = null, string? sub = null) =>
            all.Where(c => c.Kind == kind && c.Group == group && (key is null || c.Key == key) && (sub is null || c.Sub == sub)).Sum(c => c.Count);
        static double? Ratio(long a, long b) => b == 0 ? null : (double)a / b;

        var rows = new List<LobbyRowEngagement>();
        foreach (var (group, list) in all.Where(c => c.Kind is 'r' or 't' or 'l').Select(c => (c.Group, c.Key)).Distinct().OrderBy(x => x.Group, StringComparer.Ordinal).ThenBy(x => x.Key, StringComparer.Ordinal))
        {
            long shown = Sum('r', group, list), tiles = Sum('t', group, list), launches = Sum('l', group, list);
            rows.Add(new LobbyRowEngagement(group, list, null, shown, tiles, launches, Ratio(launches, tiles), Ratio(launches, shown)));
            var positions = all.Where(c => c.Kind is 't' or 'l' && c.Group == group && c.Key == list && c.Sub is not null)
                .Select(c => int.Parse(c.Sub!, CultureInfo.InvariantCulture)).Distinct().Order();
            foreach (var position in positions)
            {
                var at = position.ToString(CultureInfo.InvariantCulture);
                long t = Sum('t', group, list, at), l = Sum('l', group, list, at);
                rows.Add(new LobbyRowEngagement(group, list, position, t, t, l, Ratio(l, t), null));
            }
        }
        var pages = all.Where(c => c.Kind is 'p' or 'q').Select(c => (c.Group, c.Key)).Distinct()
            .Select(x => (x.Group, Row: int.Parse(x.Key, CultureInfo.InvariantCulture))).OrderBy(x => x.Group, StringComparer.Ordinal).ThenBy(x => x.Row)
            .Select(x =>
            {
                var at = x.Row.ToString(CultureInfo.InvariantCulture);
                long shown = Sum('p', x.Group, at), launches = Sum('q', x.Group, at);
                return new LobbyPageEngagement(x.Group, x.Row, shown, launches, Ratio(launches, shown));
            }).ToList();
        var models = all.Where(c => c.Kind is 'v' or 'w' && c.Sub is not null).Select(c => (c.Group, c.Key, Version: c.Sub!)).Distinct()
            .OrderBy(x => x.Group, StringComparer.Ordinal).ThenBy(x => x.Key, StringComparer.Ordinal).ThenBy(x => x.Version, StringComparer.Ordinal)
            .Select(x =>
            {
                long shown = Sum('v', x.Group, x.Key, x.Version), launches = Sum('w', x.Group, x.Key, x.Version);
                return new LobbyModelEngagement(x.Group, x.Key, x.Version, shown, launches, Ratio(launches, shown));
            }).ToList();
        var daily = new List<LobbyDayEngagement>();
        foreach (var (day, counts) in days)
        {
            var of = Parse(counts).ToList();
            foreach (var group in of.Select(c => c.Group).Distinct().Order(StringComparer.Ordinal))
            {
                daily.Add(new LobbyDayEngagement(DateOnly.FromDateTime(DateTime.UnixEpoch.AddDays(day)), group,
                    of.Where(c => c.Kind == 'r' && c.Group == group).Sum(c => c.Count),
                    of.Where(c => c.Kind == 't' && c.Group == group).Sum(c => c.Count),
                    of.Where(c => c.Kind == 'l' && c.Group == group).Sum(c => c.Count)));
            }
        }
        return new LobbyEngagement(rows, pages, models, daily);
    }

    /// <summary>
    /// The lobby's rates per group, every row together: launches per tile shown (<c>ctr</c>) and per row shown
    /// (<c>launchesPerImpression</c>). One player sees many rows, so impressions are not independent trials; each day's
    /// rate is one observation and the interval is Welch's over the days on which both groups were shown rows.
    /// </summary>
    public static IReadOnlyList<ExperimentMetric> Metrics(IReadOnlyList<(long Day, HashEntry[] Counts)> days)
    {
        var ctr = (T: new List<Observation>(), C: new List<Observation>());
        var perRow = (T: new List<Observation>(), C: new List<Observation>());
        foreach (var (_, counts) in days)
        {
            var of = Parse(counts).ToList();
            long Sum(char kind, string group) => of.Where(c => c.Kind == kind && c.Group == group).Sum(c => c.Count);
            long rt = Sum('r', ExperimentGroups.Treatment), rc = Sum('r', ExperimentGroups.Control);
            if (rt == 0 || rc == 0) continue;
            long tt = Sum('t', ExperimentGroups.Treatment), tc = Sum('t', ExperimentGroups.Control);
            long lt = Sum('l', ExperimentGroups.Treatment), lc = Sum('l', ExperimentGroups.Control);
            ctr.T.Add(new Observation((double)lt / tt, 0));
            ctr.C.Add(new Observation((double)lc / tc, 0));
            perRow.T.Add(new Observation((double)lt / rt, 0));
            perRow.C.Add(new Observation((double)lc / rc, 0));
        }
        return
        [
            Metric(Ctr, "Launches per tile shown (daily rate)", UpliftStatistics.Compare(ctr.T, ctr.C, adjust: false)),
            Metric(LaunchesPerImpression, "Launches per row shown (daily rate)", UpliftStatistics.Compare(perRow.T, perRow.C, adjust: false)),
        ];
    }

    private static ExperimentMetric Metric(string name, string label, Uplift u) =>
        new(name, label, "rate", u.TreatmentMean, u.ControlMean, u.Absolute, u.Relative, u.Low, u.High, u.RelativeLow, u.RelativeHigh, u.Significant, null);
}
