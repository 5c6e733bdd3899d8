using System.Globalization;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Options;
using Shared.Contracts;
using Shared.Store;

namespace Lobby.Components.Console.Builder;

/// <summary>One value, edited as its field's type asks: a number, a choice of known values, yes/no, a date, or text.</summary>
public sealed partial class RuleValueInput
{
    internal enum InputKind
    {
        Text,
        Number,
        Choice,
        Date,
    }

    [Inject] private IOptions<StoreOptions> Store { get; set; } = default!;

    [Parameter] public SegmentField? Field { get; set; }

    [Parameter] public string Label { get; set; } = "Value";

    [Parameter] public string? Value { get; set; }

    [Parameter] public EventCallback<string?> ValueChanged { get; set; }

    [Parameter] public string? Error { get; set; }

    [Parameter] public string TestId { get; set; } = "condition-value";

    private InputKind Kind => Field switch
    {
        { Type: FieldTypes.Bool } or { Values.Count: > 0 } => InputKind.Choice,
        { Type: FieldTypes.Number or FieldTypes.Money } => InputKind.Number,
        { Type: FieldTypes.Date } => InputKind.Date,
        _ => InputKind.Text,
    };

    private bool Money => Field?.Type == FieldTypes.Money;

    private string Currency => Store.Value.BaseCurrency;

    private IEnumerable<(string Value, string Text)> Choices => Field?.Type == FieldTypes.Bool
        ? [("true", "yes"), ("false", "no")]
        : (Field?.Values ?? []).Select(v => (v, v));

    private decimal? Number => decimal.TryParse(Value, NumberStyles.Number, CultureInfo.InvariantCulture, out var n) ? n : null;

    private Task SetNumberAsync(decimal? number) => ValueChanged.InvokeAsync(number?.ToString(CultureInfo.InvariantCulture));
}
