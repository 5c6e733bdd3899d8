using System.Text.Json;
using System.Text.Json.Serialization;

namespace Shared.Contracts;

/// <summary>
/// A segment's rule: <c>{"all":[…]}</c>, <c>{"any":[…]}</c>, <c>{"not":{…}}</c>, or a leaf
/// <c>{"field":"lifetime.depositAmount","op":"gte","value":100}</c>. Whether fields, operators and values fit
/// together is checked by Intelligence, which answers with the path of the offending node.
/// </summary>
[JsonConverter(typeof(SegmentRuleJsonConverter))]
public abstract record SegmentRule;

public sealed record AllOf(IReadOnlyList<SegmentRule> Rules) : SegmentRule;

public sealed record AnyOf(IReadOnlyList<SegmentRule> Rules) : SegmentRule;

public sealed record NotOf(SegmentRule Rule) : SegmentRule;

/// <param name="Op">One of <see cref="SegmentOps.All"/>.</param>
/// <param name="Value">A number, string, boolean, ISO date, or an array (for <c>in</c>, <c>nin</c>, <c>between</c>);
/// absent for <c>exists</c>.</param>
public sealed record FieldCondition(string Field, string Op, JsonElement? Value = null) : SegmentRule;

public static class SegmentOps
{
    public const string Eq = "eq", Neq = "neq", Gt = "gt", Gte = "gte", Lt = "lt", Lte = "lte";
    public const string In = "in", Nin = "nin", Exists = "exists", Between = "between";
    public static readonly IReadOnlyList<string> All = [Eq, Neq, Gt, Gte, Lt, Lte, In, Nin, Exists, Between];
}

public static class SegmentPurposes
{
    /// <summary>Never contains a player whose marketing is not allowed (for the segment's channel, when it has one).</summary>
    public const string Marketing = "marketing";
    /// <summary>Counts and analysis only: everyone who matches, with nothing sent to them.</summary>
    public const string Analysis = "analysis";
    public static readonly IReadOnlyList<string> All = [Marketing, Analysis];
}

/// <summary>Body of <c>POST /v1/segments</c> and <c>PUT /v1/segments/{id}</c>.</summary>
/// <param name="Channel">For marketing segments, the channel the campaign uses (<c>email</c>, <c>sms</c>, <c>push</c>,
/// <c>phone</c>, <c>site</c>): members must have consented to it. Null: any granted channel will do.</param>
public sealed record SegmentRequest(string? Name, string? Description, string? Purpose, string? Channel, SegmentRule? Rule);

/// <summary>A segment as stored: the current version of its definition and how many members it has now.</summary>
public sealed record Segment(
    string Id,
    string Name,
    string? Description,
    string Purpose,
    string? Channel,
    SegmentRule Rule,
    int Version,
    string CreatedBy,
    DateTimeOffset CreatedAt,
    string UpdatedBy,
    DateTimeOffset UpdatedAt,
    long Members);

/// <summary>Body of <c>POST /v1/segments/preview</c>.</summary>
public sealed record SegmentPreviewRequest(SegmentRule? Rule, string? Purpose = null, string? Channel = null, int? SampleSize = null);

/// <param name="Count">Players who match and may be in the segment.</param>
/// <param name="Excluded">Players who match the rule but are kept out, by reason (<see cref="MarketingPolicy"/> reasons).</param>
/// <param name="Evaluated">Profiles the rule was evaluated over.</param>
public sealed record SegmentPreview(
    long Count,
    IReadOnlyDictionary<string, long> Excluded,
    IReadOnlyList<SegmentMember> Sample,
    long Evaluated,
    double ElapsedMs,
    DateTimeOffset AsOf);

/// <summary>A member of a segment, with a few facts a marketer recognises.</summary>
public sealed record SegmentMember(
    string PlayerId,
    string? Country,
    string? Market,
    decimal LifetimeDepositAmount,
    DateTimeOffset? LastActiveAt,
    double? Churn,
    double? Vip,
    DateTimeOffset? EnteredAt = null);

/// <summary><c>GET /v1/segments/{id}/players?cursor=&amp;limit=</c>; <see cref="NextCursor"/> is null on the last page.</summary>
public sealed record SegmentMembersPage(string SegmentId, IReadOnlyList<SegmentMember> Items, string? NextCursor, long Total);

/// <summary>A field rules may use (<c>GET /v1/segments/fields</c>), for builders and validation messages.</summary>
/// <param name="Type"><c>number</c>, <c>money</c>, <c>string</c>, <c>date</c>, <c>bool</c>.</param>
/// <param name="Values">Known values for string fields (markets, bands, segment ids…), when they are few.</param>
public sealed record SegmentField(string Path, string Type, string Description, IReadOnlyList<string> Ops, IReadOnlyList<string>? Values = null);

/// <summary>One entry in the segments' audit log: who changed what, when.</summary>
/// <param name="Action"><c>created</c>, <c>updated</c>, <c>deleted</c>, <c>placement.created</c>, …</param>
public sealed record AuditEntry(DateTimeOffset At, string Actor, string Action, string SubjectId, int? Version, string Detail);

/// <summary>Body of a <c>segment.entered</c> / <c>segment.exited</c> webhook.</summary>
public sealed record SegmentMembershipChanged(string SegmentId, string SegmentName, string PlayerId, DateTimeOffset At);

/// <summary>
/// Content a marketer attaches to a segment for members' lobbies: a row of chosen games (<c>kind</c> <c>games</c>)
/// or of a category (<c>kind</c> <c>category</c>), shown between <see cref="StartsAt"/> and <see cref="EndsAt"/>,
/// higher <see cref="Priority"/> first. Body of <c>POST /v1/placements</c> and <c>PUT /v1/placements/{id}</c>.
/// </summary>
public sealed record PlacementRequest(
    string? SegmentId,
    string? Title,
    string? Kind,
    IReadOnlyList<string>? GameIds,
    string? Category,
    int? Priority,
    DateTimeOffset? StartsAt,
    DateTimeOffset? EndsAt,
    bool? BonusLed = null);

/// <param name="BonusLed">The row promotes a bonus: players of a market that requires verification before bonuses
/// (Intelligence <c>Compliance:BonusesRequireVerification</c>) see it only once their KYC is verified.</param>
public sealed record Placement(
    string Id,
    string SegmentId,
    string Title,
    string Kind,
    IReadOnlyList<string> GameIds,
    string? Category,
    int Priority,
    DateTimeOffset StartsAt,
    DateTimeOffset EndsAt,
    string CreatedBy,
    DateTimeOffset CreatedAt,
    string UpdatedBy,
    DateTimeOffset UpdatedAt,
    bool BonusLed = false);

public static class PlacementKinds
{
    public const string Games = "games";
    public const string Category = "category";
    public static readonly IReadOnlyList<string> All = [Games, Category];
}

/// <summary><c>GET /v1/players/{playerId}/placements</c>: what the player's lobby shows now, highest priority first.</summary>
/// <param name="HeldOut">Running placements of the player's segments not shown because the player is in their control group.</param>
public sealed record PlayerPlacements(string PlayerId, IReadOnlyList<Placement> Items, DateTimeOffset At, IReadOnlyList<string>? HeldOut = null);

/// <summary>Reads and writes the rule tree's JSON exactly as the contract spells it.</summary>
public sealed class SegmentRuleJsonConverter : JsonConverter<SegmentRule>
{
    public override SegmentRule Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        return Parse(document.RootElement, "rule");
    }

    /// <summary>Builds the tree, or throws <see cref="JsonException"/> naming the path of the node that is not a rule.</summary>
    public static SegmentRule Parse(JsonElement node, string path)
    {
        if (node.ValueKind != JsonValueKind.Object)
            throw new JsonException($"{path}: a rule must be an object with 'all', 'any', 'not' or 'field'.");
        if (node.TryGetProperty("all", out var all)) return new AllOf(ParseList(all, path + ".all"));
        if (node.TryGetProperty("any", out var any)) return new AnyOf(ParseList(any, path + ".any"));
        if (node.TryGetProperty("not", out var not)) return new NotOf(Parse(not, path + ".not"));
        if (!node.TryGetProperty("field", out var field) || field.ValueKind != JsonValueKind.String)
            throw new JsonException($"{path}: a rule must have 'all', 'any', 'not', or a string 'field'.");
        if (!node.TryGetProperty("op", out var op) || op.ValueKind != JsonValueKind.String)
            throw new JsonException($"{path}.op: a condition needs a string 'op' ({string.Join(", ", SegmentOps.All)}).");
        JsonElement? value = node.TryGetProperty("value", out var v) ? v.Clone() : null;
        try
        {
            return new FieldCondition(field.GetString()!, op.GetString()!, value);
        }
        catch (InvalidOperationException)
        {
            throw new JsonException($"{path}: 'field' and 'op' must be valid text (no lone UTF-16 surrogate such as \\ud800).");
        }
    }

    private static List<SegmentRule> ParseList(JsonElement array, string path)
    {
        if (array.ValueKind != JsonValueKind.Array)
            throw new JsonException($"{path}: must be an array of rules.");
        var rules = new List<SegmentRule>(array.GetArrayLength());
        var i = 0;
        foreach (var item in array.EnumerateArray()) rules.Add(Parse(item, $"{path}[{i++}]"));
        return rules;
    }

    public override void Write(Utf8JsonWriter writer, SegmentRule value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        switch (value)
        {
            case AllOf a:
                writer.WritePropertyName("all");
                WriteList(writer, a.Rules, options);
                break;
            case AnyOf a:
                writer.WritePropertyName("any");
                WriteList(writer, a.Rules, options);
                break;
            case NotOf n:
                writer.WritePropertyName("not");
                Write(writer, n.Rule, options);
                break;
            case FieldCondition f:
                writer.WriteString("field", f.Field);
                writer.WriteString("op", f.Op);
                if (f.Value is { } v)
                {
                    writer.WritePropertyName("value");
                    v.WriteTo(writer);
                }
                break;
            default:
                throw new JsonException($"Unknown rule node {value.GetType().Name}.");
        }
        writer.WriteEndObject();
    }

    private void WriteList(Utf8JsonWriter writer, IReadOnlyList<SegmentRule> rules, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        foreach (var rule in rules) Write(writer, rule, options);
        writer.WriteEndArray();
    }
}

/// <summary>The value types of <see cref="SegmentField.Type"/>.</summary>
public static class FieldTypes
{
    public const string Number = "number", Money = "money", Text = "string", Date = "date", Bool = "bool";

    public static bool IsNumeric(string? type) => type is Number or Money;
}
