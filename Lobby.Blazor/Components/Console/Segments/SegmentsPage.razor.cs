using Shared.Contracts;

namespace Lobby.Components.Console.Segments;

/// <summary>Every segment: name, purpose, members now, version, who changed it last.</summary>
public sealed partial class SegmentsPage
{
    private IReadOnlyList<Segment>? Segments { get; set; }

    private string? Search { get; set; }

    private IEnumerable<Segment> Filtered => (Segments ?? []).Where(s => string.IsNullOrWhiteSpace(Search)
        || s.Name.Contains(Search, StringComparison.OrdinalIgnoreCase)
        || (s.Description?.Contains(Search, StringComparison.OrdinalIgnoreCase) ?? false));

    protected override async Task OnInitializedAsync()
    {
        if (!RendererInfo.IsInteractive) return;
        await TryAsync(async () => Segments = [.. (await Api.ListSegmentsAsync()).OrderBy(s => s.Name, StringComparer.OrdinalIgnoreCase)]);
    }
}
