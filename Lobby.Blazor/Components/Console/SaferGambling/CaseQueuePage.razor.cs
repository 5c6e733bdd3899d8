using System.Globalization;
using MudBlazor;
using Shared.Contracts;

namespace Lobby.Components.Console.SaferGambling;

/// <summary>
/// The safer-gambling case queue: open cases highest risk first; a case's harm risk and strongest markers over 30 days
/// (a chart), its drivers in words, its log, and a note with an optional outcome that closes it.
/// </summary>
public sealed partial class CaseQueuePage
{
    private const int ChartedMarkers = 3;

    private HarmCaseList? Cases { get; set; }

    private HarmCaseDetail? Selected { get; set; }

    private List<ChartSeries<double>> Series { get; set; } = [];

    private string[] Labels { get; set; } = [];

    private string? Note { get; set; }

    private string? Outcome { get; set; }

    protected override async Task OnInitializedAsync()
    {
        if (!RendererInfo.IsInteractive) return;
        await TryAsync(async () => Cases = await Api.ListHarmCasesAsync());
    }

    private async Task OpenAsync(string playerId)
    {
        await TryAsync(async () =>
        {
            Selected = await Api.GetHarmCaseAsync(playerId);
            if (Selected is null) return;
            var days = Selected.History;
            // The score, and the markers that weigh most today, each scaled to its own maximum so they share an axis.
            Series = [new ChartSeries<double> { Name = "Harm risk", Data = new ChartData<double>([.. days.Select(d => d.Probability)]) }];
            foreach (var driver in Selected.Harm.Drivers.Where(d => d.Contribution > 0).Take(ChartedMarkers))
            {
                var values = days.Select(d => d.Markers.GetValueOrDefault(driver.Feature)).ToList();
                var max = values.Count == 0 ? 0 : values.Max();
                Series.Add(new ChartSeries<double> { Name = driver.Feature, Data = new ChartData<double>([.. values.Select(v => max > 0 ? v / max : 0)]) });
            }
            Labels = [.. days.Select((d, i) => i % 5 == 0 ? d.Day.ToString("MM-dd", CultureInfo.InvariantCulture) : "")];
        });
    }

    private async Task SaveAsync()
    {
        if (Selected is not { } s) return;
        var saved = await TryAsync(async () => await Api.AddHarmCaseNoteAsync(s.PlayerId, new HarmCaseNoteRequest(Note, Outcome)));
        if (!saved) return;
        Note = null;
        Outcome = null;
        await TryAsync(async () => Cases = await Api.ListHarmCasesAsync());
        await OpenAsync(s.PlayerId);
    }

    internal static string Risk(double p) => (p * 100).ToString("0", CultureInfo.InvariantCulture) + "%";

    internal static string Why(HarmCase c) => c.Harm is { Drivers.Count: > 0 } h ? h.Drivers[0].Description : "";
}
