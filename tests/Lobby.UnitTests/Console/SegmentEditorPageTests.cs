using System.Net;
using System.Text.Json;
using AngleSharp.Dom;
using Bunit;
using Lobby.Components.Console.Builder;
using Lobby.Components.Console.Segments;
using Lobby.Console;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using NSubstitute;
using NSubstitute.ExceptionExtensions;
using Shared.Contracts;

namespace Lobby.UnitTests.Console;

public sealed class SegmentEditorPageTests : ConsoleTest
{
    private readonly List<SegmentPreviewRequest> _previews = [];

    public SegmentEditorPageTests()
    {
        SignInAs(ConsoleRoles.Marketer);
        Api.GetFieldsAsync(Arg.Any<CancellationToken>()).Returns(Fields);
        Api.PreviewAsync(Arg.Do<SegmentPreviewRequest>(_previews.Add), Arg.Any<CancellationToken>())
            .Returns(new SegmentPreview(42, new Dictionary<string, long> { [MarketingPolicy.SelfExcluded] = 3, [MarketingPolicy.NoConsent] = 9 },
                [new SegmentMember("p-7", "MT", "MT", 250m, Now.AddDays(-1), 0.2, 0.1)], 2000, 12.5, Now));
    }

    private static string Json(SegmentRule? rule) => JsonSerializer.Serialize(rule!, ContractsJsonContext.Default.SegmentRule);

    private IRenderedComponent<SegmentEditorPage> RenderNew()
    {
        var cut = Render<SegmentEditorPage>();
        cut.WaitForElement("[data-testid='rule-builder']");
        return cut;
    }

    private static void AddCountryCondition(IRenderedComponent<SegmentEditorPage> cut)
    {
        cut.Find("[data-testid='add-condition']").Click();
        var condition = cut.FindComponent<RuleConditionEditor>();
        cut.InvokeAsync(() => condition.FindComponent<MudAutocomplete<SegmentField>>().Instance.ValueChanged.InvokeAsync(Fields[0]));
        cut.InvokeAsync(() => condition.FindComponent<MudSelect<string>>().Instance.ValueChanged.InvokeAsync("eq"));
    }

    private static IElement Value(IRenderedComponent<SegmentEditorPage> cut) => cut.Find("[data-testid='condition-value'] input, input[data-testid='condition-value']");

    [Fact]
    public void Preview_WaitsForEditsToPause_ThenAsksOnceForTheLatestRule()
    {
        var cut = RenderNew();
        AddCountryCondition(cut);
        Value(cut).Input("M");
        Clock.Advance(TimeSpan.FromMilliseconds(200));
        Value(cut).Input("MT");

        Clock.Advance(SegmentEditorPage.PreviewDelay - TimeSpan.FromMilliseconds(1));
        Assert.Empty(_previews);

        Clock.Advance(TimeSpan.FromMilliseconds(1));
        cut.WaitForAssertion(() => Assert.Equal("42", cut.Find("[data-testid='preview-count']").TextContent.Trim()));
        var request = Assert.Single(_previews);
        Assert.Equal("""{"all":[{"field":"country","op":"eq","value":"MT"}]}""", Json(request.Rule));
        Assert.Equal(SegmentPurposes.Marketing, request.Purpose);
        Assert.Equal(SegmentEditorPage.SampleSize, request.SampleSize);
        Assert.Empty(cut.FindAll("[data-testid='preview-problem']"));
    }

    [Fact]
    public void Preview_ShowsWhoThePolicyKeptOutAndWhy_InWords()
    {
        var cut = RenderNew();
        AddCountryCondition(cut);
        Value(cut).Input("MT");
        Clock.Advance(SegmentEditorPage.PreviewDelay);

        cut.WaitForAssertion(() => Assert.Equal("Self-excluded", cut.Find($"[data-testid='excluded-{MarketingPolicy.SelfExcluded}'] .preview__reason").TextContent.Trim()));
        Assert.Equal("9", cut.Find($"[data-testid='excluded-{MarketingPolicy.NoConsent}'] .preview__reason-count").TextContent.Trim());
        Assert.Contains("No consent", cut.Find($"[data-testid='excluded-{MarketingPolicy.NoConsent}']").TextContent, StringComparison.Ordinal);
        Assert.NotNull(cut.Find("[data-testid='sample-p-7']"));
    }

    [Fact]
    public void ChangingThePurpose_PreviewsAgain_WithTheNewPurpose()
    {
        var cut = RenderNew();
        AddCountryCondition(cut);
        Value(cut).Input("MT");
        Clock.Advance(SegmentEditorPage.PreviewDelay);
        cut.WaitForAssertion(() => Assert.Single(_previews));

        cut.InvokeAsync(() => cut.FindComponent<MudRadioGroup<string>>().Instance.ValueChanged.InvokeAsync(SegmentPurposes.Analysis));
        Clock.Advance(SegmentEditorPage.PreviewDelay);

        cut.WaitForAssertion(() => Assert.Equal(2, _previews.Count));
        Assert.Equal(SegmentPurposes.Analysis, _previews[1].Purpose);
        Assert.Empty(cut.FindAll("[data-testid='preview-excluded']"));
    }

    [Fact]
    public void PreviewValidationErrors_AreShownOnTheConditionTheyName()
    {
        Api.PreviewAsync(Arg.Any<SegmentPreviewRequest>(), Arg.Any<CancellationToken>()).ThrowsAsync(new ConsoleClientException(
            HttpStatusCode.BadRequest, "One or more validation errors occurred.",
            new Dictionary<string, string[]> { ["rule.all[1].value"] = ["'lots' is not an amount."] }));
        var cut = RenderNew();
        AddCountryCondition(cut);
        Value(cut).Input("MT");
        cut.Find("[data-testid='add-condition']").Click();
        var deposits = cut.FindComponents<RuleConditionEditor>()[1];
        cut.InvokeAsync(() => deposits.FindComponent<MudAutocomplete<SegmentField>>().Instance.ValueChanged.InvokeAsync(Fields[2]));
        deposits.Find("[data-testid='condition-value'] input, input[data-testid='condition-value']").Input("5");

        Clock.Advance(SegmentEditorPage.PreviewDelay);

        cut.WaitForAssertion(() => Assert.Contains("'lots' is not an amount.", cut.Find("[data-path='rule.all[1]']").TextContent, StringComparison.Ordinal));
        Assert.DoesNotContain("'lots' is not an amount.", cut.Find("[data-path='rule.all[0]']").TextContent, StringComparison.Ordinal);
        Assert.NotNull(cut.Find("[data-testid='preview-problem']"));
    }

    [Fact]
    public void AddingACondition_SaysNothing_AndAsksForNoPreview()
    {
        var cut = RenderNew();

        cut.Find("[data-testid='add-condition']").Click();
        Clock.Advance(SegmentEditorPage.PreviewDelay);

        Assert.Empty(_previews);
        Assert.Empty(cut.FindAll("[data-testid='condition-missing']"));
        Assert.Empty(cut.FindAll("[data-testid='node-error']"));
        Assert.Empty(cut.FindAll("[data-testid='preview-problem']"));
        Assert.Empty(cut.FindAll(".rule-condition--error"));
    }

    [Fact]
    public void AChoiceLeftIncomplete_SaysWhatToChoose_AndThePreviewWaitsForIt()
    {
        var cut = RenderNew();
        AddCountryCondition(cut);
        Value(cut).Input("MT");
        Clock.Advance(SegmentEditorPage.PreviewDelay);
        cut.WaitForAssertion(() => Assert.Single(_previews));

        cut.Find("[data-testid='add-condition']").Click();
        var deposits = cut.FindComponents<RuleConditionEditor>()[1];
        cut.InvokeAsync(() => deposits.FindComponent<MudAutocomplete<SegmentField>>().Instance.ValueChanged.InvokeAsync(Fields[2]));
        Clock.Advance(SegmentEditorPage.PreviewDelay);

        cut.WaitForAssertion(() => Assert.Equal("Enter an amount, e.g. 100.", cut.Find("[data-path='rule.all[1]'] [data-testid='condition-missing']").TextContent.Trim()));
        Assert.Single(_previews);
        Assert.Equal("Finish the condition marked to update the count.", cut.Find("[data-testid='preview-problem']").TextContent.Trim());
        Assert.Empty(cut.FindAll("[data-path='rule.all[0]'] [data-testid='condition-missing']"));

        deposits.Find("[data-testid='condition-value'] input, input[data-testid='condition-value']").Input("100");
        Clock.Advance(SegmentEditorPage.PreviewDelay);

        cut.WaitForAssertion(() => Assert.Equal(2, _previews.Count));
        Assert.Equal("""{"all":[{"field":"country","op":"eq","value":"MT"},{"field":"lifetime.depositAmount","op":"eq","value":100}]}""", Json(_previews[1].Rule));
        Assert.Empty(cut.FindAll("[data-testid='condition-missing']"));
        Assert.Empty(cut.FindAll("[data-testid='preview-problem']"));
    }

    [Fact]
    public async Task SavingWithAnUnfinishedCondition_MarksItInRed_AndSendsNothing()
    {
        var cut = RenderNew();
        AddCountryCondition(cut);
        Value(cut).Input("MT");
        cut.Find("[data-testid='add-condition']").Click();

        await cut.InvokeAsync(() => cut.Find("[data-testid='save-segment']").Click());

        cut.WaitForAssertion(() => Assert.Equal("Choose what this condition is about, or remove it.",
            cut.Find("[data-path='rule.all[1]'] [data-testid='condition-missing']").TextContent.Trim()));
        Assert.Contains("rule-condition--error", cut.Find("[data-path='rule.all[1]']").ClassName, StringComparison.Ordinal);
        Assert.DoesNotContain("rule-condition--error", cut.Find("[data-path='rule.all[0]']").ClassName, StringComparison.Ordinal);
        Assert.Contains("finish or remove the conditions marked in red", cut.Find("[data-testid='console-error']").TextContent, StringComparison.Ordinal);
        await Api.DidNotReceive().CreateSegmentAsync(Arg.Any<SegmentRequest>(), Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task Save_SendsTheSegment_AndShowsErrorsOnTheFormWhenRefused()
    {
        Api.CreateSegmentAsync(Arg.Any<SegmentRequest>(), Arg.Any<CancellationToken>()).ThrowsAsync(new ConsoleClientException(
            HttpStatusCode.BadRequest, "One or more validation errors occurred.",
            new Dictionary<string, string[]> { ["name"] = ["A segment needs a name."] }));
        var cut = RenderNew();
        AddCountryCondition(cut);
        Value(cut).Input("MT");

        await cut.InvokeAsync(() => cut.Find("[data-testid='save-segment']").Click());

        await Api.Received(1).CreateSegmentAsync(
            Arg.Is<SegmentRequest>(r => r.Purpose == SegmentPurposes.Marketing && Json(r.Rule) == """{"all":[{"field":"country","op":"eq","value":"MT"}]}"""),
            Arg.Any<CancellationToken>());
        cut.WaitForAssertion(() => Assert.Contains("A segment needs a name.", cut.Find("[data-testid='segment-name']").Closest(".mud-input-control")!.TextContent, StringComparison.Ordinal));
        Assert.NotNull(cut.Find("[data-testid='console-error']"));
    }

    [Fact]
    public void ExistingSegment_IsLoadedIntoTheBuilder_AndSavedAsANewVersion()
    {
        var rule = JsonSerializer.Deserialize("""{"all":[{"field":"lifetime.depositAmount","op":"gte","value":100}]}""", ContractsJsonContext.Default.SegmentRule)!;
        Api.GetSegmentAsync("seg-1", Arg.Any<CancellationToken>()).Returns(
            new Segment("seg-1", "Depositors", null, SegmentPurposes.Analysis, null, rule, 3, "ann", Now, "ann", Now, 10));
        Api.UpdateSegmentAsync("seg-1", Arg.Any<SegmentRequest>(), Arg.Any<CancellationToken>()).Returns(ci =>
            new Segment("seg-1", "Depositors", null, SegmentPurposes.Analysis, null, rule, 4, "ann", Now, "maria", Now, 11));

        var cut = Render<SegmentEditorPage>(p => p.Add(x => x.Id, "seg-1"));

        cut.WaitForAssertion(() => Assert.Equal("42", cut.Find("[data-testid='preview-count']").TextContent.Trim()));
        Assert.Contains("version 4", cut.Find("[data-testid='save-segment']").TextContent, StringComparison.Ordinal);
        cut.Find("[data-testid='save-segment']").Click();
        cut.WaitForAssertion(() => Api.Received(1).UpdateSegmentAsync("seg-1",
            Arg.Is<SegmentRequest>(r => r.Name == "Depositors" && Json(r.Rule) == Json(rule)), Arg.Any<CancellationToken>()));
        Assert.EndsWith("/console/segments/seg-1", Services.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>().Uri, StringComparison.Ordinal);
    }
}
