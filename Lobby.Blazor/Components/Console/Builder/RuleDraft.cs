using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Shared.Contracts;

namespace Lobby.Components.Console.Builder;

/// <summary>
/// A rule as the builder edits it: mutable, with each node knowing where it sits in the rule's JSON (so errors keyed by
/// path land on the right node). <see cref="RuleDrafts.Build"/> turns it into the contract's <see cref="SegmentRule"/>.
/// A <c>not</c> is a flag on the node it negates, as a marketer thinks of it ("players who do NOT …").
/// </summary>
public abstract class RuleDraft
{
    /// <summary>Wrapped in <c>{"not": …}</c>.</summary>
    public bool Negated { get; set; }

    /// <summary>Where the node sits (the <c>not</c> when negated), e.g. <c>rule.all[1]</c>; set by <see cref="RuleDrafts.Build"/>.</summary>
    public string Path { get; internal set; } = RuleDrafts.RootPath;

    /// <summary>Where the node's own JSON sits: <see cref="Path"/>, or <c>Path.not</c> when negated.</summary>
    public string InnerPath => Negated ? Path + ".not" : Path;
}

public enum GroupKind
{
    All,
    Any,
}

public sealed class GroupDraft(GroupKind kind = GroupKind.All) : RuleDraft
{
    public GroupKind Kind { get; set; } = kind;

    public List<RuleDraft> Children { get; } = [];

    public string Key => Kind == GroupKind.All ? "all" : "any";
}

/// <summary>A leaf: a field, an operator and the value as typed (converted by the field's type when built).</summary>
public sealed class ConditionDraft : RuleDraft
{
    public string Field { get; set; } = "";

    public string Op { get; set; } = "";

    /// <summary>The value of single-valued operators.</summary>
    public string? Value { get; set; }

    /// <summary>The bounds of <c>between</c>.</summary>
    public string? From { get; set; }

    public string? To { get; set; }

    /// <summary>The values of <c>in</c> and <c>nin</c>.</summary>
    public List<string> Items { get; } = [];
}

public static class RuleDrafts
{
    public const string RootPath = "rule";

    /// <summary>How each operator reads in the builder.</summary>
    public static string OpLabel(string op) => op switch
    {
        SegmentOps.Eq => "is",
        SegmentOps.Neq => "is not",
        SegmentOps.Gt => "more than",
        SegmentOps.Gte => "at least",
        SegmentOps.Lt => "less than",
        SegmentOps.Lte => "at most",
        SegmentOps.In => "is one of",
        SegmentOps.Nin => "is none of",
        SegmentOps.Exists => "is known",
        SegmentOps.Between => "between",
        _ => op,
    };

    /// <summary>The rule the draft stands for, with every node's <see cref="RuleDraft.Path"/> brought up to date.</summary>
    public static SegmentRule Build(RuleDraft draft, IReadOnlyDictionary<string, SegmentField> fields, string path = RootPath)
    {
        draft.Path = path;
        SegmentRule rule = draft switch
        {
            GroupDraft g => BuildGroup(g, fields),
            ConditionDraft c => new FieldCondition(c.Field, c.Op, BuildValue(c, fields.GetValueOrDefault(c.Field)?.Type)),
            _ => throw new ArgumentException($"Unknown draft {draft.GetType().Name}", nameof(draft)),
        };
        return draft.Negated ? new NotOf(rule) : rule;
    }

    private static SegmentRule BuildGroup(GroupDraft group, IReadOnlyDictionary<string, SegmentField> fields)
    {
        var rules = new List<SegmentRule>(group.Children.Count);
        for (var i = 0; i < group.Children.Count; i++) rules.Add(Build(group.Children[i], fields, $"{group.InnerPath}.{group.Key}[{i}]"));
        return group.Kind == GroupKind.All ? new AllOf(rules) : new AnyOf(rules);
    }

    /// <summary>
    /// The JSON value: numbers for number and money fields, booleans for bool fields, strings otherwise (dates as typed:
    /// ISO or relative like <c>-7d</c>). A number that does not parse is sent as typed, so Intelligence names the problem.
    /// </summary>
    internal static JsonElement? BuildValue(ConditionDraft c, string? type)
    {
        return c.Op switch
        {
            SegmentOps.Exists => null,
            SegmentOps.Between => Json(w =>
            {
                w.WriteStartArray();
                Write(w, c.From, type);
                Write(w, c.To, type);
                w.WriteEndArray();
            }),
            SegmentOps.In or SegmentOps.Nin => Json(w =>
            {
                w.WriteStartArray();
                foreach (var item in c.Items) Write(w, item, type);
                w.WriteEndArray();
            }),
            _ => string.IsNullOrWhiteSpace(c.Value) ? null : Json(w => Write(w, c.Value, type)),
        };
    }

    private static void Write(Utf8JsonWriter writer, string? text, string? type)
    {
        text = text?.Trim();
        if (string.IsNullOrEmpty(text)) writer.WriteNullValue();
        else if (FieldTypes.IsNumeric(type) && decimal.TryParse(text, NumberStyles.Number, CultureInfo.InvariantCulture, out var number)) writer.WriteNumberValue(number);
        else if (type == FieldTypes.Bool && bool.TryParse(text, out var flag)) writer.WriteBooleanValue(flag);
        else writer.WriteStringValue(text);
    }

    private static JsonElement Json(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer)) write(writer);
        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        return document.RootElement.Clone();
    }

    /// <summary>A draft of a stored rule. The root is always a group (a lone condition becomes a group of one).</summary>
    public static GroupDraft FromRule(SegmentRule? rule)
    {
        var draft = rule is null ? new GroupDraft() : Draft(rule);
        if (draft is GroupDraft group) return group;
        var root = new GroupDraft();
        root.Children.Add(draft);
        return root;
    }

    private static RuleDraft Draft(SegmentRule rule)
    {
        switch (rule)
        {
            case NotOf not:
                var inner = Draft(not.Rule);
                inner.Negated = !inner.Negated;
                return inner;
            case AllOf or AnyOf:
                var group = new GroupDraft(rule is AllOf ? GroupKind.All : GroupKind.Any);
                group.Children.AddRange(((rule as AllOf)?.Rules ?? ((AnyOf)rule).Rules).Select(Draft));
                return group;
            case FieldCondition f:
                var condition = new ConditionDraft { Field = f.Field, Op = f.Op };
                if (f.Value is { ValueKind: JsonValueKind.Array } array)
                {
                    var values = array.EnumerateArray().Select(Text).ToList();
                    if (f.Op == SegmentOps.Between)
                    {
                        condition.From = values.ElementAtOrDefault(0);
                        condition.To = values.ElementAtOrDefault(1);
                    }
                    else
                    {
                        condition.Items.AddRange(values.OfType<string>());
                    }
                }
                else if (f.Value is { } value)
                {
                    condition.Value = Text(value);
                }
                return condition;
            default:
                throw new ArgumentException($"Unknown rule {rule.GetType().Name}", nameof(rule));
        }
    }

    private static string? Text(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        _ => value.GetRawText(),
    };

    /// <summary>
    /// What a node still needs before it can be previewed or saved, in a marketer's words, or null when it is complete.
    /// A condition nobody has chosen anything for yet, and a group with nothing in it, need nothing said while the
    /// marketer is still building (they were just added); when saving (<paramref name="saving"/>) they need it too.
    /// </summary>
    public static string? Missing(RuleDraft node, IReadOnlyDictionary<string, SegmentField> fields, bool saving = false) => node switch
    {
        GroupDraft { Children.Count: 0 } group => !saving ? null
            : group.Path == RootPath ? "Add at least one condition: who should be in this segment?"
            : "Add a condition to this group, or remove the group.",
        GroupDraft => null,
        ConditionDraft { Field.Length: 0 } => saving ? "Choose what this condition is about, or remove it." : null,
        ConditionDraft c => MissingOf(c, fields.GetValueOrDefault(c.Field)),
        _ => null,
    };

    private static string? MissingOf(ConditionDraft c, SegmentField? field)
    {
        if (field is null) return "Choose what this condition is about from the list.";
        if (c.Op.Length == 0) return "Choose how to compare.";
        return c.Op switch
        {
            SegmentOps.Exists => null,
            SegmentOps.In or SegmentOps.Nin => c.Items.Count > 0 ? null
                : field.Values is { Count: > 0 } ? "Pick at least one value." : "Add at least one value: type it and press Enter.",
            SegmentOps.Between => string.IsNullOrWhiteSpace(c.From) || string.IsNullOrWhiteSpace(c.To) ? $"Enter both bounds: {What(field)} from and to."
                : ValueProblem(c.From, field) ?? ValueProblem(c.To, field),
            _ => string.IsNullOrWhiteSpace(c.Value) ? $"Enter {What(field)}." : ValueProblem(c.Value, field),
        };
    }

    /// <summary>The value to give, as a marketer says it.</summary>
    private static string What(SegmentField field) => field switch
    {
        { Type: FieldTypes.Bool } => "yes or no",
        { Values.Count: > 0 } => "one of the values",
        { Type: FieldTypes.Money } => "an amount, e.g. 100",
        { Type: FieldTypes.Number } => "a number, e.g. 10",
        { Type: FieldTypes.Date } => "a date, e.g. 2026-01-31, or a time relative to now, e.g. -7d for a week ago",
        _ => "a value",
    };

    private static string? ValueProblem(string? text, SegmentField field)
    {
        text = text?.Trim() ?? "";
        return field.Type switch
        {
            FieldTypes.Number or FieldTypes.Money when !decimal.TryParse(text, NumberStyles.Number, CultureInfo.InvariantCulture, out _) =>
                $"“{text}” is not a number: enter {What(field)}.",
            FieldTypes.Date when !IsDate(text) => $"“{text}” is not a date: enter {What(field)}.",
            _ => null,
        };
    }

    /// <summary>An ISO 8601 date or time, <c>now</c>, or a time relative to now (<c>-7d</c>, <c>+12h</c>, <c>-30m</c>, <c>-90s</c>, <c>-2w</c>).</summary>
    internal static bool IsDate(string text) =>
        text.Equals("now", StringComparison.OrdinalIgnoreCase)
        || (text.Length >= 3 && text[0] is '+' or '-' && text[^1] is 's' or 'm' or 'h' or 'd' or 'w' && text[1..^1].All(char.IsAsciiDigit))
        || DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _);

    /// <summary>Whether every node of the draft is complete enough to send (call <see cref="Build"/> first).</summary>
    public static bool IsComplete(RuleDraft root, IReadOnlyDictionary<string, SegmentField> fields) =>
        Nodes(root).All(n => Missing(n, fields, saving: true) is null);

    /// <summary>Every node of the draft, each with its path (call <see cref="Build"/> first).</summary>
    public static IEnumerable<RuleDraft> Nodes(RuleDraft draft)
    {
        yield return draft;
        if (draft is not GroupDraft group) yield break;
        foreach (var node in group.Children.SelectMany(Nodes)) yield return node;
    }

    /// <summary>
    /// Puts each error on the deepest node whose path it falls under (<c>rule.all[1].any[0].value</c> → the condition at
    /// <c>rule.all[1].any[0]</c>). Errors that fall under no node (<c>name</c>, <c>purpose</c>) stay in <see cref="RuleErrors.Other"/>.
    /// </summary>
    public static RuleErrors PlaceErrors(RuleDraft root, IReadOnlyDictionary<string, string[]> errors)
    {
        var nodes = Nodes(root).ToList();
        var byNode = new Dictionary<RuleDraft, List<(string Part, string Message)>>(ReferenceEqualityComparer.Instance);
        var other = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, messages) in errors)
        {
            RuleDraft? owner = null;
            var part = "";
            foreach (var node in nodes)
            {
                if (!Under(key, node.Path, out var rest) || (owner is not null && node.Path.Length <= owner.Path.Length)) continue;
                owner = node;
                part = rest;
            }
            if (owner is null)
            {
                other[key] = messages;
                continue;
            }
            if (!byNode.TryGetValue(owner, out var list)) byNode[owner] = list = [];
            list.AddRange(messages.Select(m => (Part(owner, part), m)));
        }
        return new RuleErrors(byNode, other);
    }

    private static bool Under(string key, string path, out string rest)
    {
        rest = "";
        if (!key.StartsWith(path, StringComparison.OrdinalIgnoreCase)) return false;
        if (key.Length == path.Length) return true;
        if (key[path.Length] is not ('.' or '[')) return false;
        rest = key[path.Length..];
        return true;
    }

    /// <summary>Which input of a condition an error is about: <c>field</c>, <c>op</c> or <c>value</c> (or "" for the node).</summary>
    private static string Part(RuleDraft node, string rest)
    {
        if (node.Negated && rest.StartsWith(".not", StringComparison.OrdinalIgnoreCase)) rest = rest[4..];
        foreach (var part in (string[])["field", "op", "value"])
        {
            if (rest.StartsWith("." + part, StringComparison.OrdinalIgnoreCase)) return part;
        }
        return "";
    }
}

/// <summary>Validation errors placed on the builder's nodes.</summary>
public sealed class RuleErrors(
    IReadOnlyDictionary<RuleDraft, List<(string Part, string Message)>> byNode, IReadOnlyDictionary<string, string[]> other)
{
    public static RuleErrors None { get; } = new(new Dictionary<RuleDraft, List<(string, string)>>(), new Dictionary<string, string[]>());

    /// <summary>Errors about no node of the rule (<c>name</c>, <c>purpose</c>, …), by key.</summary>
    public IReadOnlyDictionary<string, string[]> Other { get; } = other;

    public bool Any => byNode.Count > 0 || Other.Count > 0;

    public bool HasRuleErrors => byNode.Count > 0;

    /// <summary>The messages about this node (<paramref name="part"/> null: all of them).</summary>
    public IReadOnlyList<string> For(RuleDraft node, string? part = null) =>
        byNode.TryGetValue(node, out var list) ? [.. list.Where(e => part is null || e.Part == part).Select(e => e.Message)] : [];

    /// <summary>The messages about a form field outside the rule (<c>name</c>, <c>title</c>…), case-insensitive.</summary>
    public string? ForKey(string key) => Other.TryGetValue(key, out var messages) ? string.Join(" ", messages) : null;
}
