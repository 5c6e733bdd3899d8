using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using MudBlazor;
using Shared.Contracts;

namespace Lobby.Components.Console.Builder;

/// <summary>The values of <c>in</c> / <c>nin</c>: a multi-select of the field's known values, else chips typed one by one.</summary>
public sealed partial class RuleValueList
{
    [Parameter] public SegmentField? Field { get; set; }

    /// <summary>Edited in place.</summary>
    [Parameter, EditorRequired] public List<string> Items { get; set; } = [];

    [Parameter] public Func<Task> Changed { get; set; } = () => Task.CompletedTask;

    [Parameter] public string? Error { get; set; }

    private string? Draft { get; set; }

    private IReadOnlyList<string> KnownValues => Field?.Type == FieldTypes.Bool ? ["true", "false"] : Field?.Values ?? [];

    private string AddLabel => FieldTypes.IsNumeric(Field?.Type) ? "Add a number" : "Add a value";

    private Task SetSelectedAsync(IEnumerable<string?>? values)
    {
        Items.Clear();
        Items.AddRange((values ?? []).OfType<string>());
        return Changed();
    }

    private async Task OnKeyDownAsync(KeyboardEventArgs e)
    {
        if (e.Key is "Enter" or "NumpadEnter") await AddAsync();
    }

    internal async Task AddAsync()
    {
        var added = false;
        foreach (var value in (Draft ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (Items.Contains(value, StringComparer.Ordinal)) continue;
            Items.Add(value);
            added = true;
        }
        Draft = null;
        if (added) await Changed();
    }

    private Task RemoveAsync(MudChip<string> chip)
    {
        Items.Remove(chip.Value!);
        return Changed();
    }
}
