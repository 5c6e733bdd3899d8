using System.Globalization;
using Microsoft.AspNetCore.Components;
using MudBlazor;
using Shared.Contracts;

namespace Lobby.Components.Console.Operations;

/// <summary>One feed's last hours: events received (accepted and duplicate) and rejected, per hour.</summary>
public sealed partial class FeedChart
{
    [Parameter, EditorRequired] public FeedSeries Series { get; set; } = default!;

    private List<ChartSeries<double>> Lines { get; set; } = [];

    private string[] Labels { get; set; } = [];

    private LineChartOptions Options { get; } = new() { ShowLegend = true, YAxisFormat = "N0", YAxisRequireZeroPoint = true };

    internal string Summary { get; private set; } = "";

    protected override void OnParametersSet()
    {
        var hours = Series.Hours;
        Lines =
        [
            new ChartSeries<double> { Name = "Received", Data = new ChartData<double>(hours.Select(h => (double)(h.Accepted + h.Duplicates)).ToList()) },
            new ChartSeries<double> { Name = "Rejected", Data = new ChartData<double>(hours.Select(h => (double)h.Rejected).ToList()) },
        ];
        Options.YAxisTicks = ConsoleFormat.TickStep(hours.Count == 0 ? 0 : hours.Max(h => h.Accepted + h.Duplicates));
        // A label every fourth hour keeps 24 of them legible.
        Labels = [.. hours.Select((h, i) => i % 4 == 0 ? h.Hour.ToUniversalTime().ToString("HH:mm", CultureInfo.InvariantCulture) : "")];
        Summary = Describe(hours);
    }

    internal static string Describe(IReadOnlyList<FeedHourCounts> hours)
    {
        if (hours.Count == 0) return "";
        var received = hours.Sum(h => h.Accepted + h.Duplicates);
        var busiest = hours.MaxBy(h => h.Accepted + h.Duplicates)!;
        return $"{ConsoleFormat.Count(received)} events and {ConsoleFormat.Count(hours.Sum(h => h.Rejected))} rejected over the last {hours.Count} hours; " +
            $"busiest hour {busiest.Hour.ToUniversalTime().ToString("HH:mm", CultureInfo.InvariantCulture)} UTC with {ConsoleFormat.Count(busiest.Accepted + busiest.Duplicates)}.";
    }
}
