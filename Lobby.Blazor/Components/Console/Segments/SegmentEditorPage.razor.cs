using System.Text.Json;
using Lobby.Components.Console.Builder;
using Lobby.Console;
using Microsoft.AspNetCore.Components;
using MudBlazor;
using Shared.Contracts;

namespace Lobby.Components.Console.Segments;

/// <summary>
/// Creates a segment or a new version of one. Every change to the rule, purpose or channel asks Intelligence for a
/// preview once edits pause for <see cref="PreviewDelay"/>: how many match, how many the policy keeps out and why, and a
/// sample. Validation errors, from the preview or from saving, land on the node they name.
/// </summary>
public sealed partial class SegmentEditorPage : IDisposable
{
    public static readonly TimeSpan PreviewDelay = TimeSpan.FromMilliseconds(300);
    public const int SampleSize = 10;

    /// <summary>Fields of the form that show their own errors.</summary>
    private static readonly HashSet<string> FormFields = new(["name", "description", "purpose", "channel"], StringComparer.OrdinalIgnoreCase);

    private CancellationTokenSource? _preview;
    private SegmentRule _rule = new AllOf([]);
    private Dictionary<string, SegmentField> _fieldsByPath = [];

    [Inject] private ISnackbar Snackbar { get; set; } = default!;

    /// <summary>The segment to edit; null for a new one.</summary>
    [Parameter] public string? Id { get; set; }

    private Segment? Existing { get; set; }

    private IReadOnlyList<SegmentField>? Fields { get; set; }

    private GroupDraft Root { get; set; } = new();

    private string? Name { get; set; }

    private string? Description { get; set; }

    private string Purpose { get; set; } = SegmentPurposes.Marketing;

    private string? Channel { get; set; }

    private RuleErrors Errors { get; set; } = RuleErrors.None;

    private SegmentPreview? Preview { get; set; }

    private bool Previewing { get; set; }

    private string? PreviewProblem { get; set; }

    private bool Saving { get; set; }

    private bool ShowJson { get; set; }

    /// <summary>Set when a save was refused for conditions left unfinished: the builder then marks every one in red.</summary>
    private bool ShowMissing { get; set; }

    private string RuleJson => JsonSerializer.Serialize(_rule, ConsoleJson.Indented.SegmentRule);

    protected override async Task OnInitializedAsync()
    {
        if (!RendererInfo.IsInteractive) return;
        var loaded = await TryAsync(async () =>
        {
            var fields = Api.GetFieldsAsync();
            if (Id is not null)
            {
                Existing = await Api.GetSegmentAsync(Id) ?? throw new ConsoleClientException(System.Net.HttpStatusCode.NotFound, $"There is no segment '{Id}'.");
                Name = Existing.Name;
                Description = Existing.Description;
                Purpose = Existing.Purpose;
                Channel = Existing.Channel;
                Root = RuleDrafts.FromRule(Existing.Rule);
            }
            Fields = await fields;
        });
        if (!loaded) return;
        _fieldsByPath = Fields!.GroupBy(f => f.Path, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        _rule = RuleDrafts.Build(Root, _fieldsByPath);
        // An existing rule is previewed at once; a new, empty one waits for the first condition.
        if (Existing is not null) SchedulePreview(TimeSpan.Zero);
    }

    private Task OnRuleChangedAsync(SegmentRule rule)
    {
        _rule = rule;
        SchedulePreview(PreviewDelay);
        return Task.CompletedTask;
    }

    private Task SetPurposeAsync(string purpose)
    {
        Purpose = purpose;
        if (purpose != SegmentPurposes.Marketing) Channel = null;
        SchedulePreview(PreviewDelay);
        return Task.CompletedTask;
    }

    private Task SetChannelAsync(string? channel)
    {
        Channel = channel;
        SchedulePreview(PreviewDelay);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Starts the wait for a preview again: only the last of a burst of edits is previewed. A rule with a condition not
    /// finished yet is not sent at all (Intelligence could only refuse it): the builder says what the condition needs,
    /// and the count stays that of the last complete rule until it is finished.
    /// </summary>
    private void SchedulePreview(TimeSpan delay)
    {
        _preview?.Cancel();
        _preview?.Dispose();
        _preview = new CancellationTokenSource();
        if (!RuleDrafts.IsComplete(Root, _fieldsByPath))
        {
            // Refusals of an earlier rule no longer apply to this one; those about the form (name, channel) still do.
            Errors = new RuleErrors(new Dictionary<RuleDraft, List<(string, string)>>(), Errors.Other);
            var started = RuleDrafts.Nodes(Root).Any(n => RuleDrafts.Missing(n, _fieldsByPath) is not null);
            PreviewProblem = started && Preview is not null ? "Finish the condition marked to update the count." : null;
            return;
        }
        _ = PreviewAsync(new SegmentPreviewRequest(_rule, Purpose, Channel, SampleSize), delay, _preview.Token);
    }

    private async Task PreviewAsync(SegmentPreviewRequest request, TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            if (delay > TimeSpan.Zero) await Task.Delay(delay, Time, cancellationToken);
            Previewing = true;
            StateHasChanged();
            var preview = await Api.PreviewAsync(request, cancellationToken);
            cancellationToken.ThrowIfCancellationRequested();
            Preview = preview;
            PreviewProblem = null;
            Errors = RuleErrors.None;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return;
        }
        catch (ConsoleClientException e) when (e.Errors.Count > 0)
        {
            Errors = RuleDrafts.PlaceErrors(Root, e.Errors);
            PreviewProblem = "This rule cannot be counted as it stands: see what is marked in red.";
        }
        catch (Exception e)
        {
            PreviewProblem = Describe(e);
        }
        Previewing = false;
        StateHasChanged();
    }

    private async Task SaveAsync()
    {
        if (!RuleDrafts.IsComplete(Root, _fieldsByPath))
        {
            ShowMissing = true;
            Error = "The segment was not saved: finish or remove the conditions marked in red.";
            return;
        }
        Saving = true;
        var request = new SegmentRequest(Name?.Trim(), string.IsNullOrWhiteSpace(Description) ? null : Description.Trim(), Purpose, Channel, _rule);
        try
        {
            var saved = Id is null ? await Api.CreateSegmentAsync(request) : await Api.UpdateSegmentAsync(Id, request);
            Snackbar.Add($"Saved “{saved.Name}”, version {saved.Version}: {ConsoleFormat.Count(saved.Members)} {ConsoleFormat.Members(saved.Members)}.", Severity.Success);
            Navigation.NavigateTo($"/console/segments/{Uri.EscapeDataString(saved.Id)}");
        }
        catch (ConsoleClientException e) when (e.Errors.Count > 0)
        {
            Errors = RuleDrafts.PlaceErrors(Root, e.Errors);
            var elsewhere = Errors.Other.Where(o => !FormFields.Contains(o.Key)).Select(o => $"{o.Key}: {string.Join(" ", o.Value)}");
            Error = string.Join(" ", ["The segment was not saved: see what is marked in red.", .. elsewhere]);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Error = "The segment was not saved. " + Describe(e);
        }
        finally
        {
            Saving = false;
        }
    }

    public void Dispose()
    {
        _preview?.Cancel();
        _preview?.Dispose();
    }
}
