using System.Globalization;
using Microsoft.AspNetCore.Components;
using MudBlazor;
using Shared.Contracts;

namespace Lobby.Components.Console.Insight;

/// <summary>A score's histogram (players per probability bin) and its band counts.</summary>
public sealed partial class ScoreDistributionChart
{
    [Parameter, EditorRequired] public string Title { get; set; } = "";

    [Parameter] public string? Explanation { get; set; }

    [Parameter] public ProbabilityDistribution? Distribution { get; set; }

    /// <summary>The order bands are listed in; bands not named here follow.</summary>
    [Parameter] public IReadOnlyList<string> Bands { get; set; } = [];

    private List<ChartSeries<double>> Series { get; set; } = [];

    private string[] Labels { get; set; } = [];

    private BarChartOptions Options { get; } = new() { ShowLegend = false, YAxisFormat = "N0" };

    private IEnumerable<KeyValuePair<string, long>> OrderedBands => (Distribution?.Bands ?? new Dictionary<string, long>())
        .OrderBy(b => Bands.Contains(b.Key) ? Bands.ToList().IndexOf(b.Key) : int.MaxValue).ThenBy(b => b.Key, StringComparer.Ordinal);

    protected override void OnParametersSet()
    {
        var bins = Distribution?.Bins ?? [];
        Series = [new ChartSeries<double> { Name = "Players", Data = new ChartData<double>([.. bins.Select(b => (double)b.Count)]) }];
        Options.YAxisTicks = ConsoleFormat.TickStep(bins.Count == 0 ? 0 : bins.Max(b => b.Count));
        // About five labels along the axis: a label under each of twenty bins would overlap.
        var every = Math.Max(1, bins.Count / 5);
        Labels = [.. bins.Select((b, i) => i % every == 0 ? b.From.ToString("0.0#", CultureInfo.InvariantCulture) : "")];
    }
}
