using System.Globalization;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Options;
using MudBlazor;
using Shared.Contracts;
using Shared.Store;

namespace Lobby.Components.Console.Affiliates;

/// <summary>The affiliate report for marketers: partners ranked by their cohorts' predicted value, and their NGR over time.</summary>
public sealed partial class AffiliatesPage
{
    /// <summary>Lines for the highest-ranked partners only (the table has them all).</summary>
    internal const int ChartedAffiliates = 5;

    internal static readonly IReadOnlyList<int> Periods = [7, 30, 90, 0];

    [Inject] private IOptions<StoreOptions> Store { get; set; } = default!;

    private AffiliatesReport? Report { get; set; }

    private int Days { get; set; } = 30;

    private string Currency => Store.Value.BaseCurrency;

    private List<ChartSeries<double>> ValueSeries { get; set; } = [];

    private string[] ValueLabels { get; set; } = [];

    private LineChartOptions LineOptions { get; } = new() { ShowLegend = true, YAxisFormat = "N0", YAxisRequireZeroPoint = true };

    protected override async Task OnInitializedAsync()
    {
        if (!RendererInfo.IsInteractive) return;
        await ShowAsync(Days);
    }

    private async Task ShowAsync(int days)
    {
        Days = days;
        var today = DateOnly.FromDateTime(Time.GetUtcNow().UtcDateTime);
        DateOnly? from = days == 0 ? null : today.AddDays(1 - days);
        await TryAsync(async () => Report = await Api.GetAffiliatesReportAsync(from, today));
        (ValueSeries, ValueLabels) = Report is null ? ([], []) : CumulativeNgr(Report, from, today);
    }

    private static string PredictedVips(AffiliateReportItem item) => item.Cohort is { } c
        ? $"{c.PredictedVipPlayers.ToString("0.0", CultureInfo.InvariantCulture)} ({ConsoleFormat.Percent(c.PredictedVipShare)})"
        : "–";

    /// <summary>Each charted partner's NGR added up day by day from the first day with activity (or <paramref name="from"/>) to <paramref name="to"/>.</summary>
    internal static (List<ChartSeries<double>> Series, string[] Labels) CumulativeNgr(AffiliatesReport report, DateOnly? from, DateOnly to)
    {
        var charted = report.Items.Where(i => i.Days.Count > 0).Take(ChartedAffiliates).ToList();
        if (charted.Count == 0) return ([], []);
        var first = from ?? charted.Min(i => i.Days[0].Day);
        var days = Enumerable.Range(0, Math.Max(1, to.DayNumber - first.DayNumber + 1)).Select(first.AddDays).ToList();
        var series = charted.Select(item =>
        {
            var byDay = item.Days.ToDictionary(d => d.Day, d => d.Ngr);
            var sum = 0m;
            var points = days.Select(d => (double)(sum += byDay.GetValueOrDefault(d))).ToList();
            return new ChartSeries<double> { Name = item.AffiliateId, Data = new ChartData<double>(points) };
        }).ToList();
        var every = Math.Max(1, (int)Math.Ceiling(days.Count / 8.0));
        return (series, [.. days.Select((d, i) => i % every == 0 ? d.ToString("d MMM", CultureInfo.InvariantCulture) : "")]);
    }
}
