using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Shared.Contracts;

namespace Intelligence.Segments;

/// <summary>A rule checked against the fields, with its values parsed: what <see cref="RuleCompiler"/> compiles.</summary>
public abstract record BoundRule;

public sealed record BoundAll(IReadOnlyList<BoundRule> Rules) : BoundRule;

public sealed record BoundAny(IReadOnlyList<BoundRule> Rules) : BoundRule;

public sealed record BoundNot(BoundRule Rule) : BoundRule;

/// <param name="Values">One value (eq, neq, gt, gte, lt, lte, exists), two ascending ones (between) or the list (in, nin).</param>
public sealed record BoundLeaf(FieldSpec Field, string Op, IReadOnlyList<RuleValue> Values) : BoundRule;

/// <summary>A parsed value: a number, a string, a boolean, or a date in unix ms (relative ones are an offset from now).</summary>
public readonly record struct RuleValue(double Number = 0, string? Text = null, bool Bool = false, long DateMs = 0, bool Relative = false)
{
    public long DateAt(long nowMs) => Relative ? nowMs + DateMs : DateMs;
}

/// <summary>What a rule may refer to besides the fixed fields: the catalogue's providers and games.</summary>
public sealed record RuleContext(IReadOnlySet<string> Providers, IReadOnlySet<string> GameIds)
{
    public static RuleContext From(IReadOnlyDictionary<string, Game> catalogue) => new(
        catalogue.Values.Select(g => g.Provider).ToHashSet(StringComparer.Ordinal),
        catalogue.Keys.ToHashSet(StringComparer.Ordinal));
}

/// <summary>Limits on a rule's shape (section <c>Segments</c>).</summary>
public sealed record RuleLimits(int MaxDepth = 10, int MaxNodes = 500, int MaxValues = 1000);

/// <summary>
/// Checks a rule against <see cref="SegmentFields"/> and parses its values. Every problem is reported under the path
/// of the node it is in (<c>rule.all[1].any[0].value</c>), so a builder can show it on that node.
/// </summary>
public static partial class RuleBinder
{
    public const int MaxStringLength = 256;

    public sealed record Result(BoundRule? Rule, Dictionary<string, string[]> Errors)
    {
        public bool IsValid => Rule is not null && Errors.Count == 0;
    }

    /// <param name="checkOrder">Whether <c>between</c> must be ascending; stored rules mixing absolute and relative dates
    /// may stop being so as time passes (they then match no one).</param>
    public static Result Bind(SegmentRule? rule, RuleContext context, RuleLimits limits, DateTimeOffset now, string path = "rule", bool checkOrder = true)
    {
        var errors = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        if (rule is null)
        {
            errors[path] = ["a rule is required: {\"all\":[…]}, {\"any\":[…]}, {\"not\":{…}} or {\"field\":…,\"op\":…,\"value\":…}"];
            return new Result(null, Freeze(errors));
        }
        var nodes = 0;
        var bound = Bind(rule, path, 1);
        if (nodes > limits.MaxNodes) Add(errors, path, $"the rule has {nodes} nodes; at most {limits.MaxNodes} are allowed");
        return new Result(errors.Count == 0 ? bound : null, Freeze(errors));

        BoundRule? Bind(SegmentRule node, string at, int depth)
        {
            nodes++;
            if (depth > limits.MaxDepth)
            {
                Add(errors, at, $"the rule nests deeper than {limits.MaxDepth} levels");
                return null;
            }
            switch (node)
            {
                case AllOf all:
                    return Group(all.Rules, at + ".all", "all", depth) is { } a ? new BoundAll(a) : null;
                case AnyOf any:
                    return Group(any.Rules, at + ".any", "any", depth) is { } b ? new BoundAny(b) : null;
                case NotOf not:
                    return Bind(not.Rule, at + ".not", depth + 1) is { } inner ? new BoundNot(inner) : null;
                case FieldCondition leaf:
                    return Leaf(leaf, at);
                default:
                    Add(errors, at, "not a rule");
                    return null;
            }
        }

        List<BoundRule>? Group(IReadOnlyList<SegmentRule>? rules, string at, string kind, int depth)
        {
            if (rules is null || rules.Count == 0)
            {
                Add(errors, at, $"an '{kind}' group needs at least one rule");
                return null;
            }
            var bound = new List<BoundRule>(rules.Count);
            var ok = true;
            for (var i = 0; i < rules.Count; i++)
            {
                if (Bind(rules[i], $"{at}[{i}]", depth + 1) is { } b) bound.Add(b);
                else ok = false;
            }
            return ok ? bound : null;
        }

        BoundLeaf? Leaf(FieldCondition leaf, string at)
        {
            var field = SegmentFields.Find(leaf.Field ?? "", context.Providers);
            if (field is null)
            {
                Add(errors, at + ".field", UnknownField(leaf.Field ?? "", context));
                return null;
            }
            if (!SegmentOps.All.Contains(leaf.Op, StringComparer.Ordinal))
            {
                Add(errors, at + ".op", $"'{leaf.Op}' is not an operator; use one of {string.Join(", ", SegmentOps.All)}");
                return null;
            }
            if (!field.Ops.Contains(leaf.Op, StringComparer.Ordinal))
            {
                Add(errors, at + ".op", $"'{leaf.Op}' does not apply to the {field.Type} field '{field.Path}'; use one of {string.Join(", ", field.Ops)}");
                return null;
            }
            var values = Values(leaf, field, at + ".value");
            return values is null ? null : new BoundLeaf(field, leaf.Op, values);
        }

        List<RuleValue>? Values(FieldCondition leaf, FieldSpec field, string at)
        {
            var value = leaf.Value;
            var present = value is { } v && v.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null);
            switch (leaf.Op)
            {
                case SegmentOps.Exists:
                    if (!present) return [new RuleValue(Bool: true)];
                    if (value!.Value.ValueKind is JsonValueKind.True or JsonValueKind.False) return [new RuleValue(Bool: value.Value.GetBoolean())];
                    Add(errors, at, "exists takes no value, or true (the field has a value) or false (it has none)");
                    return null;
                case SegmentOps.In or SegmentOps.Nin:
                    if (!present || value!.Value.ValueKind != JsonValueKind.Array || value.Value.GetArrayLength() == 0)
                    {
                        Add(errors, at, $"{leaf.Op} needs a non-empty array of {Plural(field)}, e.g. {Example(field, list: true)}");
                        return null;
                    }
                    if (value.Value.GetArrayLength() > limits.MaxValues)
                    {
                        Add(errors, at, $"{leaf.Op} takes at most {limits.MaxValues} values; this has {value.Value.GetArrayLength()}");
                        return null;
                    }
                    return List(value.Value, field, at);
                case SegmentOps.Between:
                    if (!present || value!.Value.ValueKind != JsonValueKind.Array || value.Value.GetArrayLength() != 2)
                    {
                        Add(errors, at, $"between needs an array of two {Plural(field)}, lowest first, e.g. {Example(field, between: true)}");
                        return null;
                    }
                    var pair = List(value.Value, field, at);
                    if (pair is null) return null;
                    var nowMs = now.ToUnixTimeMilliseconds();
                    var descending = field.Type == FieldTypes.Date ? pair[0].DateAt(nowMs) > pair[1].DateAt(nowMs) : pair[0].Number > pair[1].Number;
                    if (descending && checkOrder)
                    {
                        Add(errors, at, $"between needs the lower bound first: {value.Value[0].GetRawText()} is after {value.Value[1].GetRawText()}");
                        return null;
                    }
                    return pair;
                default:
                    if (!present)
                    {
                        Add(errors, at, $"{leaf.Op} needs a value: one {Singular(field)}, e.g. {Example(field)}");
                        return null;
                    }
                    return One(value!.Value, field, at) is { } one ? [one] : null;
            }
        }

        List<RuleValue>? List(JsonElement array, FieldSpec field, string at)
        {
            var list = new List<RuleValue>(array.GetArrayLength());
            var ok = true;
            var i = 0;
            foreach (var item in array.EnumerateArray())
            {
                if (One(item, field, $"{at}[{i++}]") is { } v) list.Add(v);
                else ok = false;
            }
            return ok ? list : null;
        }

        RuleValue? One(JsonElement v, FieldSpec field, string at)
        {
            switch (field.Type)
            {
                case FieldTypes.Number or FieldTypes.Money:
                    if (v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out var d) && double.IsFinite(d)) return new RuleValue(Number: d);
                    Add(errors, at, $"'{field.Path}' is a {field.Type} field: expected a number, got {Describe(v)}");
                    return null;
                case FieldTypes.Bool:
                    if (v.ValueKind is JsonValueKind.True or JsonValueKind.False) return new RuleValue(Bool: v.GetBoolean());
                    Add(errors, at, $"'{field.Path}' is a bool field: expected true or false, got {Describe(v)}");
                    return null;
                case FieldTypes.Date:
                    if (Text(v) is { } when && ParseDate(when) is { } date) return date;
                    Add(errors, at, $"'{field.Path}' is a date field: expected an ISO 8601 date (\"2026-01-31\", \"2026-01-31T12:00:00Z\") or a time relative to now (\"-7d\", \"+12h\", \"-30m\", \"-90s\", \"-2w\", \"now\"), got {Describe(v)}");
                    return null;
                default:
                    if (v.ValueKind != JsonValueKind.String)
                    {
                        Add(errors, at, $"'{field.Path}' is a string field: expected a string, got {Describe(v)}");
                        return null;
                    }
                    if (Text(v) is not { } s)
                    {
                        Add(errors, at, $"'{field.Path}' is a string field: the string is not valid text (a lone UTF-16 surrogate such as \\ud800)");
                        return null;
                    }
                    if (s.Length is 0 or > MaxStringLength)
                    {
                        Add(errors, at, $"a value must be 1 to {MaxStringLength} characters long");
                        return null;
                    }
                    if (field.Fixed is { } allowed && !allowed.Contains(s, StringComparer.Ordinal))
                    {
                        Add(errors, at, $"'{s}' is not a value of '{field.Path}'; use one of {string.Join(", ", allowed)}");
                        return null;
                    }
                    if (field.Kind == ColumnKind.GamesPlayed && !context.GameIds.Contains(s))
                    {
                        Add(errors, at, $"'{s}' is not a game in the catalogue");
                        return null;
                    }
                    return new RuleValue(Text: s);
            }
        }
    }

    /// <summary>An ISO 8601 date (UTC unless it says otherwise), or <c>now</c>, or <c>[+-]N(s|m|h|d|w)</c> relative to now.</summary>
    public static RuleValue? ParseDate(string s)
    {
        if (s == "now") return new RuleValue(DateMs: 0, Relative: true);
        var m = RelativePattern().Match(s);
        if (m.Success)
        {
            var n = long.Parse(m.Groups[2].ValueSpan, CultureInfo.InvariantCulture);
            var unit = m.Groups[3].Value switch { "s" => 1_000L, "m" => 60_000L, "h" => 3_600_000L, "d" => 86_400_000L, _ => 7 * 86_400_000L };
            return new RuleValue(DateMs: (m.Groups[1].Value == "-" ? -1 : 1) * n * unit, Relative: true);
        }
        if (s.Length >= 10 && char.IsAsciiDigit(s[0])
            && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t))
        {
            return new RuleValue(DateMs: t.ToUnixTimeMilliseconds());
        }
        return null;
    }

    [GeneratedRegex(@"^([+-])(\d{1,7})([smhdw])$")]
    private static partial Regex RelativePattern();

    private static string UnknownField(string path, RuleContext context)
    {
        if (path.StartsWith(SegmentFields.ProvidersPrefix, StringComparison.Ordinal))
        {
            return $"'{path[SegmentFields.ProvidersPrefix.Length..]}' is not a provider in the catalogue";
        }
        var candidates = SegmentFields.Static.Keys.Concat(context.Providers.Select(p => SegmentFields.ProvidersPrefix + p));
        var best = candidates.Select(c => (c, d: Distance(path, c))).Where(x => x.d <= Math.Max(2, path.Length / 4)).OrderBy(x => x.d).ThenBy(x => x.c, StringComparer.Ordinal).FirstOrDefault();
        return $"'{path}' is not a field rules can use{(best.c is null ? "" : $" (did you mean '{best.c}'?)")}; GET /v1/segments/fields lists them";
    }

    private static int Distance(string a, string b)
    {
        var prev = new int[b.Length + 1];
        var cur = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++) prev[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            cur[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                cur[j] = Math.Min(Math.Min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }
            (prev, cur) = (cur, prev);
        }
        return prev[b.Length];
    }

    private static string Singular(FieldSpec f) => f.Type switch
    {
        FieldTypes.Number or FieldTypes.Money => "number",
        FieldTypes.Date => "date",
        FieldTypes.Bool => "boolean",
        _ => f.Kind == ColumnKind.GamesPlayed ? "game id" : "string",
    };

    private static string Plural(FieldSpec f) => Singular(f) + "s";

    private static string Example(FieldSpec f, bool list = false, bool between = false) => f.Type switch
    {
        FieldTypes.Number or FieldTypes.Money => between ? "[100, 500]" : list ? "[1, 2, 3]" : "100",
        FieldTypes.Date => between ? "[\"-30d\", \"-7d\"]" : "\"-7d\"",
        FieldTypes.Bool => "true",
        _ => list ? $"[\"{f.Fixed?[0] ?? (f.Kind == ColumnKind.GamesPlayed ? "g-starburst" : "MT")}\"]" : $"\"{f.Fixed?[0] ?? "MT"}\"",
    };

    /// <summary>A string value, or null when it is not one or an escape in it is no character (a lone UTF-16 surrogate).</summary>
    private static string? Text(JsonElement v)
    {
        if (v.ValueKind != JsonValueKind.String) return null;
        try
        {
            return v.GetString();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    private static string Describe(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.String => Text(v) is { } s ? $"the string \"{Truncate(s)}\"" : "a string that is not valid text",
        JsonValueKind.Number => $"the number {v.GetRawText()}",
        JsonValueKind.True or JsonValueKind.False => $"the boolean {v.GetRawText()}",
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        _ => "null",
    };

    private static string Truncate(string s) => s.Length <= 40 ? s : s[..40] + "…";

    private static void Add(Dictionary<string, List<string>> errors, string path, string message)
    {
        if (!errors.TryGetValue(path, out var list)) errors[path] = list = [];
        list.Add(message);
    }

    private static Dictionary<string, string[]> Freeze(Dictionary<string, List<string>> errors) =>
        errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);
}
