using Microsoft.AspNetCore.Components;
using MudBlazor;
using Shared.Contracts;
using Placement = Shared.Contracts.Placement;

namespace Lobby.Components.Console.Placements;

/// <summary>Every placement: what it shows, to which segment, how high, when; delete from here, edit on its page.</summary>
public sealed partial class PlacementsPage
{
    [Inject] private IDialogService Dialogs { get; set; } = default!;

    [Inject] private ISnackbar Snackbar { get; set; } = default!;

    private IReadOnlyList<Placement>? Placements { get; set; }

    private Dictionary<string, string> SegmentNames { get; set; } = new(StringComparer.Ordinal);

    protected override async Task OnInitializedAsync()
    {
        if (!RendererInfo.IsInteractive) return;
        await LoadAsync();
    }

    private Task<bool> LoadAsync() => TryAsync(async () =>
    {
        var segments = Api.ListSegmentsAsync();
        var placements = await Api.ListPlacementsAsync();
        SegmentNames = (await segments).ToDictionary(s => s.Id, s => s.Name, StringComparer.Ordinal);
        var now = Time.GetUtcNow();
        // Live first, then what is coming, then what ended; within each, as the lobby orders them.
        Placements = [.. placements.OrderBy(p => PlacementFormat.State(p, now) switch { PlacementState.Live => 0, PlacementState.Scheduled => 1, _ => 2 })
            .ThenByDescending(p => p.Priority).ThenBy(p => p.StartsAt)];
    });

    private string SegmentName(string id) => SegmentNames.GetValueOrDefault(id) ?? id;

    private async Task DeleteAsync(Placement placement)
    {
        var confirmed = await Dialogs.ShowMessageBoxAsync("Delete this placement?",
            $"“{placement.Title}” disappears from the lobbies of {SegmentName(placement.SegmentId)}'s members at once.",
            yesText: "Delete", cancelText: "Keep it");
        if (confirmed != true) return;
        if (await TryAsync(() => Api.DeletePlacementAsync(placement.Id)))
        {
            Snackbar.Add($"Deleted “{placement.Title}”.", Severity.Success);
            await LoadAsync();
        }
    }
}
