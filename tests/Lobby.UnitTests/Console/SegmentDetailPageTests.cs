using System.Text.Json;
using Bunit;
using Lobby.Catalogue;
using Lobby.Components.Console.Placements;
using Lobby.Components.Console.Segments;
using Lobby.Console;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using NSubstitute;
using Shared.Contracts;
using Placement = Shared.Contracts.Placement;

namespace Lobby.UnitTests.Console;

public sealed class SegmentDetailPageTests : ConsoleTest
{
    private static SegmentRule Rule(string json) => JsonSerializer.Deserialize(json, ContractsJsonContext.Default.SegmentRule)!;

    private static Segment Version(int version, string rule, string by) =>
        new("sgm-1", "Depositors", null, SegmentPurposes.Marketing, null, Rule(rule), version, "ann", Now.AddDays(-2), by, Now.AddDays(-version), 10 * version);

    private static SegmentMember Member(string id) => new(id, "MT", null, 100m, Now, 0.5, 0.1);

    public SegmentDetailPageTests()
    {
        SignInAs(ConsoleRoles.Marketer);
        Api.GetSegmentAsync("sgm-1", Arg.Any<CancellationToken>()).Returns(Version(2, """{"field":"country","op":"eq","value":"SE"}""", "maria"));
        Api.GetSegmentVersionsAsync("sgm-1", Arg.Any<CancellationToken>()).Returns([
            Version(1, """{"field":"country","op":"eq","value":"MT"}""", "ann"),
            Version(2, """{"field":"country","op":"eq","value":"SE"}""", "maria")]);
        Api.ListPlacementsAsync(Arg.Any<CancellationToken>()).Returns([]);
        Api.GetSegmentSizeAsync("sgm-1", Arg.Any<int>(), Arg.Any<CancellationToken>()).Returns(new SegmentSizeHistory("sgm-1", []));
        Api.GetMembersAsync("sgm-1", null, SegmentDetailPage.PageSize, Arg.Any<CancellationToken>())
            .Returns(new SegmentMembersPage("sgm-1", [Member("p-1")], "c-2", 2));
        Api.GetMembersAsync("sgm-1", "c-2", SegmentDetailPage.PageSize, Arg.Any<CancellationToken>())
            .Returns(new SegmentMembersPage("sgm-1", [Member("p-2")], null, 2));
    }

    [Fact]
    public void Members_PageForwardAndBack_ByTheCursorsIntelligenceGave()
    {
        var cut = Render<SegmentDetailPage>(p => p.Add(x => x.Id, "sgm-1"));
        cut.WaitForElement("[data-testid='member-p-1']");

        cut.Find("[aria-label='Next page']").Click();
        cut.WaitForElement("[data-testid='member-p-2']");
        Assert.Equal("2–2 of 2", cut.Find("[data-testid='members-range']").TextContent.Trim());
        Assert.True(cut.Find("[aria-label='Next page']").HasAttribute("disabled"));

        cut.Find("[aria-label='Previous page']").Click();
        cut.WaitForElement("[data-testid='member-p-1']");
        Assert.Equal("1–1 of 2", cut.Find("[data-testid='members-range']").TextContent.Trim());
    }

    [Fact]
    public void Versions_ShowWhoSavedEach_AndWhatChanged()
    {
        var cut = Render<SegmentDetailPage>(p => p.Add(x => x.Id, "sgm-1"));
        cut.WaitForElement("[data-testid='member-p-1']");

        cut.InvokeAsync(() => cut.FindComponent<MudTabs>().Instance.ActivatePanelAsync(2));

        cut.WaitForElement("[data-testid='version-2']");
        Assert.Contains("maria", cut.Find("[data-testid='version-2']").TextContent, StringComparison.Ordinal);
        Assert.Equal(["\"value\": \"MT\""], cut.FindAll("[data-testid='version-2'] .console-diff__removed").Select(e => e.TextContent.TrimStart('-', ' ').Trim()));
        Assert.Equal(["\"value\": \"SE\""], cut.FindAll("[data-testid='version-2'] .console-diff__added").Select(e => e.TextContent.TrimStart('+', ' ').Trim()));
        Assert.Equal("/console/segments/sgm-1/players.csv", cut.Find("[data-testid='download-csv']").GetAttribute("href"));
    }
}

public sealed class PlacementEditorPageTests : ConsoleTest
{
    private static readonly string[] Chosen = ["g-star", "g-gonzo"];

    public PlacementEditorPageTests()
    {
        SignInAs(ConsoleRoles.Marketer);
        Api.ListSegmentsAsync(Arg.Any<CancellationToken>()).Returns([
            new Segment("sgm-1", "Depositors", null, SegmentPurposes.Marketing, null, new AllOf([]), 1, "ann", Now, "ann", Now, 10)]);
        Catalog.AllAsync(Arg.Any<CancellationToken>()).Returns(TestData.Catalog(
            TestData.Game("g-gonzo", "Gonzo's Quest"), TestData.Game("g-old", "Gonzo Classic", enabled: false), TestData.Game("g-star", "Starburst")));
        Api.CreatePlacementAsync(Arg.Any<PlacementRequest>(), Arg.Any<CancellationToken>()).Returns(ci =>
        {
            var r = ci.Arg<PlacementRequest>();
            return new Placement("plc-1", r.SegmentId!, r.Title!, r.Kind!, r.GameIds ?? [], r.Category, r.Priority ?? 0, r.StartsAt!.Value, r.EndsAt!.Value, "maria", Now, "maria", Now);
        });
    }

    [Fact]
    public async Task GameSearch_OffersEnabledGamesOnly_AndSaveSendsTheChosenGamesInOrder_FromNowForTwoWeeks()
    {
        Services.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>().NavigateTo("/console/placements/new?segment=sgm-1");
        var cut = Render<PlacementEditorPage>();
        cut.WaitForElement("[data-testid='placement-title']");
        var search = cut.FindComponent<MudAutocomplete<Game>>();

        var searching = search.Instance.SearchFunc!("gonzo", CancellationToken.None)!;
        var found = await searching ?? [];
        Assert.Equal(["g-gonzo"], found.Select(g => g.Id));
        await cut.InvokeAsync(() => search.Instance.ValueChanged.InvokeAsync(TestData.Game("g-star", "Starburst")));
        await cut.InvokeAsync(() => search.Instance.ValueChanged.InvokeAsync(TestData.Game("g-gonzo", "Gonzo's Quest")));
        cut.Find("[data-testid='placement-title'] input, input[data-testid='placement-title']").Change("Picked for you");
        cut.Find("[data-testid='save-placement']").Click();

        await Api.Received(1).CreatePlacementAsync(Arg.Is<PlacementRequest>(r =>
            r.SegmentId == "sgm-1" && r.Title == "Picked for you" && r.Kind == PlacementKinds.Games && r.GameIds!.SequenceEqual(Chosen)
            && r.Category == null && r.StartsAt == Now && r.EndsAt == Now + PlacementEditorPage.DefaultDuration), Arg.Any<CancellationToken>());
    }

    [Fact]
    public void ValidationErrors_AreShownOnTheirFields()
    {
        Api.CreatePlacementAsync(Arg.Any<PlacementRequest>(), Arg.Any<CancellationToken>()).Returns<Placement>(_ => throw new ConsoleClientException(
            System.Net.HttpStatusCode.BadRequest, "The placement is not valid",
            new Dictionary<string, string[]> { ["gameIds[0]"] = ["'g-x' is disabled in the catalogue."], ["title"] = ["title is required."] }));
        var cut = Render<PlacementEditorPage>();
        cut.WaitForElement("[data-testid='save-placement']");

        cut.Find("[data-testid='save-placement']").Click();

        cut.WaitForAssertion(() => Assert.Contains("title is required.", cut.Find("[data-testid='placement-title']").Closest(".mud-input-control")!.TextContent, StringComparison.Ordinal));
        Assert.Contains("is disabled in the catalogue", cut.Find("[data-testid='placement-game-search']").Closest(".mud-input-control")!.TextContent, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2026-11-24T10:15", "2026-11-24T10:15:00+00:00")]
    [InlineData("2026-11-24T10:15:30", "2026-11-24T10:15:30+00:00")]
    [InlineData("24/11/2026", null)]
    public void DateTimeLocal_IsReadAsUtc(string local, string? expected)
    {
        Assert.Equal(expected is null ? null : DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), PlacementEditorPage.Utc(local));
    }
}
