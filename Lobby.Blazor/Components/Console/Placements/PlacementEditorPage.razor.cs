using System.Globalization;
using Lobby.Catalogue;
using Lobby.Console;
using Lobby.Rows;
using Microsoft.AspNetCore.Components;
using MudBlazor;
using Shared.Contracts;
using Placement = Shared.Contracts.Placement;

namespace Lobby.Components.Console.Placements;

/// <summary>Creates or edits a placement: which segment, what row (chosen games or a category), how high, from when to when (UTC).</summary>
public sealed partial class PlacementEditorPage
{
    /// <summary>What <c>input type=datetime-local</c> reads and writes: minutes, no zone (the console's zone is UTC).</summary>
    internal const string LocalFormat = "yyyy-MM-dd'T'HH:mm";
    public static readonly TimeSpan DefaultDuration = TimeSpan.FromDays(14);

    [Inject] private IGameLibrary Games { get; set; } = default!;

    [Inject] private ISnackbar Snackbar { get; set; } = default!;

    [Parameter] public string? Id { get; set; }

    /// <summary>The segment to attach to, when coming from a segment's page.</summary>
    [SupplyParameterFromQuery(Name = "segment")] public string? SegmentQuery { get; set; }

    private MudAutocomplete<Game>? GameSearch { get; set; }

    private Placement? Existing { get; set; }

    private IReadOnlyList<Segment>? Segments { get; set; }

    private IReadOnlyDictionary<string, Game> Catalog { get; set; } = new Dictionary<string, Game>();

    private string? SegmentId { get; set; }

    private string? Title { get; set; }

    private string Kind { get; set; } = PlacementKinds.Games;

    private List<string> GameIds { get; } = [];

    private string? Category { get; set; }

    private int Priority { get; set; } = 10;

    private string? StartsAt { get; set; }

    private string? EndsAt { get; set; }

    private IReadOnlyDictionary<string, string[]> Errors { get; set; } = new Dictionary<string, string[]>();

    private bool Saving { get; set; }

    private Segment? SelectedSegment => Segments?.FirstOrDefault(s => s.Id == SegmentId);

    private int ShownGames => GameIds.Count(id => Catalog.TryGetValue(id, out var g) && g.Enabled);

    protected override async Task OnInitializedAsync()
    {
        if (!RendererInfo.IsInteractive) return;
        var now = Time.GetUtcNow();
        StartsAt = Local(now);
        EndsAt = Local(now + DefaultDuration);
        await TryAsync(async () =>
        {
            var segments = Api.ListSegmentsAsync();
            Catalog = await Games.AllAsync();
            if (Id is not null)
            {
                Existing = await Api.GetPlacementAsync(Id) ?? throw new ConsoleClientException(System.Net.HttpStatusCode.NotFound, $"There is no placement '{Id}'.");
                SegmentId = Existing.SegmentId;
                Title = Existing.Title;
                Kind = Existing.Kind;
                GameIds.AddRange(Existing.GameIds);
                Category = Existing.Category;
                Priority = Existing.Priority;
                StartsAt = Local(Existing.StartsAt);
                EndsAt = Local(Existing.EndsAt);
            }
            Segments = [.. (await segments).OrderBy(s => s.Name, StringComparer.OrdinalIgnoreCase)];
            SegmentId ??= Segments.Any(s => s.Id == SegmentQuery) ? SegmentQuery : null;
        });
    }

    internal static string Local(DateTimeOffset at) => at.UtcDateTime.ToString(LocalFormat, CultureInfo.InvariantCulture);

    /// <summary>The moment a datetime-local value names in UTC, or null when it names none.</summary>
    internal static DateTimeOffset? Utc(string? local) =>
        DateTime.TryParseExact(local, [LocalFormat, LocalFormat + ":ss"], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at)
            ? new DateTimeOffset(at, TimeSpan.Zero)
            : null;

    private string? ErrorFor(string key) =>
        Errors.FirstOrDefault(e => string.Equals(e.Key, key, StringComparison.OrdinalIgnoreCase) || e.Key.StartsWith(key + "[", StringComparison.OrdinalIgnoreCase)) is { Value: { } messages }
            ? string.Join(" ", messages)
            : null;

    private int CategoryCount(string category) => Catalog.Values.Count(g => g.Enabled && g.Category == category);

    /// <summary>Enabled games (players cannot open the others) whose title, provider or id holds every word typed.</summary>
    private Task<IEnumerable<Game>> SearchGamesAsync(string? text, CancellationToken cancellationToken)
    {
        var words = (text ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var matches = Catalog.Values
            .Where(g => g.Enabled && !GameIds.Contains(g.Id))
            .Where(g => words.All(w => g.Title.Contains(w, StringComparison.OrdinalIgnoreCase)
                || g.Provider.Contains(w, StringComparison.OrdinalIgnoreCase) || g.Id.Contains(w, StringComparison.OrdinalIgnoreCase)))
            .OrderBy(g => g.Title, StringComparer.OrdinalIgnoreCase);
        return Task.FromResult<IEnumerable<Game>>(matches);
    }

    private async Task AddGameAsync(Game? game)
    {
        if (game is null) return;
        if (!GameIds.Contains(game.Id)) GameIds.Add(game.Id);
        // Ready for the next game.
        if (GameSearch is not null) await GameSearch.ClearAsync();
    }

    private void Move(int index, int by)
    {
        var to = index + by;
        if (to < 0 || to >= GameIds.Count) return;
        (GameIds[index], GameIds[to]) = (GameIds[to], GameIds[index]);
    }

    private async Task SaveAsync()
    {
        Saving = true;
        var request = new PlacementRequest(SegmentId, Title?.Trim(), Kind,
            Kind == PlacementKinds.Games ? [.. GameIds] : null, Kind == PlacementKinds.Category ? Category : null,
            Priority, Utc(StartsAt), Utc(EndsAt));
        try
        {
            var saved = Id is null ? await Api.CreatePlacementAsync(request) : await Api.UpdatePlacementAsync(Id, request);
            Snackbar.Add($"Saved “{saved.Title}”: {PlacementFormat.Window(saved, Time.GetUtcNow())}.", Severity.Success);
            Navigation.NavigateTo("/console/placements");
        }
        catch (ConsoleClientException e) when (e.Errors.Count > 0)
        {
            Errors = e.Errors;
            Error = "The placement was not saved: see what is marked in red.";
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Error = "The placement was not saved. " + Describe(e);
        }
        finally
        {
            Saving = false;
        }
    }
}
