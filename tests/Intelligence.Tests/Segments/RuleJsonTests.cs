using System.Text.Json;
using CsCheck;
using Shared.Contracts;

namespace Intelligence.Tests.Segments;

/// <summary>The rule tree's JSON converter (Shared.Contracts): what it reads it writes back as it was, and it names the node it cannot read.</summary>
public sealed class RuleJsonTests
{
    [Fact]
    public void RandomRules_RoundTripThroughTheConverter_ToTheSameJsonAndTree()
    {
        Gen.Int.Sample(seed =>
        {
            var random = new RandomRules(new Random(seed), DateTimeOffset.UtcNow);
            var json = random.Rule(depth: 4);
            var rule = JsonSerializer.Deserialize(json, ContractsJsonContext.Default.SegmentRule)!;
            var written = JsonSerializer.Serialize(rule, ContractsJsonContext.Default.SegmentRule);
            Assert.Equal(Normalise(json), Normalise(written));
            var again = JsonSerializer.Deserialize(written, ContractsJsonContext.Default.SegmentRule)!;
            Assert.Equal(Shape(rule), Shape(again));
        }, iter: 300);
    }

    [Fact]
    public void ASegmentWithItsRule_RoundTripsInsideTheContract()
    {
        var rule = new AllOf([
            new FieldCondition("country", "in", JsonDocument.Parse("""["MT","SE"]""").RootElement),
            new NotOf(new AnyOf([new FieldCondition("rg.depositLimit.amount", "exists"), new FieldCondition("lifetime.lastActiveAt", "gte", JsonDocument.Parse("\"-7d\"").RootElement)])),
        ]);
        var segment = new Segment("sgm-1", "Active MT/SE", null, "marketing", "email", rule, 3, "ana", DateTimeOffset.UnixEpoch, "bo", DateTimeOffset.UnixEpoch, 12);
        var json = JsonSerializer.Serialize(segment, ContractsJsonContext.Default.Segment);
        Assert.Contains("""
            "rule":{"all":[{"field":"country","op":"in","value":["MT","SE"]},{"not":{"any":[{"field":"rg.depositLimit.amount","op":"exists"},{"field":"lifetime.lastActiveAt","op":"gte","value":"-7d"}]}}]}
            """.Trim(), json, StringComparison.Ordinal);
        var back = JsonSerializer.Deserialize(json, ContractsJsonContext.Default.Segment)!;
        Assert.Equal(Shape(rule), Shape(back.Rule));
        Assert.Equal(segment with { Rule = back.Rule }, back);
    }

    [Theory]
    [InlineData("""{"all":{}}""", "rule.all: must be an array of rules.")]
    [InlineData("""{"any":[{"field":"country","op":"eq","value":"MT"},7]}""", "rule.any[1]: a rule must be an object")]
    [InlineData("""{"all":[{"not":{"field":1,"op":"eq"}}]}""", "rule.all[0].not: a rule must have 'all', 'any', 'not', or a string 'field'.")]
    [InlineData("""{"all":[{"any":[{"field":"country"}]}]}""", "rule.all[0].any[0].op: a condition needs a string 'op'")]
    [InlineData("""[]""", "rule: a rule must be an object")]
    public void StructuralErrors_NameThePathOfTheNode(string json, string message)
    {
        var e = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize(json, ContractsJsonContext.Default.SegmentRule));
        Assert.StartsWith(message, e.Message, StringComparison.Ordinal);
    }

    private static string Normalise(string json) => JsonSerializer.Serialize(JsonDocument.Parse(json).RootElement);

    /// <summary>The tree as text, values included: records holding JsonElement do not compare by value.</summary>
    private static string Shape(SegmentRule rule) => rule switch
    {
        AllOf a => $"all({string.Join(",", a.Rules.Select(Shape))})",
        AnyOf a => $"any({string.Join(",", a.Rules.Select(Shape))})",
        NotOf n => $"not({Shape(n.Rule)})",
        FieldCondition f => $"{f.Field} {f.Op} {(f.Value is { } v ? v.GetRawText() : "-")}",
        _ => "?",
    };
}
