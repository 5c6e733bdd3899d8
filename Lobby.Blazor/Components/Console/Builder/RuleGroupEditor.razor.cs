using Microsoft.AspNetCore.Components;

namespace Lobby.Components.Console.Builder;

/// <summary>One all / any group: its kind, its NOT, its children (conditions and groups, to any depth).</summary>
public sealed partial class RuleGroupEditor
{
    [CascadingParameter] private RuleBuilder Builder { get; set; } = default!;

    [Parameter, EditorRequired] public GroupDraft Group { get; set; } = default!;

    [Parameter] public int Depth { get; set; }

    /// <summary>Absent for the root group, which cannot be removed.</summary>
    [Parameter] public EventCallback OnRemove { get; set; }

    private string GroupClass => $"rule-group rule-group--depth-{Math.Min(Depth, 3)}" + (Group.Negated ? " rule-group--not" : "");

    private string Summary => (Group.Negated ? "Players who do NOT match " : "Players who match ") + (Group.Kind == GroupKind.All ? "all of" : "any of");

    private Task SetKindAsync(GroupKind kind)
    {
        Group.Kind = kind;
        return Builder.ChangedAsync();
    }

    private Task SetNegatedAsync(bool negated)
    {
        Group.Negated = negated;
        return Builder.ChangedAsync();
    }

    private Task AddConditionAsync()
    {
        Group.Children.Add(new ConditionDraft());
        return Builder.ChangedAsync();
    }

    private Task AddGroupAsync()
    {
        // A new group starts with one empty condition, the thing one adds a group for.
        var group = new GroupDraft(Group.Kind == GroupKind.All ? GroupKind.Any : GroupKind.All);
        group.Children.Add(new ConditionDraft());
        Group.Children.Add(group);
        return Builder.ChangedAsync();
    }

    private Task RemoveAsync(RuleDraft child)
    {
        Group.Children.Remove(child);
        return Builder.ChangedAsync();
    }
}
