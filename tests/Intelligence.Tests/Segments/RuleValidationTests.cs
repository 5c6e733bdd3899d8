using System.Text.Json;
using Intelligence.Segments;
using Shared.Contracts;

namespace Intelligence.Tests.Segments;

/// <summary>Every kind of invalid rule is reported under the path of the node it is in, with words a marketer can act on.</summary>
public sealed class RuleValidationTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);
    private static readonly RuleContext Catalogue = new(new HashSet<string> { "NetEnt" }, new HashSet<string> { "g-starburst", "g-book" });

    private static Dictionary<string, string[]> Errors(string json, RuleLimits? limits = null)
    {
        var rule = JsonSerializer.Deserialize(json, ContractsJsonContext.Default.SegmentRule);
        var result = RuleBinder.Bind(rule, Catalogue, limits ?? new RuleLimits(), Now);
        Assert.False(result.IsValid, "expected the rule to be refused");
        Assert.Null(result.Rule);
        return result.Errors;
    }

    private static void Expect(string json, string path, string words, RuleLimits? limits = null)
    {
        var errors = Errors(json, limits);
        Assert.True(errors.ContainsKey(path), $"expected an error at {path}; got {string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(",", e.Value)}"))}");
        Assert.Contains(errors[path], m => m.Contains(words, StringComparison.Ordinal));
    }

    [Fact]
    public void AnUnknownField_IsNamedWithTheClosestKnownOne()
    {
        Expect("""{"all":[{"field":"country","op":"eq","value":"MT"},{"any":[{"field":"lifetime.depositAmout","op":"gte","value":100}]}]}""",
            "rule.all[1].any[0].field", "did you mean 'lifetime.depositAmount'?");
        Expect("""{"field":"games.providers.NoSuchStudio","op":"gt","value":1}""", "rule.field", "'NoSuchStudio' is not a provider in the catalogue");
    }

    [Fact]
    public void AnOperatorTheFieldsTypeDoesNotTake_IsRefused()
    {
        Expect("""{"all":[{"field":"lifetime.lastBetAt","op":"eq","value":"-7d"}]}""", "rule.all[0].op", "'eq' does not apply to the date field 'lifetime.lastBetAt'");
        Expect("""{"field":"country","op":"gt","value":"MT"}""", "rule.op", "use one of eq, neq, in, nin, exists");
        Expect("""{"field":"country","op":"like","value":"M%"}""", "rule.op", "'like' is not an operator");
        Expect("""{"field":"games.played","op":"eq","value":"g-book"}""", "rule.op", "use one of in, nin");
        // Counts are never missing: exists is not offered on them.
        Expect("""{"field":"lifetime.betCount","op":"exists"}""", "rule.op", "does not apply");
    }

    [Fact]
    public void AValueOfTheWrongType_IsRefusedAtTheValue()
    {
        Expect("""{"any":[{"field":"lifetime.depositAmount","op":"gte","value":"100"}]}""", "rule.any[0].value", "expected a number, got the string \"100\"");
        Expect("""{"field":"consents.email","op":"eq","value":"yes"}""", "rule.value", "expected true or false");
        Expect("""{"field":"registeredAt","op":"gte","value":"last week"}""", "rule.value", "\"-7d\"");
        Expect("""{"field":"registeredAt","op":"gte","value":20260101}""", "rule.value", "expected an ISO 8601 date");
        Expect("""{"field":"country","op":"eq","value":44}""", "rule.value", "expected a string, got the number 44");
        Expect("""{"field":"kycStatus","op":"eq","value":"gold"}""", "rule.value", "use one of none, pending, verified, rejected");
        Expect("""{"field":"scores.churn.band","op":"in","value":["high","severe"]}""", "rule.value[1]", "'severe' is not a value of 'scores.churn.band'");
        Expect("""{"field":"country","op":"eq"}""", "rule.value", "eq needs a value");
        Expect("""{"field":"rg.depositLimit.amount","op":"exists","value":1}""", "rule.value", "exists takes no value, or true");
    }

    [Fact]
    public void Between_NeedsTwoValuesLowestFirst()
    {
        Expect("""{"field":"lifetime.depositAmount","op":"between","value":[100]}""", "rule.value", "between needs an array of two numbers, lowest first");
        Expect("""{"field":"lifetime.depositAmount","op":"between","value":100}""", "rule.value", "between needs an array of two numbers");
        Expect("""{"field":"lifetime.depositAmount","op":"between","value":[500,100]}""", "rule.value", "the lower bound first: 500 is after 100");
        Expect("""{"field":"lifetime.lastActiveAt","op":"between","value":["-7d","-30d"]}""", "rule.value", "the lower bound first");
        Expect("""{"field":"lifetime.depositAmount","op":"between","value":[1,"x"]}""", "rule.value[1]", "expected a number");
    }

    [Fact]
    public void InAndNin_NeedANonEmptyArrayOfKnownValues()
    {
        Expect("""{"field":"country","op":"in","value":"MT"}""", "rule.value", "in needs a non-empty array of strings");
        Expect("""{"field":"country","op":"nin","value":[]}""", "rule.value", "nin needs a non-empty array");
        Expect("""{"field":"games.played","op":"in","value":["g-book","g-nope"]}""", "rule.value[1]", "'g-nope' is not a game in the catalogue");
        Expect("""{"field":"country","op":"in","value":["MT","SE","DE"]}""", "rule.value", "at most 2 values", new RuleLimits(MaxValues: 2));
    }

    [Fact]
    public void EmptyGroupsAndOversizedRules_AreRefused()
    {
        Expect("""{"all":[]}""", "rule.all", "an 'all' group needs at least one rule");
        Expect("""{"not":{"any":[]}}""", "rule.not.any", "an 'any' group needs at least one rule");
        Expect("""{"all":[{"all":[{"all":[{"field":"country","op":"eq","value":"MT"}]}]}]}""", "rule.all[0].all[0].all[0]", "deeper than 3 levels", new RuleLimits(MaxDepth: 3));
        Expect("""{"any":[{"field":"country","op":"eq","value":"MT"},{"field":"country","op":"eq","value":"SE"}]}""", "rule", "the rule has 3 nodes; at most 2", new RuleLimits(MaxNodes: 2));
    }

    [Fact]
    public void EveryProblemOfARule_IsReportedAtOnce()
    {
        var errors = Errors("""{"all":[{"field":"nope","op":"eq","value":1},{"any":[]},{"field":"birthYear","op":"gt","value":"1990"}]}""");
        Assert.Equal(["rule.all[0].field", "rule.all[1].any", "rule.all[2].value"], errors.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void RelativeAndAbsoluteDates_Parse()
    {
        var nowMs = Now.ToUnixTimeMilliseconds();
        Assert.Equal(nowMs - 7 * 86_400_000L, RuleBinder.ParseDate("-7d")!.Value.DateAt(nowMs));
        Assert.Equal(nowMs + 12 * 3_600_000L, RuleBinder.ParseDate("+12h")!.Value.DateAt(nowMs));
        Assert.Equal(nowMs - 2 * 7 * 86_400_000L, RuleBinder.ParseDate("-2w")!.Value.DateAt(nowMs));
        Assert.Equal(nowMs - 30 * 60_000L, RuleBinder.ParseDate("-30m")!.Value.DateAt(nowMs));
        Assert.Equal(nowMs - 90_000L, RuleBinder.ParseDate("-90s")!.Value.DateAt(nowMs));
        Assert.Equal(nowMs, RuleBinder.ParseDate("now")!.Value.DateAt(nowMs));
        Assert.Equal(new DateTimeOffset(2026, 1, 31, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds(), RuleBinder.ParseDate("2026-01-31")!.Value.DateAt(0));
        Assert.Equal(new DateTimeOffset(2026, 1, 31, 10, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds(), RuleBinder.ParseDate("2026-01-31T12:00:00+02:00")!.Value.DateAt(0));
        Assert.Null(RuleBinder.ParseDate("7d"));
        Assert.Null(RuleBinder.ParseDate("-7y"));
        Assert.Null(RuleBinder.ParseDate("yesterday"));
    }

    [Fact]
    public void TheFieldPalette_ListsEveryFieldOnce_WithOperatorsItsTypeAllows()
    {
        var paths = SegmentFields.Palette.Select(f => f.Path).ToList();
        Assert.Equal(paths.Count, paths.Distinct(StringComparer.Ordinal).Count());
        foreach (var required in new[] { "country", "market", "currency", "kycStatus", "affiliateId", "campaign", "channel", "birthYear", "vipTier", "registeredAt",
            "consents.email", "rg.selfExcludedUntil", "rg.coolingOffUntil", "rg.blocked", "rg.depositLimit.amount", "lifetime.depositAmount", "lifetime.lastActiveAt",
            "windows.7d.stakeAmount", "windows.90d.activeDays", "games.categories.slots", "games.played", "scores.churn.probability", "scores.vip.probability",
            "scores.churn.band", "scores.vip.band", "scores.segment.id" })
        {
            Assert.Contains(required, paths);
        }
        Assert.All(SegmentFields.Palette.Where(f => f.Type == FieldTypes.Date), f => Assert.DoesNotContain("eq", f.Ops));
        Assert.All(SegmentFields.Palette.Where(f => f.Type == FieldTypes.Bool), f => Assert.DoesNotContain("gt", f.Ops));
    }
}
