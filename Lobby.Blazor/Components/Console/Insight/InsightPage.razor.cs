using Microsoft.AspNetCore.Components;
using MudBlazor;
using Shared.Contracts;

namespace Lobby.Components.Console.Insight;

/// <summary>Score distributions and a chosen segment's size over time.</summary>
public sealed partial class InsightPage
{
    public const int SizeDays = 30;

    /// <summary>Churn and VIP bands in the order Intelligence's thresholds rank them.</summary>
    internal static readonly IReadOnlyList<string> ChurnBands = ["low", "medium", "high", "lapsed"];
    internal static readonly IReadOnlyList<string> VipBands = ["none", "low", "medium", "high", "vip"];

    private ScoreDistributions? Scores { get; set; }

    private IReadOnlyList<Segment>? Segments { get; set; }

    private string? SizeSegmentId { get; set; }

    private SegmentSizeHistory? Size { get; set; }

    protected override async Task OnInitializedAsync()
    {
        if (!RendererInfo.IsInteractive) return;
        await TryAsync(async () =>
        {
            var scores = Api.GetScoreDistributionsAsync();
            var segments = Api.ListSegmentsAsync();
            Scores = await scores;
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
