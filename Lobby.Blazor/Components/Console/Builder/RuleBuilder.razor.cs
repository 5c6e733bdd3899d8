using Microsoft.AspNetCore.Components;
using Shared.Contracts;

namespace Lobby.Components.Console.Builder;

/// <summary>
/// The segment builder: nested all / any groups, each node negatable, leaves on the fields Intelligence offers. Every
/// edit raises <see cref="RuleChanged"/> with the rule as the contract spells it; errors keyed by node path are shown
/// on the node they are about.
/// </summary>
public sealed partial class RuleBuilder
{
    private IReadOnlyDictionary<string, SegmentField> _fieldsByPath = new Dictionary<string, SegmentField>();

    [Parameter, EditorRequired] public GroupDraft Root { get; set; } = new();

    /// <summary>The field palette (<c>GET /v1/segments/fields</c>).</summary>
    [Parameter, EditorRequired] public IReadOnlyList<SegmentField> Fields { get; set; } = [];

    [Parameter] public RuleErrors Errors { get; set; } = RuleErrors.None;

    [Parameter] public EventCallback<SegmentRule> RuleChanged { get; set; }

    /// <summary>
    /// Whether to say what every node still needs, in red, nodes just added included (the marketer tried to save);
    /// otherwise only nodes the marketer started and left incomplete say it, as a hint.
    /// </summary>
    [Parameter] public bool ShowMissing { get; set; }

    internal IReadOnlyDictionary<string, SegmentField> FieldsByPath => _fieldsByPath;

    protected override void OnParametersSet()
    {
        _fieldsByPath = Fields.GroupBy(f => f.Path, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        // Paths first: errors are matched to nodes by them.
        RuleDrafts.Build(Root, _fieldsByPath);
    }

    public SegmentField? FieldOf(ConditionDraft condition) => _fieldsByPath.GetValueOrDefault(condition.Field);

    /// <summary>What the node still needs, when it is to be said now (see <see cref="ShowMissing"/>).</summary>
    internal string? MissingOf(RuleDraft node) => RuleDrafts.Missing(node, _fieldsByPath, ShowMissing);

    /// <summary>Called by every editor after it changed the draft.</summary>
    internal async Task ChangedAsync()
    {
        var rule = RuleDrafts.Build(Root, _fieldsByPath);
        StateHasChanged();
        await RuleChanged.InvokeAsync(rule);
    }
}
