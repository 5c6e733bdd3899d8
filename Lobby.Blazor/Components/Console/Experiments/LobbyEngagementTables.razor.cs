using System.Globalization;
using Microsoft.AspNetCore.Components;
using MudBlazor;
using Shared.Contracts;

namespace Lobby.Components.Console.Experiments;

/// <summary>Impressions and launches per group: by row, by position in the row (all rows together), and click-through per day.</summary>
public sealed partial class LobbyEngagementTables
{
    [Parameter, EditorRequired] public LobbyEngagement Engagement { get; set; } = default!;

    private IReadOnlyList<LobbyRowEngagement> Rows { get; set; } = [];

    private IReadOnlyList<LobbyRowEngagement> Positions { get; set; } = [];

    private List<ChartSeries<double>> DailyLines { get; set; } = [];

    private string[] DailyLabels { get; set; } = [];

    private LineChartOptions DailyOptions { get; } = new() { ShowLegend = true, YAxisFormat = "0.0'%'", YAxisRequireZeroPoint = true };

    protected override void OnParametersSet()
    {
        Rows = [.. Engagement.Rows.Where(r => r.Position is null && r.Group != "*").OrderBy(r => r.Group, StringComparer.Ordinal).ThenByDescending(r => r.Impressions)];
        Positions = Totals(Engagement.Rows.Where(r => r.Position is not null && r.Group != "*"));
        var days = Engagement.Days.Select(d => d.Day).Distinct().Order().ToList();
        DailyLines = [.. Engagement.Days.Select(d => d.Group).Where(g => g != "*").Distinct().Order(StringComparer.Ordinal).Select(group => new ChartSeries<double>
        {
            Name = group,
            Data = new ChartData<double>([.. days.Select(day => Engagement.Days.FirstOrDefault(d => d.Day == day && d.Group == group) is { TilesShown: > 0 } d
                ? Math.Round(100.0 * d.Launches / d.TilesShown, 3) : 0)]),
        })];
        var every = Math.Max(1, (int)Math.Ceiling(days.Count / 8.0));
        DailyLabels = [.. days.Select((d, i) => i % every == 0 ? d.ToString("d MMM", CultureInfo.InvariantCulture) : "")];
    }

    /// <summary>Each group's tiles and launches by position, every row added together.</summary>
    internal static IReadOnlyList<LobbyRowEngagement> Totals(IEnumerable<LobbyRowEngagement> positions) =>
        [.. positions.GroupBy(r => (r.Group, r.Position)).OrderBy(g => g.Key.Group, StringComparer.Ordinal).ThenBy(g => g.Key.Position).Select(g =>
        {
            long shown = g.Sum(r => r.Impressions), launches = g.Sum(r => r.Launches);
            return new LobbyRowEngagement(g.Key.Group, "all rows", g.Key.Position, shown, shown, launches, shown == 0 ? null : (double)launches / shown, null);
        })];
}
