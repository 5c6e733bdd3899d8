using System.Net;
using System.Text;
using Bunit;
using Lobby.Components.Console.Operations;
using Lobby.Console;
using Microsoft.Extensions.Options;
using NSubstitute;
using NSubstitute.ExceptionExtensions;
using Shared.Contracts;

namespace Lobby.UnitTests.Console;

/// <summary>The operations page: who may open it, the feed table, reconciliation, charts, the alert banner and Ingestion being down.</summary>
public sealed class OperationsPageTests : ConsoleTest
{
    private static readonly FeedStatus Hub88 = new("/hub88", FeedStates.Ok, 42.4, 40, Now.AddMinutes(-5), 250, 2_500, 0.012, 0.003, 2, "", SignatureFailures: 7);
    private static readonly FeedStatus Pam = new("/pam", FeedStates.Silent, 0, 12.5, Now.AddHours(-2), 100, 90 * 60_000, 0, 0, 0,
        "no event for 15 minutes where about 188 are usual at this hour");

    private static ReconciliationReport Report(long openRounds) => new(
        new(openRounds, [new OpenRound("/hub88", "hub88", "p-7", "r-9", "tx-9", "g-1", Now.AddDays(-2), Now.AddDays(-1))]),
        new(0, []),
        new(1, [new ConflictingDuplicate("/hub88", "tx-3", new("wallet.bet", "p-1", "r-1", "g-1", null, 2.5m, "EUR"), new("wallet.bet", "p-1", "r-1", "g-1", null, 25m, "EUR"), Now)]),
        new(0, []),
        Now);

    private static FeedHistory History() => new(
        [new FeedSeries("/hub88", [.. Enumerable.Range(0, 24).Select(i => new FeedHourCounts(Now.AddHours(i - 23), 100 + i, 1, i == 23 ? 5 : 0, 0))])], Now);

    private static readonly OpsAlert Silent = new("FeedSilent:/pam", "FeedSilent", "page", "/pam", "Feed /pam: no event for 15 minutes", Now.AddMinutes(-3));

    public OperationsPageTests()
    {
        Operations.GetFeedsAsync(Arg.Any<CancellationToken>()).Returns(new FeedsReport([Hub88, Pam], Now,
            [new PaymentProviderStatus("adyen", 30, 3, 0.1, 0.1, Spiking: false), new PaymentProviderStatus("trustly", 40, 26, 0.65, 0.1, Spiking: true)]));
        Operations.GetReconciliationAsync(Arg.Any<CancellationToken>()).Returns(Report(3));
        Operations.GetFeedHistoryAsync(24, Arg.Any<CancellationToken>()).Returns(History());
        Operations.GetFiringAlertsAsync(Arg.Any<CancellationToken>()).Returns([]);
    }

    [Fact]
    public void Operator_SeesEveryFeedWithItsState_TheReconciliationCounts_AndAChartPerFeed()
    {
        SignInAs(ConsoleRoles.Operator, "olga");

        var page = Render<OperationsPage>();

        var rows = page.FindAll("[data-testid=feed-row]");
        Assert.Equal(["/hub88", "/pam"], rows.Select(r => r.GetAttribute("data-source")));
        var pam = rows[1];
        Assert.Equal("silent", pam.QuerySelector("[data-testid=feed-state]")!.TextContent.Trim());
        Assert.Contains("188 are usual", pam.QuerySelector("[data-testid=feed-reason]")!.TextContent, StringComparison.Ordinal);
        Assert.Equal("12.5", pam.QuerySelector("[data-testid=feed-usual]")!.TextContent.Trim());
        Assert.Equal("2 h ago", pam.QuerySelector("[data-testid=feed-last]")!.TextContent.Trim());
        Assert.Equal("1.5 h", pam.QuerySelector("[data-testid=feed-lag-p99]")!.TextContent.Trim());
        var hub88 = rows[0];
        Assert.Equal("42.4", hub88.QuerySelector("[data-testid=feed-rate]")!.TextContent.Trim());
        Assert.Equal("1.2%", hub88.QuerySelector("[data-testid=feed-rejected]")!.TextContent.Trim());
        Assert.Equal("2", hub88.QuerySelector("[data-testid=feed-dead-letters]")!.TextContent.Trim());
        Assert.Equal("7", hub88.QuerySelector("[data-testid=feed-signature-failures]")!.TextContent.Trim());
        var psps = page.FindAll("[data-testid=psp-row]");
        Assert.Equal(["adyen", "trustly"], psps.Select(r => r.GetAttribute("data-provider")));
        Assert.Equal(("65.0%", "spiking"), (psps[1].QuerySelector("[data-testid=psp-share]")!.TextContent.Trim(), psps[1].QuerySelector("[data-testid=psp-state]")!.TextContent.Trim()));
        Assert.Equal("ok", psps[0].QuerySelector("[data-testid=psp-state]")!.TextContent.Trim());

        Assert.Equal("3", page.Find("[data-testid=recon-open-rounds] [data-testid=recon-count]").TextContent);
        Assert.Contains("round r-9", page.Find("[data-testid=recon-open-rounds] [data-testid=recon-item]").TextContent, StringComparison.Ordinal);
        Assert.Contains("2.50 EUR by p-1 in round r-1 kept, 25.00 EUR by p-1 in round r-1 refused",
            page.Find("[data-testid=recon-conflicting-duplicates] [data-testid=recon-item]").TextContent, StringComparison.Ordinal);
        Assert.Equal("0", page.Find("[data-testid=recon-orphan-rollbacks] [data-testid=recon-count]").TextContent);

        var chart = page.Find("[data-testid=feed-chart]");
        Assert.Equal("/hub88", chart.GetAttribute("data-source"));
        // 100..123 accepted plus one duplicate an hour; the last hour is the busiest.
        Assert.Equal("2,700 events and 5 rejected over the last 24 hours; busiest hour 10:00 UTC with 124.",
            chart.QuerySelector("[data-testid=feed-chart-summary]")!.TextContent.Trim());
        Assert.Empty(page.FindAll("[data-testid=ops-banner]"));
    }

    [Fact]
    public void TheBanner_ShowsWhileAnAlertFires_AndGoesOnTheNextPollAfterItResolves()
    {
        SignInAs(ConsoleRoles.Operator, "olga");
        IReadOnlyList<OpsAlert> firing = [Silent], none = [];
        Operations.GetFiringAlertsAsync(Arg.Any<CancellationToken>()).Returns(firing, none);

        var page = Render<OperationsPage>();

        Assert.Contains("FeedSilent (page): Feed /pam: no event for 15 minutes", page.Find("[data-testid=ops-banner]").TextContent, StringComparison.Ordinal);
        Operations.GetReconciliationAsync(Arg.Any<CancellationToken>()).Returns(Report(4));

        Clock.Advance(OperationsPage.RefreshEvery);

        page.WaitForAssertion(() => Assert.Empty(page.FindAll("[data-testid=ops-banner]")));
        Assert.Equal("4", page.Find("[data-testid=recon-open-rounds] [data-testid=recon-count]").TextContent);
        // The hourly history is read once a minute, not at every poll.
        Operations.Received(1).GetFeedHistoryAsync(24, Arg.Any<CancellationToken>());
    }

    [Fact]
    public void IngestionDown_SaysSo_KeepsTheLastFigures_AndRecoversOnTheNextPoll()
    {
        SignInAs(ConsoleRoles.Operator, "olga");
        var page = Render<OperationsPage>();
        Operations.GetFeedsAsync(Arg.Any<CancellationToken>()).Throws(new HttpRequestException("Connection refused"));

        Clock.Advance(OperationsPage.RefreshEvery);

        page.WaitForAssertion(() => Assert.Equal("Ingestion is not reachable just now; try again in a moment.", page.Find("[data-testid=console-error]").TextContent.Trim()));
        Assert.Equal(2, page.FindAll("[data-testid=feed-row]").Count);

        Operations.GetFeedsAsync(Arg.Any<CancellationToken>()).Returns(new FeedsReport([Hub88], Now));
        Clock.Advance(OperationsPage.RefreshEvery);

        page.WaitForAssertion(() => Assert.Empty(page.FindAll("[data-testid=console-error]")));
        Assert.Single(page.FindAll("[data-testid=feed-row]"));
    }

    [Fact]
    public void IngestionDownFromTheStart_ShowsTheErrorAndNoTable()
    {
        SignInAs(ConsoleRoles.Admin, "ann");
        Operations.GetFeedsAsync(Arg.Any<CancellationToken>()).Throws(new HttpRequestException("Connection refused"));

        var page = Render<OperationsPage>();

        Assert.Equal("Ingestion is not reachable just now; try again in a moment.", page.Find("[data-testid=console-error]").TextContent.Trim());
        Assert.Empty(page.FindAll("[data-testid=feeds-table]"));
    }

    [Fact]
    public void Marketer_IsDeniedTheOperationsPage_AndIngestionIsNotAsked()
    {
        SignInAs(ConsoleRoles.Marketer);

        var cut = Open("/console/operations");

        cut.WaitForElement("[data-testid='console-denied']");
        Assert.Empty(cut.FindAll("[data-testid='nav-operations']"));
        Operations.DidNotReceiveWithAnyArgs().GetFeedsAsync(Xunit.TestContext.Current.CancellationToken);
    }

    [Fact]
    public void Operator_SeesOperationsInTheMenu_ButNoMarketingPage()
    {
        Api.ListSegmentsAsync(Arg.Any<CancellationToken>()).Returns([]);
        SignInAs(ConsoleRoles.Operator, "olga");

        var cut = Open("/console/operations");
        cut.WaitForElement("[data-testid='feeds-table']");
        Assert.NotNull(cut.Find("[data-testid='nav-operations']"));
        Assert.Empty(cut.FindAll("[data-testid='nav-segments']"));

        cut.InvokeAsync(() => Navigation.NavigateTo("/console/segments"));
        cut.WaitForElement("[data-testid='console-denied']");
        Api.DidNotReceiveWithAnyArgs().ListSegmentsAsync(Xunit.TestContext.Current.CancellationToken);
    }

    [Theory]
    [InlineData(ConsoleRoles.Marketer)]
    [InlineData(ConsoleRoles.SaferGambling)]
    public async Task TheClient_RefusesEveryRoleButOperatorAndAdmin_BeforeAnyRequest(string role)
    {
        var (api, requests) = Client(role);

        await Assert.ThrowsAsync<ConsoleAccessDeniedException>(() => api.GetFeedsAsync(Xunit.TestContext.Current.CancellationToken));

        Assert.Empty(requests);
    }

    [Fact]
    public async Task TheClient_ReadsFeedsWithTheIngestionKey_AndAMarketingCallByAnOperatorIsRefused()
    {
        var (api, requests) = Client(ConsoleRoles.Operator);

        var feeds = await api.GetFeedsAsync(Xunit.TestContext.Current.CancellationToken);

        Assert.Equal("/hub88", Assert.Single(feeds.Items).Source);
        Assert.Equal("http://ingestion.test/v1/feeds", Assert.Single(requests).RequestUri!.AbsoluteUri);
        var factory = Substitute.For<IHttpClientFactory>();
        var marketing = new ConsoleClient(factory, Authentication);
        await Assert.ThrowsAsync<ConsoleAccessDeniedException>(() => marketing.ListSegmentsAsync(Xunit.TestContext.Current.CancellationToken));
        factory.DidNotReceiveWithAnyArgs().CreateClient(default!);
    }

    [Fact]
    public async Task TheClient_WithoutAnIngestionKey_SaysWhatToSet()
    {
        var (api, requests) = Client(ConsoleRoles.Operator, key: null);

        var e = await Assert.ThrowsAsync<ConsoleClientException>(() => api.GetFeedsAsync(Xunit.TestContext.Current.CancellationToken));

        Assert.Contains("Console:IngestionApiKey", e.Message, StringComparison.Ordinal);
        Assert.Empty(requests);
    }

    private (OperationsClient Api, List<HttpRequestMessage> Requests) Client(string role, string? key = "ops-key")
    {
        SignInAs(role, "olga");
        var requests = new List<HttpRequestMessage>();
        var factory = Substitute.For<IHttpClientFactory>();
        factory.CreateClient(OperationsClient.HttpClientName).Returns(_ => new HttpClient(new Answer(requests)) { BaseAddress = new Uri("http://ingestion.test/") });
        return (new OperationsClient(factory, Authentication, Options.Create(new ConsoleOptions { IngestionApiKey = key })), requests);
    }

    private sealed class Answer(List<HttpRequestMessage> requests) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            requests.Add(request);
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK)
            {
                Content = new StringContent("""{"items":[{"source":"/hub88","state":"ok","eventsPerMinute":1,"usualEventsPerMinute":null,"lastEventAt":null,"lagP50Ms":null,"lagP99Ms":null,"rejectedShare":0,"duplicateShare":0,"deadLetters":0,"reason":""}],"at":"2026-11-24T10:00:00Z"}""",
                    Encoding.UTF8, "application/json"),
            });
        }
    }
}
