using System.Text.Json;
using Lobby.Components.Console.Builder;
using Shared.Contracts;

namespace Lobby.UnitTests.Console;

public sealed class RuleDraftTests
{
    private static readonly Dictionary<string, SegmentField> Fields = new()
    {
        ["country"] = new("country", "string", "Country", ["eq", "in"]),
        ["lifetime.depositAmount"] = new("lifetime.depositAmount", "money", "Deposits", ["gte", "between"]),
        ["rg.blocked"] = new("rg.blocked", "bool", "Blocked", ["eq"]),
        ["windows.7d.betCount"] = new("windows.7d.betCount", "number", "Bets in 7 days", ["in", "between"]),
    };

    private static string Json(SegmentRule rule) => JsonSerializer.Serialize(rule, ContractsJsonContext.Default.SegmentRule);

    private static SegmentRule Parse(string json) => JsonSerializer.Deserialize(json, ContractsJsonContext.Default.SegmentRule)!;

    [Fact]
    public void NestedGroups_BuildTheContractsJson_WithValuesTypedByTheirField()
    {
        var root = new GroupDraft(GroupKind.All);
        root.Children.Add(new ConditionDraft { Field = "country", Op = "eq", Value = "MT" });
        var any = new GroupDraft(GroupKind.Any) { Negated = true };
        any.Children.Add(new ConditionDraft { Field = "lifetime.depositAmount", Op = "between", From = "100", To = "2500.50" });
        var list = new ConditionDraft { Field = "windows.7d.betCount", Op = "in", Negated = true };
        list.Items.AddRange(["1", "2"]);
        any.Children.Add(list);
        any.Children.Add(new ConditionDraft { Field = "rg.blocked", Op = "eq", Value = "false" });
        root.Children.Add(any);

        var rule = RuleDrafts.Build(root, Fields);

        Assert.Equal(
            """{"all":[{"field":"country","op":"eq","value":"MT"},{"not":{"any":[{"field":"lifetime.depositAmount","op":"between","value":[100,2500.50]},{"not":{"field":"windows.7d.betCount","op":"in","value":[1,2]}},{"field":"rg.blocked","op":"eq","value":false}]}}]}""",
            Json(rule));
        Assert.Equal("rule.all[1]", any.Path);
        Assert.Equal("rule.all[1].not.any[1]", list.Path);
    }

    [Fact]
    public void Exists_HasNoValue_AndAnEmptyValueIsLeftOut_SoIntelligenceCanNameIt()
    {
        var root = new GroupDraft();
        root.Children.Add(new ConditionDraft { Field = "country", Op = "exists", Value = "ignored" });
        root.Children.Add(new ConditionDraft { Field = "lifetime.depositAmount", Op = "gte", Value = "  " });
        root.Children.Add(new ConditionDraft { Field = "lifetime.depositAmount", Op = "gte", Value = "a lot" });

        Assert.Equal(
            """{"all":[{"field":"country","op":"exists"},{"field":"lifetime.depositAmount","op":"gte"},{"field":"lifetime.depositAmount","op":"gte","value":"a lot"}]}""",
            Json(RuleDrafts.Build(root, Fields)));
    }

    [Theory]
    [InlineData("""{"all":[{"field":"country","op":"in","value":["MT","SE"]},{"not":{"any":[{"field":"lifetime.depositAmount","op":"between","value":[1,2]}]}}]}""")]
    [InlineData("""{"any":[{"not":{"field":"rg.blocked","op":"eq","value":true}},{"all":[]}]}""")]
    public void StoredRule_SurvivesTheBuilderUnchanged(string json)
    {
        var draft = RuleDrafts.FromRule(Parse(json));

        Assert.Equal(json, Json(RuleDrafts.Build(draft, Fields)));
    }

    [Fact]
    public void LoneCondition_BecomesAGroupOfOne_AndDoubleNegationCancels()
    {
        var draft = RuleDrafts.FromRule(Parse("""{"not":{"not":{"field":"country","op":"eq","value":"MT"}}}"""));

        Assert.Equal("""{"all":[{"field":"country","op":"eq","value":"MT"}]}""", Json(RuleDrafts.Build(draft, Fields)));
    }

    [Fact]
    public void Errors_LandOnTheDeepestNodeTheirPathNames_AndOnTheInputTheyAreAbout()
    {
        var root = RuleDrafts.FromRule(Parse(
            """{"all":[{"field":"country","op":"eq","value":"MT"},{"any":[{"field":"lifetime.depositAmount","op":"gte","value":-1},{"field":"nope","op":"eq","value":1}]}]}"""));
        RuleDrafts.Build(root, Fields);
        var group = (GroupDraft)root.Children[1];

        var errors = RuleDrafts.PlaceErrors(root, new Dictionary<string, string[]>
        {
            ["rule.all[1].any[0].value"] = ["must be at least 0"],
            ["rule.all[1].any[1].field"] = ["unknown field 'nope'"],
            ["rule.all[1]"] = ["a group needs two conditions"],
            ["name"] = ["is required"],
        });

        Assert.Equal(["must be at least 0"], errors.For(group.Children[0], "value"));
        Assert.Empty(errors.For(group.Children[0], "field"));
        Assert.Equal(["unknown field 'nope'"], errors.For(group.Children[1], "field"));
        Assert.Equal(["a group needs two conditions"], errors.For(group));
        Assert.Empty(errors.For(root.Children[0]));
        Assert.Empty(errors.For(root));
        Assert.Equal("is required", errors.ForKey("name"));
    }

    [Fact]
    public void ErrorUnderANot_LandsOnTheNegatedNode()
    {
        var root = RuleDrafts.FromRule(Parse("""{"all":[{"not":{"field":"country","op":"eq"}}]}"""));
        RuleDrafts.Build(root, Fields);

        var errors = RuleDrafts.PlaceErrors(root, new Dictionary<string, string[]> { ["rule.all[0].not.value"] = ["a value is required"] });

        Assert.Equal(["a value is required"], errors.For(root.Children[0], "value"));
    }

    [Fact]
    public void ErrorOfTheTenthChild_IsNotTakenForTheFirst()
    {
        var root = new GroupDraft();
        for (var i = 0; i < 11; i++) root.Children.Add(new ConditionDraft { Field = "country", Op = "eq", Value = "MT" });
        RuleDrafts.Build(root, Fields);

        var errors = RuleDrafts.PlaceErrors(root, new Dictionary<string, string[]> { ["rule.all[10].value"] = ["bad"] });

        Assert.Empty(errors.For(root.Children[1]));
        Assert.Equal(["bad"], errors.For(root.Children[10]));
    }

    private static readonly Dictionary<string, SegmentField> AllTypes = new(Fields)
    {
        ["market"] = new("market", "string", "Market", ["eq", "in"], ["MT", "SE"]),
        ["lifetime.lastActiveAt"] = new("lifetime.lastActiveAt", "date", "Last activity", ["lt", "between"]),
    };

    [Theory]
    [InlineData("lifetime.depositAmount", "gte", null, "Enter an amount, e.g. 100.")]
    [InlineData("windows.7d.betCount", "between", "5", "Enter both bounds: a number, e.g. 10 from and to.")]
    [InlineData("rg.blocked", "eq", null, "Enter yes or no.")]
    [InlineData("market", "eq", "", "Enter one of the values.")]
    [InlineData("market", "in", null, "Pick at least one value.")]
    [InlineData("country", "in", null, "Add at least one value: type it and press Enter.")]
    [InlineData("country", "eq", " ", "Enter a value.")]
    [InlineData("lifetime.lastActiveAt", "lt", "last week", "“last week” is not a date: enter a date, e.g. 2026-01-31, or a time relative to now, e.g. -7d for a week ago.")]
    [InlineData("lifetime.depositAmount", "gte", "lots", "“lots” is not a number: enter an amount, e.g. 100.")]
    [InlineData("lifetime.depositAmount", "", null, "Choose how to compare.")]
    public void AStartedCondition_SaysWhatItStillNeeds_InAMarketersWords(string field, string op, string? value, string expected)
    {
        var condition = new ConditionDraft { Field = field, Op = op, Value = value, From = value };

        var missing = RuleDrafts.Missing(condition, AllTypes);

        Assert.Equal(expected, missing);
        Assert.DoesNotContain("/v1/", missing, StringComparison.Ordinal);
        Assert.DoesNotContain(field, missing, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("lifetime.depositAmount", "gte", "100")]
    [InlineData("lifetime.lastActiveAt", "lt", "-7d")]
    [InlineData("lifetime.lastActiveAt", "lt", "2026-01-31")]
    [InlineData("lifetime.lastActiveAt", "lt", "now")]
    [InlineData("country", "exists", null)]
    [InlineData("rg.blocked", "eq", "true")]
    public void ACompleteCondition_NeedsNothing(string field, string op, string? value) =>
        Assert.Null(RuleDrafts.Missing(new ConditionDraft { Field = field, Op = op, Value = value }, AllTypes));

    [Fact]
    public void ANewConditionOrGroup_NeedsNothingSaidWhileBuilding_ButDoesWhenSaving()
    {
        var root = new GroupDraft();
        var fresh = new ConditionDraft();
        var empty = new GroupDraft(GroupKind.Any);
        root.Children.Add(fresh);
        root.Children.Add(empty);
        RuleDrafts.Build(root, AllTypes);

        Assert.Null(RuleDrafts.Missing(fresh, AllTypes));
        Assert.Null(RuleDrafts.Missing(empty, AllTypes));
        Assert.Equal("Choose what this condition is about, or remove it.", RuleDrafts.Missing(fresh, AllTypes, saving: true));
        Assert.Equal("Add a condition to this group, or remove the group.", RuleDrafts.Missing(empty, AllTypes, saving: true));
        Assert.Equal("Add at least one condition: who should be in this segment?", RuleDrafts.Missing(new GroupDraft(), AllTypes, saving: true));
        Assert.False(RuleDrafts.IsComplete(root, AllTypes));
        root.Children.Clear();
        root.Children.Add(new ConditionDraft { Field = "country", Op = "eq", Value = "MT" });
        Assert.True(RuleDrafts.IsComplete(root, AllTypes));
    }
}
