using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Options;
using MudBlazor;
using Shared.Contracts;
using Shared.Store;

namespace Lobby.Components.Console.Insight;

/// <summary>Score distributions, the affiliate and campaign report, and a chosen segment's size over time.</summary>
public sealed partial class InsightPage
{
    public const int SizeDays = 30;

    /// <summary>Churn and VIP bands in the order Intelligence's thresholds rank them.</summary>
    internal static readonly IReadOnlyList<string> ChurnBands = ["low", "medium", "high", "lapsed"];
    internal static readonly IReadOnlyList<string> VipBands = ["none", "low", "medium", "high", "vip"];

    /// <summary>Bars for the largest affiliates only: a chart of fifty is unreadable (the table has them all).</summary>
    internal const int ChartedAffiliates = 10;

    [Inject] private IOptions<StoreOptions> Store { get; set; } = default!;

    private ScoreDistributions? Scores { get; set; }

    private AffiliateReport? Affiliates { get; set; }

    private IReadOnlyList<Segment>? Segments { get; set; }

    private string? SizeSegmentId { get; set; }

    private SegmentSizeHistory? Size { get; set; }

    private bool ShowCampaigns { get; set; }

    private string Currency => Store.Value.BaseCurrency;

    /// <summary>Affiliates (campaign null) or, with <see cref="ShowCampaigns"/>, every row; most players first.</summary>
    private IReadOnlyList<AffiliateRow> AffiliateRows => Affiliates is null
        ? []
        : [.. Affiliates.Items.Where(r => ShowCampaigns || r.Campaign is null).OrderByDescending(r => r.Players).ThenBy(r => r.AffiliateId, StringComparer.Ordinal)];

    private IReadOnlyList<AffiliateRow> Charted => [.. AffiliateRows.Take(ChartedAffiliates)];

    /// <summary>A chart of nothing but zeros (no scores yet) says less than the table.</summary>
    private bool ShowChart => Charted.Any(r => r.PredictedVipShare > 0 || r.HighChurnShare > 0);

    private List<ChartSeries<double>> AffiliateSeries =>
    [
        new() { Name = "Predicted VIP share (%)", Data = new ChartData<double>([.. Charted.Select(r => Math.Round(r.PredictedVipShare * 100, 1))]) },
        new() { Name = "High churn (%)", Data = new ChartData<double>([.. Charted.Select(r => Math.Round(r.HighChurnShare * 100, 1))]) },
    ];

    private string[] AffiliateLabels => [.. Charted.Select(r => (r.AffiliateId ?? "none") + (r.Campaign is null ? "" : $" / {r.Campaign}"))];

    private BarChartOptions ShareOptions { get; } = new() { YAxisFormat = "0", ShowLegend = true, YAxisTicks = 10 };

    protected override async Task OnInitializedAsync()
    {
        if (!RendererInfo.IsInteractive) return;
        await TryAsync(async () =>
        {
            var scores = Api.GetScoreDistributionsAsync();
            var affiliates = Api.GetAffiliateReportAsync();
            var segments = Api.ListSegmentsAsync();
            Scores = await scores;
            Affiliates = await affiliates;
            Segments = [.. (await segments).OrderByDescending(s => s.Members)];
        });
        if (Segments is { Count: > 0 }) await ShowSizeAsync(Segments[0].Id);
    }

    private async Task ShowSizeAsync(string id)
    {
        SizeSegmentId = id;
        Size = null;
        await TryAsync(async () => Size = await Api.GetSegmentSizeAsync(id, SizeDays));
    }
}
