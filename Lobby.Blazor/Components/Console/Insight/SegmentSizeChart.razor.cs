using Microsoft.AspNetCore.Components;
using MudBlazor;
using Shared.Contracts;

namespace Lobby.Components.Console.Insight;

/// <summary>A segment's member count over time, one point a day (the day's last recorded size), or per hour for a young segment.</summary>
public sealed partial class SegmentSizeChart
{
    [Parameter] public SegmentSizeHistory? History { get; set; }

    private IReadOnlyList<(DateTimeOffset At, long Members)> Points { get; set; } = [];

    private List<ChartSeries<double>> Series { get; set; } = [];

    private string[] Labels { get; set; } = [];

    private LineChartOptions Options { get; } = new()
    {
        ShowLegend = false,
        YAxisFormat = "N0",
        ShowDataMarkers = true,
        YAxisRequireZeroPoint = true,
    };

    private string Summary => Points.Count == 0
        ? ""
        : $"{ConsoleFormat.Count(Points[^1].Members)} members now; lowest {ConsoleFormat.Count(Points.Min(p => p.Members))}, " +
          $"highest {ConsoleFormat.Count(Points.Max(p => p.Members))} since {ConsoleFormat.Exact(Points[0].At)}.";

    protected override void OnParametersSet()
    {
        Points = Downsample(History?.Points ?? []);
        Series = [new ChartSeries<double> { Name = "Members", Data = new ChartData<double>(Points.Select(p => (double)p.Members).ToList()) }];
        Options.YAxisTicks = ConsoleFormat.TickStep(Points.Count == 0 ? 0 : Points.Max(p => p.Members));
        // About eight labels across, whatever the number of points.
        var every = Math.Max(1, (int)Math.Ceiling(Points.Count / 8.0));
        var daily = Points.Count > 1 && Points[^1].At - Points[0].At > TimeSpan.FromDays(2);
        Labels = [.. Points.Select((p, i) => i % every == 0 ? p.At.ToUniversalTime().ToString(daily ? "d MMM" : "d MMM HH:mm", System.Globalization.CultureInfo.InvariantCulture) : "")];
    }

    /// <summary>Over more than two days, the last size of each UTC day; otherwise every point.</summary>
    internal static IReadOnlyList<(DateTimeOffset At, long Members)> Downsample(IReadOnlyList<SegmentSizePoint> points)
    {
        var ordered = points.OrderBy(p => p.At).Select(p => (p.At, p.Members)).ToList();
        if (ordered.Count < 2 || ordered[^1].At - ordered[0].At <= TimeSpan.FromDays(2)) return ordered;
        return [.. ordered.GroupBy(p => p.At.UtcDateTime.Date).Select(day => day.Last())];
    }
}
