using System.Text.Json;
using AngleSharp.Dom;
using Bunit;
using Lobby.Components.Console.Builder;
using MudBlazor;
using Shared.Contracts;

namespace Lobby.UnitTests.Console;

public sealed class RuleBuilderTests : ConsoleTest
{
    private readonly List<SegmentRule> _rules = [];

    private IRenderedComponent<RuleBuilder> RenderBuilder(GroupDraft root, RuleErrors? errors = null) =>
        Render<RuleBuilder>(p => p
            .Add(b => b.Root, root)
            .Add(b => b.Fields, Fields)
            .Add(b => b.Errors, errors ?? RuleErrors.None)
            .Add(b => b.RuleChanged, r => _rules.Add(r)));

    private string LastJson => JsonSerializer.Serialize(_rules[^1], ContractsJsonContext.Default.SegmentRule);

    /// <summary>Picks a field and an operator in a condition the way the pickers report a choice.</summary>
    private static void Choose(IRenderedComponent<RuleConditionEditor> condition, string field, string op)
    {
        var autocomplete = condition.FindComponent<MudAutocomplete<SegmentField>>();
        condition.InvokeAsync(() => autocomplete.Instance.ValueChanged.InvokeAsync(Fields.Single(f => f.Path == field)));
        var select = condition.FindComponent<MudSelect<string>>();
        condition.InvokeAsync(() => select.Instance.ValueChanged.InvokeAsync(op));
    }

    private static IElement Input(IRenderedComponent<RuleConditionEditor> condition, string testId) =>
        condition.Find($"[data-testid='{testId}'] input, input[data-testid='{testId}']");

    [Fact]
    public void NestedGroupsBuiltByClicking_GiveTheRuleJson()
    {
        var cut = RenderBuilder(new GroupDraft());

        cut.Find("[data-testid='add-condition']").Click();
        var country = cut.FindComponents<RuleConditionEditor>()[0];
        Choose(country, "country", "eq");
        Input(country, "condition-value").Input("MT");

        cut.Find("[data-testid='add-group']").Click();
        var group = cut.FindComponents<RuleGroupEditor>()[1];
        group.Find("[data-testid='add-condition']").Click();
        var conditions = group.FindComponents<RuleConditionEditor>();
        Choose(conditions[0], "lifetime.depositAmount", "gte");
        Input(conditions[0], "condition-value").Input("100");
        Choose(conditions[1], "windows.30d.betCount", "between");
        Input(conditions[1], "condition-from").Input("1");
        Input(conditions[1], "condition-to").Input("5");
        conditions[1].Find("[data-testid='condition-not']").Click();

        Assert.Equal(
            """{"all":[{"field":"country","op":"eq","value":"MT"},{"any":[{"field":"lifetime.depositAmount","op":"gte","value":100},{"not":{"field":"windows.30d.betCount","op":"between","value":[1,5]}}]}]}""",
            LastJson);
    }

    [Fact]
    public void GroupKindAndNot_AndRemovingAChild_ChangeTheRule()
    {
        var root = RuleDrafts.FromRule(JsonSerializer.Deserialize(
            """{"all":[{"field":"country","op":"eq","value":"MT"},{"field":"country","op":"eq","value":"SE"}]}""",
            ContractsJsonContext.Default.SegmentRule));
        var cut = RenderBuilder(root);

        var kind = cut.FindComponent<MudToggleGroup<GroupKind>>();
        cut.InvokeAsync(() => kind.Instance.ValueChanged.InvokeAsync(GroupKind.Any));
        var not = cut.FindComponent<MudSwitch<bool>>();
        cut.InvokeAsync(() => not.Instance.ValueChanged.InvokeAsync(true));
        cut.FindAll("[data-testid='remove-condition']")[0].Click();

        Assert.Equal("""{"not":{"any":[{"field":"country","op":"eq","value":"SE"}]}}""", LastJson);
        Assert.Single(cut.FindAll("[data-testid='condition']"));
    }

    [Fact]
    public void InList_TakesTypedValuesAsChips_AndKnownValuesFromAMultiSelect()
    {
        var cut = RenderBuilder(new GroupDraft());
        cut.Find("[data-testid='add-condition']").Click();
        cut.Find("[data-testid='add-condition']").Click();
        var conditions = cut.FindComponents<RuleConditionEditor>();

        Choose(conditions[0], "country", "in");
        var item = Input(conditions[0], "condition-item");
        item.Input("MT, SE");
        item.KeyDown("Enter");
        Choose(conditions[1], "market", "nin");
        // The values' multi-select comes after the operator's select.
        var markets = conditions[1].FindComponents<MudSelect<string>>()[1];
        conditions[1].InvokeAsync(() => markets.Instance.SelectedValuesChanged.InvokeAsync(["UK", "SE"]));

        Assert.Equal(
            """{"all":[{"field":"country","op":"in","value":["MT","SE"]},{"field":"market","op":"nin","value":["UK","SE"]}]}""",
            LastJson);
        Assert.NotNull(conditions[0].Find("[data-testid='chip-SE']"));
    }

    [Fact]
    public void ChangingTheField_KeepsOnlyAnOperatorItAllows()
    {
        var cut = RenderBuilder(new GroupDraft());
        cut.Find("[data-testid='add-condition']").Click();
        var condition = cut.FindComponent<RuleConditionEditor>();
        Choose(condition, "lifetime.depositAmount", "between");

        var autocomplete = condition.FindComponent<MudAutocomplete<SegmentField>>();
        condition.InvokeAsync(() => autocomplete.Instance.ValueChanged.InvokeAsync(Fields.Single(f => f.Path == "rg.blocked")));

        Assert.Equal("""{"all":[{"field":"rg.blocked","op":"eq"}]}""", LastJson);
        var ops = condition.FindComponent<MudSelect<string>>().FindComponents<MudSelectItem<string>>().Select(i => i.Instance.Value);
        Assert.Equal(["eq"], ops);
    }

    [Fact]
    public void ValidationError_IsShownOnTheNodeItNames_AndNowhereElse()
    {
        var root = RuleDrafts.FromRule(JsonSerializer.Deserialize(
            """{"all":[{"field":"country","op":"eq","value":"MT"},{"any":[{"field":"lifetime.depositAmount","op":"gte","value":-5},{"field":"country","op":"eq"}]}]}""",
            ContractsJsonContext.Default.SegmentRule));
        RuleDrafts.Build(root, Fields.ToDictionary(f => f.Path));
        var errors = RuleDrafts.PlaceErrors(root, new Dictionary<string, string[]>
        {
            ["rule.all[1].any[0].value"] = ["Deposits cannot be negative."],
            ["rule.all[1].any[1]"] = ["A condition on country needs a value."],
        });

        var cut = RenderBuilder(root, errors);

        var deposit = cut.Find("[data-path='rule.all[1].any[0]']");
        Assert.Contains("Deposits cannot be negative.", deposit.TextContent, StringComparison.Ordinal);
        Assert.Contains("rule-condition--error", deposit.ClassName, StringComparison.Ordinal);
        var country = cut.Find("[data-path='rule.all[1].any[1]']");
        Assert.Equal("A condition on country needs a value.", country.QuerySelector("[data-testid='node-error']")!.TextContent.Trim());
        var first = cut.Find("[data-path='rule.all[0]']");
        Assert.DoesNotContain("rule-condition--error", first.ClassName, StringComparison.Ordinal);
        Assert.Empty(first.QuerySelectorAll("[data-testid='node-error']"));
    }
}
