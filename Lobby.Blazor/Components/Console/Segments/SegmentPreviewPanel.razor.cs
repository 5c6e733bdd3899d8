using Microsoft.AspNetCore.Components;
using Shared.Contracts;

namespace Lobby.Components.Console.Segments;

/// <summary>
/// The preview beside the builder: how many match, how many the marketing policy keeps out and why (in words a
/// compliance officer can quote), and a sample of members.
/// </summary>
public sealed partial class SegmentPreviewPanel
{
    [Parameter] public SegmentPreview? Preview { get; set; }

    [Parameter] public bool Updating { get; set; }

    /// <summary>Why the preview could not follow the last change (an incomplete rule, Intelligence down).</summary>
    [Parameter] public string? Problem { get; set; }

    [Parameter] public string Purpose { get; set; } = SegmentPurposes.Marketing;

    [Parameter] public string? Channel { get; set; }

    private long ExcludedTotal => Preview?.Excluded.Values.Sum() ?? 0;
}
