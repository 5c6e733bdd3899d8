using MudBlazor;
using Shared.Contracts;

namespace Lobby.Components.Console.Audit;

/// <summary>The segments' and placements' audit log, newest first (admins only).</summary>
public sealed partial class AuditPage
{
    internal static readonly IReadOnlyList<int> Limits = [100, 500, 1000];

    private int Limit { get; set; } = Limits[0];

    private IReadOnlyList<AuditEntry>? Entries { get; set; }

    private string? Search { get; set; }

    private IEnumerable<AuditEntry> Filtered => (Entries ?? []).Where(e => string.IsNullOrWhiteSpace(Search)
        || e.Actor.Contains(Search, StringComparison.OrdinalIgnoreCase)
        || e.Action.Contains(Search, StringComparison.OrdinalIgnoreCase)
        || e.SubjectId.Contains(Search, StringComparison.OrdinalIgnoreCase)
        || e.Detail.Contains(Search, StringComparison.OrdinalIgnoreCase));

    protected override async Task OnInitializedAsync()
    {
        if (!RendererInfo.IsInteractive) return;
        await LoadAsync(Limit);
    }

    private async Task LoadAsync(int limit)
    {
        Limit = limit;
        await TryAsync(async () => Entries = [.. (await Api.GetAuditAsync(limit)).OrderByDescending(e => e.At)]);
    }

    /// <summary>Placement actions link to the placement, the rest to the segment; a deleted subject is not linked.</summary>
    private static string? SubjectHref(AuditEntry entry)
    {
        if (entry.Action.EndsWith("deleted", StringComparison.Ordinal)) return null;
        var id = Uri.EscapeDataString(entry.SubjectId);
        return entry.Action.StartsWith("placement", StringComparison.Ordinal) ? $"/console/placements/{id}" : $"/console/segments/{id}";
    }

    private static Color ActionColour(string action) => action switch
    {
        _ when action.EndsWith("created", StringComparison.Ordinal) => Color.Success,
        _ when action.EndsWith("deleted", StringComparison.Ordinal) => Color.Error,
        _ => Color.Info,
    };
}
