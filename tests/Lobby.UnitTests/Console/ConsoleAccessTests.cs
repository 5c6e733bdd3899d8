using Bunit;
using Lobby.Components;
using Lobby.Console;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using NSubstitute;
using Shared.Contracts;

namespace Lobby.UnitTests.Console;

/// <summary>The router as the app has it: who may open which console page, and where the others are sent.</summary>
public sealed class ConsoleAccessTests : ConsoleTest
{
    public ConsoleAccessTests()
    {
        Api.ListSegmentsAsync(Arg.Any<CancellationToken>()).Returns([]);
        Api.GetAuditAsync(Arg.Any<int>(), Arg.Any<CancellationToken>()).Returns([new AuditEntry(Now, "ann", "created", "seg-1", 1, "Created")]);
    }

    [Fact]
    public void Marketer_SeesSegments_ButNotTheAuditLog()
    {
        SignInAs(ConsoleRoles.Marketer);

        var cut = Open("/console/segments");
        cut.WaitForElement("[data-testid='segments-table']");
        Assert.Empty(cut.FindAll("[data-testid='nav-audit']"));

        // Within the circuit, as a click on a link would.
        cut.InvokeAsync(() => Navigation.NavigateTo("/console/audit"));
        cut.WaitForElement("[data-testid='console-denied']");
        Assert.Empty(cut.FindAll("[data-testid='audit-table']"));
        Api.DidNotReceiveWithAnyArgs().GetAuditAsync(default, Xunit.TestContext.Current.CancellationToken);
    }

    [Fact]
    public void SaferGamblingOfficer_SeesTheCaseQueue_ButNoMarketingPage()
    {
        Api.ListHarmCasesAsync(Arg.Any<CancellationToken>()).Returns(new HarmCaseList(
            [new HarmCase("p-9", 0.71, new ProbabilityScore(0.71, "high", [new ScoreDriver("nightPlay", 1.6, "Played between 02:00 and 06:00 (their time) on 5 nights of the last 7")], "rule"), "SE")], 1));
        SignInAs(ConsoleRoles.SaferGambling, "sam");

        var cut = Open("/console/safer-gambling");
        cut.WaitForElement("[data-testid='case-row']");
        Assert.Contains("p-9", cut.Find("[data-testid='cases']").TextContent, StringComparison.Ordinal);
        Assert.Contains("5 nights", cut.Find("[data-testid='cases']").TextContent, StringComparison.Ordinal);
        Assert.NotNull(cut.Find("[data-testid='nav-safer-gambling']"));
        Assert.Empty(cut.FindAll("[data-testid='nav-segments']"));

        cut.InvokeAsync(() => Navigation.NavigateTo("/console/segments"));
        cut.WaitForElement("[data-testid='console-denied']");
        Api.DidNotReceiveWithAnyArgs().ListSegmentsAsync(Xunit.TestContext.Current.CancellationToken);
    }

    [Fact]
    public void Marketer_IsDeniedTheCaseQueue()
    {
        SignInAs(ConsoleRoles.Marketer);

        var cut = Open("/console/safer-gambling");
        cut.WaitForElement("[data-testid='console-denied']");
        Assert.Empty(cut.FindAll("[data-testid='nav-safer-gambling']"));
        Api.DidNotReceiveWithAnyArgs().ListHarmCasesAsync(Xunit.TestContext.Current.CancellationToken);
    }

    [Fact]
    public void Admin_SeesTheAuditLog()
    {
        SignInAs(ConsoleRoles.Admin, "ann");

        var cut = Open("/console/audit");

        cut.WaitForElement("[data-testid='audit-table']");
        Assert.Contains("ann", cut.Find("[data-testid='audit-table']").TextContent, StringComparison.Ordinal);
        Assert.NotNull(cut.Find("[data-testid='nav-audit']"));
    }

    [Fact]
    public void Anonymous_IsSentToTheLogin_AndBackAfterwards()
    {
        Open("/console/segments/new");

        Assert.EndsWith("/console/login?returnUrl=%2Fconsole%2Fsegments%2Fnew", Navigation.Uri, StringComparison.Ordinal);
        Api.DidNotReceiveWithAnyArgs().GetFieldsAsync(Xunit.TestContext.Current.CancellationToken);
    }

    [Fact]
    public void SignedInPlayer_GetsNoConsole()
    {
        SignInAsPlayer("p-1");

        var cut = Open("/console/segments");

        Assert.EndsWith("/console/login?returnUrl=%2Fconsole%2Fsegments", Navigation.Uri, StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("[data-testid='segments-table']"));
        Api.DidNotReceiveWithAnyArgs().ListSegmentsAsync(Xunit.TestContext.Current.CancellationToken);
    }

    [Fact]
    public void LoginPage_IsOpenToEveryone_AndSaysWhenASignInFailed()
    {
        // The login is rendered without a circuit ([ExcludeFromInteractiveRouting]), so the router would reload into it.
        Navigation.NavigateTo("/console/login?returnUrl=%2Fconsole%2Fplacements&error=failed");
        var cut = Render<Lobby.Components.Console.LoginPage>();

        var form = cut.Find("[data-testid='login-form']");
        Assert.Equal("/console/signin", form.GetAttribute("action"));
        Assert.Equal("/console/placements", form.QuerySelector("input[name='returnUrl']")!.GetAttribute("value"));
        Assert.NotNull(form.QuerySelector("input[name='name']"));
        Assert.Equal("password", form.QuerySelector("input[name='password']")!.GetAttribute("type"));
        Assert.Contains("do not match", cut.Find("[data-testid='login-error']").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void LoginPage_AfterTooManyFailures_SaysHowLongToWait()
    {
        Navigation.NavigateTo("/console/login?returnUrl=%2Fconsole&error=locked&wait=7");
        var cut = Render<Lobby.Components.Console.LoginPage>();

        Assert.Contains("Try again in 7 minutes", cut.Find("[data-testid='login-error']").TextContent, StringComparison.Ordinal);
    }
}
