using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Options;
using MudBlazor;
using Shared.Contracts;
using Shared.Store;
using Placement = Shared.Contracts.Placement;

namespace Lobby.Components.Console.Segments;

/// <summary>One segment: its members (paged, and as CSV), its size over time, its versions and its placements.</summary>
public sealed partial class SegmentDetailPage
{
    public const int PageSize = 25;
    public const int SizeDays = 30;

    [Inject] private IDialogService Dialogs { get; set; } = default!;

    [Inject] private ISnackbar Snackbar { get; set; } = default!;

    [Inject] private IOptions<StoreOptions> Store { get; set; } = default!;

    [Parameter] public string Id { get; set; } = "";

    private Segment? Segment { get; set; }

    private SegmentMembersPage? Members { get; set; }

    /// <summary>The cursor and first row of each page visited, the first page's cursor being null: Previous pops one.</summary>
    private List<(string? Cursor, long Offset)> Cursors { get; } = [(null, 0)];

    private IReadOnlyList<Segment>? Versions { get; set; }

    private SegmentSizeHistory? Size { get; set; }

    private IReadOnlyList<Placement>? Placements { get; set; }

    private string Escaped => Uri.EscapeDataString(Id);

    private string Currency => Store.Value.BaseCurrency;

    private string Range
    {
        get
        {
            if (Members is null) return "";
            var first = Cursors[^1].Offset;
            return Members.Items.Count == 0
                ? $"0 of {ConsoleFormat.Count(Members.Total)}"
                : $"{ConsoleFormat.Count(first + 1)}–{ConsoleFormat.Count(first + Members.Items.Count)} of {ConsoleFormat.Count(Members.Total)}";
        }
    }

    protected override async Task OnParametersSetAsync()
    {
        if (!RendererInfo.IsInteractive) return;
        Cursors.Clear();
        Cursors.Add((null, 0));
        await TryAsync(async () =>
        {
            var segment = Api.GetSegmentAsync(Id);
            var members = Api.GetMembersAsync(Id, null, PageSize);
            var versions = Api.GetSegmentVersionsAsync(Id);
            var placements = Api.ListPlacementsAsync();
            Segment = await segment ?? throw new Lobby.Console.ConsoleClientException(System.Net.HttpStatusCode.NotFound, $"There is no segment '{Id}'.");
            Members = await members;
            Versions = [.. (await versions).OrderByDescending(v => v.Version)];
            Placements = [.. (await placements).Where(p => p.SegmentId == Id).OrderByDescending(p => p.Priority)];
        });
        // The chart is not worth failing the page for: without insight it says so in its own place.
        try
        {
            Size = await Api.GetSegmentSizeAsync(Id, SizeDays);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Size = new SegmentSizeHistory(Id, []);
        }
    }

    private async Task NextAsync()
    {
        if (Members?.NextCursor is not { } cursor) return;
        var offset = Cursors[^1].Offset + Members.Items.Count;
        if (await TryAsync(async () => Members = await Api.GetMembersAsync(Id, cursor, PageSize))) Cursors.Add((cursor, offset));
    }

    private async Task PreviousAsync()
    {
        if (Cursors.Count <= 1) return;
        var previous = Cursors[^2].Cursor;
        if (await TryAsync(async () => Members = await Api.GetMembersAsync(Id, previous, PageSize))) Cursors.RemoveAt(Cursors.Count - 1);
    }

    private async Task DeleteAsync()
    {
        var confirmed = await Dialogs.ShowMessageBoxAsync(
            "Delete this segment?",
            $"“{Segment?.Name}” and its {Placements?.Count ?? 0} placement(s) stop at once; members' lobbies lose its rows. Versions stay in the audit log.",
            yesText: "Delete", cancelText: "Keep it");
        if (confirmed != true) return;
        if (await TryAsync(() => Api.DeleteSegmentAsync(Id)))
        {
            Snackbar.Add($"Deleted “{Segment?.Name}”.", Severity.Success);
            Navigation.NavigateTo("/console/segments");
        }
    }
}
