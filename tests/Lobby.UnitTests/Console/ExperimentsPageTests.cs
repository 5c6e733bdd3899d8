using Bunit;
using Lobby.Components.Console.Experiments;
using NSubstitute;
using Shared.Contracts;

namespace Lobby.UnitTests.Console;

/// <summary>The console's experiments: the list with each group's size, and a report a marketer can read.</summary>
public sealed class ExperimentsPageTests : ConsoleTest
{
    private static Dictionary<string, long> Assigned(long treatment, long control, long excluded) =>
        new() { [ExperimentGroups.Treatment] = treatment, [ExperimentGroups.Control] = control, [ExperimentGroups.Excluded] = excluded };

    private static readonly Experiment Lobby = new(ExperimentIds.Lobby, ExperimentKinds.Lobby, null, 0.1, Now.AddDays(-40), "Personalised lobby rows", null, Assigned(3_069, 341, 12));

    private static ExperimentMetric Metric(string name, string label, string unit, double t, double c, double? low, double? high, bool significant) =>
        new(name, label, unit, t, c, t - c, (t - c) / c, low, high, low / c, high / c, significant, 0.3);

    private static ExperimentReport Report(bool final, IReadOnlyList<ExperimentSeries>? series = null) => new(
        ExperimentIds.Lobby, ExperimentKinds.Lobby, "Personalised lobby rows", 7, new ExperimentGroupSizes(3_069, 341), Assigned(3_069, 341, 12),
        [
            Metric("depositAmount", "Deposits per player", "money", 52.10, 50.05, 0.60, 3.50, true),
            Metric("retained", "Came back (active after the day of assignment)", "share", 0.41, 0.42, -0.03, 0.01, false),
        ],
        "Fixed horizon: each player counts once 7 full days have passed.",
        new ExperimentDesign("fixed-horizon", 7, 0.95, "Welch", "CUPED", 100, final),
        "+4.1% deposits per player, 95% CI +1.2% to +7.0%, 3,410 players over 7 days (final).",
        series ?? [], null, Now);

    [Fact]
    public void TheList_ShowsEveryExperimentWithItsShareAndGroups_AndLinksToItsReport()
    {
        SignInAs(global::Lobby.Console.ConsoleRoles.Marketer);
        var placement = new Experiment("placement-pl-1", ExperimentKinds.Placement, "pl-1", 0.25, Now.AddDays(-3), "Placement “Live tonight”", Now.AddDays(4), Assigned(90, 30, 0));
        Api.ListExperimentsAsync(Arg.Any<CancellationToken>()).Returns(new ExperimentList([Lobby, placement]));

        var page = Render<ExperimentsPage>();

        var rows = page.FindAll("[data-testid=experiments-table] tbody tr");
        Assert.Equal(2, rows.Count);
        var cells = rows[0].QuerySelectorAll("td").Select(td => td.TextContent.Trim()).ToArray();
        Assert.Equal(["Personalised lobby rows", "Personalised lobby rows", "10%", cells[3], "3,069", "341", "12"], cells);
        Assert.Equal("/console/experiments/lobby-personalisation", page.Find("[data-testid=experiment-link-lobby-personalisation]").GetAttribute("href"));
        Assert.Equal(["Placement “Live tonight”", "Lobby placement", "25%"], rows[1].QuerySelectorAll("td").Take(3).Select(td => td.TextContent.Trim()));
    }

    [Fact]
    public void TheReport_SaysTheResultInASentence_WithTheMethod_AndEachMetricsIntervalInItsUnit()
    {
        SignInAs(global::Lobby.Console.ConsoleRoles.Marketer);
        Api.ListExperimentsAsync(Arg.Any<CancellationToken>()).Returns(new ExperimentList([Lobby]));
        var series = new ExperimentSeries("depositAmount",
        [
            new ExperimentPoint(DateOnly.FromDateTime(Now.UtcDateTime.AddDays(-2)), 100, 10, 51.0, 49.5),
            new ExperimentPoint(DateOnly.FromDateTime(Now.UtcDateTime.AddDays(-1)), 3_069, 341, 52.1, 50.05),
        ]);
        Api.GetExperimentReportAsync(ExperimentIds.Lobby, 7, Arg.Any<CancellationToken>()).Returns(Report(final: true, [series, new ExperimentSeries("retained", [])]));

        var page = Render<ExperimentReportPage>(p => p.Add(x => x.Id, ExperimentIds.Lobby));

        Assert.Equal("+4.1% deposits per player, 95% CI +1.2% to +7.0%, 3,410 players over 7 days (final).", page.Find("[data-testid=experiment-sentence]").TextContent.Trim());
        Assert.Equal("Final", page.Find("[data-testid=experiment-status]").TextContent.Trim());
        Assert.Contains("Fixed horizon", page.Find("[data-testid=experiment-method]").TextContent, StringComparison.Ordinal);
        var deposits = page.Find("[data-testid=metric-depositAmount]").ParentElement!.QuerySelectorAll("td").Select(td => td.TextContent.Trim()).ToArray();
        Assert.Equal(["Deposits per player", "52.10 EUR", "50.05 EUR", "+2.05 EUR", "+0.60 EUR to +3.50 EUR", "+4.1%", "+1.2% to +7.0%", "higher with treatment"], deposits);
        var retained = page.Find("[data-testid=metric-retained]").ParentElement!.QuerySelectorAll("td").Select(td => td.TextContent.Trim()).ToArray();
        Assert.Equal(["41.0%", "42.0%", "−1.0 pp", "−3.0 pp to +1.0 pp"], retained[1..5]);
        Assert.Equal("no difference shown", retained[^1]);
        // A chart where players have completed the horizon; a sentence where none has yet.
        Assert.NotEmpty(page.Find("[data-testid=chart-depositAmount]").QuerySelectorAll("svg"));
        Assert.Contains("No player has completed the horizon yet", page.Find("[data-testid=chart-retained-empty]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void AnInterimReport_SaysNotToActOnIt_AndTheHorizonSwitchAsksForThe30DayReport()
    {
        SignInAs(global::Lobby.Console.ConsoleRoles.Marketer);
        Api.ListExperimentsAsync(Arg.Any<CancellationToken>()).Returns(new ExperimentList([Lobby]));
        Api.GetExperimentReportAsync(ExperimentIds.Lobby, Arg.Any<int>(), Arg.Any<CancellationToken>()).Returns(Report(final: false));

        var page = Render<ExperimentReportPage>(p => p.Add(x => x.Id, ExperimentIds.Lobby));
        Assert.Equal("Interim: do not act on it yet", page.Find("[data-testid=experiment-status]").TextContent.Trim());

        page.FindAll("[data-testid=horizon] .mud-toggle-item").Single(b => b.TextContent.Contains("30 days", StringComparison.Ordinal)).Click();
        page.WaitForAssertion(() => Api.Received(1).GetExperimentReportAsync(ExperimentIds.Lobby, 30, Arg.Any<CancellationToken>()));
    }

    [Fact]
    public void SavingTheControlShare_SendsItAsAFraction()
    {
        SignInAs(global::Lobby.Console.ConsoleRoles.Marketer);
        Api.ListExperimentsAsync(Arg.Any<CancellationToken>()).Returns(new ExperimentList([Lobby]));
        Api.GetExperimentReportAsync(ExperimentIds.Lobby, 7, Arg.Any<CancellationToken>()).Returns(Report(final: false));
        Api.SetControlShareAsync(ExperimentIds.Lobby, 0.2, Arg.Any<CancellationToken>()).Returns(Lobby with { ControlShare = 0.2 });
        var page = Render<ExperimentReportPage>(p => p.Add(x => x.Id, ExperimentIds.Lobby));

        // MudBlazor puts the attribute on the input itself or on its wrapper, by version.
        var field = page.Find("[data-testid=control-share-input]");
        (field.TagName == "INPUT" ? field : field.QuerySelector("input")!).Change("20");
        page.Find("[data-testid=control-share-save]").Click();

        page.WaitForAssertion(() => Api.Received(1).SetControlShareAsync(ExperimentIds.Lobby, 0.2, Arg.Any<CancellationToken>()));
    }

    [Fact]
    public void AnUnknownExperiment_SaysSo()
    {
        SignInAs(global::Lobby.Console.ConsoleRoles.Marketer);
        Api.ListExperimentsAsync(Arg.Any<CancellationToken>()).Returns(new ExperimentList([]));
        Api.GetExperimentReportAsync("placement-gone", 7, Arg.Any<CancellationToken>()).Returns((ExperimentReport?)null);

        var page = Render<ExperimentReportPage>(p => p.Add(x => x.Id, "placement-gone"));

        Assert.Equal("No such experiment.", page.Find("[data-testid=experiment-missing]").TextContent.Trim());
        Assert.Empty(page.FindAll("[data-testid=control-share]"));
    }
}
