using Microsoft.AspNetCore.Components;
using Shared.Contracts;

namespace Lobby.Components.Console.Builder;

/// <summary>One condition: a field from the palette, an operator the field allows, a value edited by the field's type.</summary>
public sealed partial class RuleConditionEditor
{
    [CascadingParameter] private RuleBuilder Builder { get; set; } = default!;

    [Parameter, EditorRequired] public ConditionDraft Condition { get; set; } = default!;

    [Parameter] public EventCallback OnRemove { get; set; }

    private SegmentField? Field => Builder.FieldOf(Condition);

    /// <summary>The field's operators; the current one too if the field does not know it, so the error can be seen.</summary>
    private IReadOnlyList<string> Ops =>
        Field is null ? [] : Field.Ops.Contains(Condition.Op) || Condition.Op.Length == 0 ? Field.Ops : [.. Field.Ops, Condition.Op];

    private IReadOnlyList<string> FieldErrors => Builder.Errors.For(Condition, "field");

    private IReadOnlyList<string> OpErrors => Builder.Errors.For(Condition, "op");

    private string? ValueError => Builder.Errors.For(Condition, "value") is { Count: > 0 } e ? string.Join(" ", e) : null;

    /// <summary>Errors about the condition as a whole (not one of its inputs).</summary>
    private IReadOnlyList<string> NodeErrors => Builder.Errors.For(Condition, "");

    private string ConditionClass => "rule-condition" + (Condition.Negated ? " rule-condition--not" : "")
        + (Builder.Errors.For(Condition).Count > 0 || (Builder.ShowMissing && Builder.MissingOf(Condition) is not null) ? " rule-condition--error" : "");

    private string MissingClass => "rule-missing" + (Builder.ShowMissing ? " rule-error" : "");

    /// <summary>Fields whose path or description holds every word typed, in palette order.</summary>
    internal Task<IEnumerable<SegmentField>> SearchAsync(string? text, CancellationToken cancellationToken)
    {
        var words = (text ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        // The autocomplete shows the chosen path as its text; typing it again must still offer the field.
        var matches = Builder.Fields.Where(f => words.All(w =>
            f.Path.Contains(w, StringComparison.OrdinalIgnoreCase) || f.Description.Contains(w, StringComparison.OrdinalIgnoreCase)));
        return Task.FromResult(matches);
    }

    private Task SetFieldAsync(SegmentField? field)
    {
        var previous = Field;
        Condition.Field = field?.Path ?? "";
        if (field is null) return Builder.ChangedAsync();
        if (!field.Ops.Contains(Condition.Op)) Condition.Op = field.Ops.Count > 0 ? field.Ops[0] : "";
        if (previous?.Type != field.Type || previous.Values is not null || field.Values is not null)
        {
            // A value typed for another kind of field would only mislead.
            Condition.Value = Condition.From = Condition.To = null;
            Condition.Items.Clear();
        }
        return Builder.ChangedAsync();
    }

    private Task SetOpAsync(string op)
    {
        var wasList = Condition.Op is SegmentOps.In or SegmentOps.Nin;
        var isList = op is SegmentOps.In or SegmentOps.Nin;
        // Carry the value over where the shapes allow: one value into a list, the first of a list back.
        if (isList && !wasList && !string.IsNullOrWhiteSpace(Condition.Value) && Condition.Items.Count == 0) Condition.Items.Add(Condition.Value);
        if (!isList && wasList && Condition.Items.Count > 0 && string.IsNullOrWhiteSpace(Condition.Value)) Condition.Value = Condition.Items[0];
        if (op == SegmentOps.Between && Condition.From is null) Condition.From = Condition.Value;
        Condition.Op = op;
        return Builder.ChangedAsync();
    }

    private Task SetValueAsync(string? value)
    {
        Condition.Value = value;
        return Builder.ChangedAsync();
    }

    private Task SetFromAsync(string? value)
    {
        Condition.From = value;
        return Builder.ChangedAsync();
    }

    private Task SetToAsync(string? value)
    {
        Condition.To = value;
        return Builder.ChangedAsync();
    }

    private Task ToggleNegatedAsync()
    {
        Condition.Negated = !Condition.Negated;
        return Builder.ChangedAsync();
    }
}
