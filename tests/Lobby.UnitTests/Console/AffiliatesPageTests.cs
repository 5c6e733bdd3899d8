using Bunit;
using Lobby.Components.Console.Affiliates;
using NSubstitute;
using Shared.Contracts;

namespace Lobby.UnitTests.Console;

/// <summary>The affiliates page ranks partners as the report does and charts their NGR added up day by day.</summary>
public sealed class AffiliatesPageTests : ConsoleTest
{
    private static readonly DateOnly Today = DateOnly.FromDateTime(Now.UtcDateTime);

    private static AffiliateReportItem Item(string id, double predictedVips, params (int DaysAgo, decimal Ngr)[] days) =>
        new(id, 10, 4, 100m, 6, 300m, 120m, 20m, 1, 10m, 90m, 1, 0.1,
            new AffiliateCohort(10, 4, 4, predictedVips / 10, predictedVips, 0.3, 0.1, 0.05), [],
            [.. days.Select(d => new AffiliateDayFigures(Today.AddDays(-d.DaysAgo), 1, 1, 10m, d.Ngr, 0m, 0m, d.Ngr))]);

    [Fact]
    public void Partners_AreListedInTheReportsOrder_WithTheirPredictedVips_AndCharted()
    {
        SignInAs(Lobby.Console.ConsoleRoles.Marketer);
        var report = new AffiliatesReport(Today.AddDays(-29), Today, Now, true, [Item("aff-good", 2.5, (3, 40m)), Item("aff-hunters", 0.4, (2, -15m))]);
        Api.GetAffiliatesReportAsync(Today.AddDays(-29), Today, Arg.Any<CancellationToken>()).Returns(report);

        var page = Render<AffiliatesPage>();

        var rows = page.FindAll("[data-testid=affiliates-table] tbody tr");
        Assert.Equal(2, rows.Count);
        Assert.Contains("aff-good", rows[0].TextContent, StringComparison.Ordinal);
        Assert.Equal($"2.5 ({Lobby.Components.Console.ConsoleFormat.Percent(0.25)})", rows[0].QuerySelector("[data-testid=predicted-vips]")!.TextContent.Trim());
        Assert.Contains("aff-hunters", rows[1].TextContent, StringComparison.Ordinal);
        Assert.NotNull(page.Find("[data-testid=affiliate-value-chart]"));
    }

    [Fact]
    public void CumulativeNgr_AddsEachDayToTheDaysBefore_FromThePeriodsStart()
    {
        var report = new AffiliatesReport(Today.AddDays(-3), Today, Now, true, [Item("a", 1, (2, 40m), (0, -15m))]);

        var (series, labels) = AffiliatesPage.CumulativeNgr(report, Today.AddDays(-3), Today);

        Assert.Equal(4, labels.Length);
        Assert.Equal([0d, 40d, 40d, 25d], series.Single().Data.Values);
    }
}
