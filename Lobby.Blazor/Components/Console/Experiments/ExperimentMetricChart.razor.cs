using System.Globalization;
using Microsoft.AspNetCore.Components;
using MudBlazor;
using Shared.Contracts;

namespace Lobby.Components.Console.Experiments;

/// <summary>
/// One metric over time: each group's mean over the players whose horizon had passed by each day. Descriptive: it shows
/// the data arriving; the decision is the report's at its fixed horizon.
/// </summary>
public sealed partial class ExperimentMetricChart
{
    [Parameter, EditorRequired] public ExperimentSeries Series { get; set; } = default!;

    [Parameter] public ExperimentMetric? Metric { get; set; }

    [Parameter] public string Currency { get; set; } = "EUR";

    private IReadOnlyList<ExperimentPoint> Points { get; set; } = [];

    private List<ChartSeries<double>> Lines { get; set; } = [];

    private string[] Labels { get; set; } = [];

    private LineChartOptions Options { get; } = new() { ShowLegend = true, ShowDataMarkers = false, YAxisRequireZeroPoint = true };

    private string Caption => Points.Count == 0
        ? ""
        : $"Means per player by day, {Points[0].Day:d MMM} to {Points[^1].Day:d MMM}: treatment {ExperimentFormat.Value(Points[^1].TreatmentMean, Metric?.Unit ?? "", Currency)} " +
          $"({Points[^1].Treatment:N0} players), control {ExperimentFormat.Value(Points[^1].ControlMean, Metric?.Unit ?? "", Currency)} ({Points[^1].Control:N0}). Interim points are not a result.";

    protected override void OnParametersSet()
    {
        // Points only once both groups have players: a mean of none is not a point.
        Points = [.. Series.Points.Where(p => p.TreatmentMean is not null && p.ControlMean is not null)];
        var percent = Metric?.Unit is "share" or "rate";
        double Scale(double? v) => Math.Round((v ?? 0) * (percent ? 100 : 1), 3);
        Lines =
        [
            new ChartSeries<double> { Name = "Treatment", Data = new ChartData<double>([.. Points.Select(p => Scale(p.TreatmentMean))]) },
            new ChartSeries<double> { Name = "Control", Data = new ChartData<double>([.. Points.Select(p => Scale(p.ControlMean))]) },
        ];
        Options.YAxisFormat = percent ? "0'%'" : "0.##";
        var every = Math.Max(1, (int)Math.Ceiling(Points.Count / 8.0));
        Labels = [.. Points.Select((p, i) => i % every == 0 ? p.Day.ToString("d MMM", CultureInfo.InvariantCulture) : "")];
    }
}
