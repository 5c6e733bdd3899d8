using System.Net;
using System.Net.Http.Json;
using Ingestion.Feeds;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Shared.Contracts;
using TestSupport;
using static Ingestion.IntegrationTests.Operations.ReconciliationTests;

namespace Ingestion.IntegrationTests.Operations;

/// <summary><c>GET /v1/feeds</c>: each source's traffic, and its state judged against its own rhythm, on a fixed clock.</summary>
public class FeedsTests(StoreServers servers)
{
    // 03:00 at night, when the night feed is quiet every day.
    private static readonly DateTimeOffset Night = new(2026, 11, 23, 3, 0, 0, TimeSpan.Zero);
    private int _ids;

    private string Login(string source, DateTimeOffset time, string player = "p-1") =>
        Event(source, "l-" + Interlocked.Increment(ref _ids), "player.login", player, time, "{}");

    private static string Broken(string source, DateTimeOffset time) =>
        Event(source, "bad", "wallet.bet", "p-1", time, """{"transactionId":"t","roundId":"r","gameId":"g","amount":-1,"currency":"EUR"}""");

    private async Task<(IngestionApp App, FakeTimeProvider Clock)> AppAsync(DateTimeOffset start)
    {
        var clock = new FakeTimeProvider(start);
        return (new IngestionApp(await servers.ConnectionStringAsync(StoreKinds.Redis)) { Clock = clock }, clock);
    }

    internal static async Task SendAnyAsync(IngestionApp app, params string[] events) =>
        await app.ClientWithKey(IngestionApp.WalletKey).PostAsync(new Uri("/v1/events", UriKind.Relative),
            new StringContent("[" + string.Join(",", events) + "]", System.Text.Encoding.UTF8, "application/cloudevents-batch+json"), TestContext.Current.CancellationToken);

    /// <summary>A source's requests refused for a bad signature over the last day, as <c>GET /v1/feeds</c> reads them from the store.</summary>
    internal static async Task<long> SignatureFailuresAsync(IngestionApp app, string source) =>
        (await app.Services.GetRequiredService<FeedStats>().ReadAsync()).Items.SingleOrDefault(i => i.Source == source)?.SignatureFailures ?? 0;

    private static async Task<FeedStatus> FeedAsync(IngestionApp app, string source)
    {
        var r = await app.ClientWithKey(IngestionApp.OpsKey).GetAsync(new Uri("/v1/feeds", UriKind.Relative), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        var report = await r.Content.ReadFromJsonAsync(ContractsJsonContext.Default.FeedsReport, TestContext.Current.CancellationToken);
        return Assert.Single(report!.Items, i => i.Source == source);
    }

    /// <summary>A day of history: <paramref name="perMinute"/> events a minute through the hour starting at <paramref name="from"/>.</summary>
    private async Task HourAsync(IngestionApp app, FakeTimeProvider clock, string source, DateTimeOffset from, int perMinute)
    {
        clock.SetUtcNow(from);
        for (var m = 0; m < 60; m++)
        {
            if (perMinute > 0) await SendAnyAsync(app, Enumerable.Range(0, perMinute).Select(_ => Login(source, clock.GetUtcNow())).ToArray());
            clock.Advance(TimeSpan.FromMinutes(1));
        }
    }

    [Fact]
    public async Task Traffic_IsCountedPerSource_WithLagShareAndLastArrival()
    {
        var (app, clock) = await AppAsync(Night.AddHours(9));
        await using var _ = app;
        var sent = clock.GetUtcNow();
        await SendAnyAsync(app, [.. Enumerable.Range(0, 8).Select(_ => Login("/pam", sent.AddSeconds(-2))), Login("/pam", sent.AddHours(-3)), Broken("/pam", sent)]);
        await SendAnyAsync(app, Event("/pam", "l-1", "player.login", "p-1", sent.AddSeconds(-2), "{}"));
        await SendAnyAsync(app, Login("/other", sent));

        var feed = await FeedAsync(app, "/pam");

        Assert.Equal(sent, feed.LastEventAt);
        Assert.Equal(10 / 5.0, feed.EventsPerMinute);   // 9 accepted + 1 duplicate over the last five minutes
        Assert.Equal(2_500, feed.LagP50Ms);
        Assert.Equal(4 * 3_600_000, feed.LagP99Ms);
        Assert.Equal(1 / 11.0, feed.RejectedShare, 6);
        Assert.Equal(1 / 11.0, feed.DuplicateShare, 6);
        Assert.Equal(FeedStates.Ok, feed.State);
        Assert.Null(feed.UsualEventsPerMinute);
    }

    [Fact]
    public async Task AFeed_SilentWhereItUsuallySends_IsSilent_AndOneQuietEveryNight_IsOkAtNight()
    {
        var (app, clock) = await AppAsync(Night.AddDays(-1).AddHours(-1));
        await using var _ = app;
        // Yesterday: the day feed sent 4 a minute from 03:00, the night feed sent once at 02:00 and nothing at 03:00.
        await SendAnyAsync(app, Login("/night", clock.GetUtcNow()));
        await HourAsync(app, clock, "/day", Night.AddDays(-1), perMinute: 4);

        clock.SetUtcNow(Night.AddMinutes(15));
        var day = await FeedAsync(app, "/day");
        var night = await FeedAsync(app, "/night");

        Assert.Equal(4.0, day.UsualEventsPerMinute);
        Assert.Equal(FeedStates.Silent, day.State);
        Assert.Contains("no event for 15 minutes", day.Reason, StringComparison.Ordinal);
        Assert.Equal(0.0, night.UsualEventsPerMinute);
        Assert.Equal(FeedStates.Ok, night.State);
    }

    [Fact]
    public async Task AFeed_BelowAQuarterOfItsUsualRate_IsQuiet_AndAtItIsOk()
    {
        var (app, clock) = await AppAsync(Night.AddDays(-1));
        await using var _ = app;
        await HourAsync(app, clock, "/day", Night.AddDays(-1), perMinute: 4);   // usual: 60 in a quarter hour

        clock.SetUtcNow(Night);
        await SendAnyAsync(app, Enumerable.Range(0, 14).Select(_ => Login("/day", Night)).ToArray());
        Assert.Equal(FeedStates.Quiet, (await FeedAsync(app, "/day")).State);

        await SendAnyAsync(app, Login("/day", Night));
        Assert.Equal(FeedStates.Ok, (await FeedAsync(app, "/day")).State);
    }

    [Fact]
    public async Task AFeed_WithHalfItsEventsRejected_IsFailing()
    {
        var (app, _) = await AppAsync(Night);
        await using var __ = app;
        await SendAnyAsync(app, [.. Enumerable.Range(0, 5).Select(_ => Login("/pam", Night)), .. Enumerable.Range(0, 4).Select(_ => Broken("/pam", Night))]);
        Assert.Equal(FeedStates.Ok, (await FeedAsync(app, "/pam")).State);

        await SendAnyAsync(app, Broken("/pam", Night));

        var feed = await FeedAsync(app, "/pam");
        Assert.Equal(FeedStates.Failing, feed.State);
        Assert.Equal(0.5, feed.RejectedShare);
    }

    [Fact]
    public async Task History_CountsEachHourOfEachSource_OldestFirst_WithEmptyHoursPresent()
    {
        var (app, clock) = await AppAsync(Night.AddHours(-2).AddMinutes(10));
        await using var _ = app;
        await SendAnyAsync(app, Login("/pam", clock.GetUtcNow()), Login("/pam", clock.GetUtcNow()));   // 01:10
        clock.SetUtcNow(Night.AddMinutes(5));                                                            // 03:05
        await SendAnyAsync(app, Login("/pam", Night), Broken("/pam", Night));
        await SendAnyAsync(app, Event("/pam", "l-1", "player.login", "p-1", Night, "{}"));              // a resend of the first

        var ops = app.ClientWithKey(IngestionApp.OpsKey);
        var history = await ops.GetFromJsonAsync(new Uri("/v1/feeds/history?hours=3", UriKind.Relative), ContractsJsonContext.Default.FeedHistory,
            TestContext.Current.CancellationToken);

        var pam = Assert.Single(history!.Items, i => i.Source == "/pam");
        Assert.Equal([Night.AddHours(-2), Night.AddHours(-1), Night], pam.Hours.Select(h => h.Hour));
        Assert.Equal(new FeedHourCounts(Night.AddHours(-2), 2, 0, 0, 0), pam.Hours[0]);
        Assert.Equal(new FeedHourCounts(Night.AddHours(-1), 0, 0, 0, 0), pam.Hours[1]);
        Assert.Equal((1L, 1L, 1L), (pam.Hours[2].Accepted, pam.Hours[2].Duplicates, pam.Hours[2].Rejected));
        Assert.Equal(24, (await ops.GetFromJsonAsync(new Uri("/v1/feeds/history", UriKind.Relative), ContractsJsonContext.Default.FeedHistory,
            TestContext.Current.CancellationToken))!.Items[0].Hours.Count);
    }

    [Fact]
    public async Task History_PastTheHoursKept_IsRefused_NamingHours()
    {
        var (app, _) = await AppAsync(Night);
        await using var __ = app;
        var ops = app.ClientWithKey(IngestionApp.OpsKey);

        var r = await ops.GetAsync(new Uri("/v1/feeds/history?hours=49", UriKind.Relative), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        var body = await r.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Contains("\"hours\"", body, StringComparison.Ordinal);
        Assert.Contains("from 1 to 48", body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await ops.GetAsync(new Uri("/v1/feeds/history?hours=48", UriKind.Relative), TestContext.Current.CancellationToken)).StatusCode);
    }

    /// <summary>
    /// A small feed (20 events on time) and one late resend of an event it already counted, 70 minutes after it happened:
    /// the resend is a duplicate, its time is its first sending's, so the lag p99 stays the feed's own (it was 4 h, over
    /// ArrivalLagHigh's 15 minutes, when duplicates fed the lag sample).
    /// </summary>
    [Fact]
    public async Task ALateDuplicateResend_DoesNotFeedTheArrivalLag_OfASmallFeed()
    {
        var (app, clock) = await AppAsync(Night.AddHours(7));
        await using var _ = app;
        var first = Event("/small", "l-first", "player.login", "p-1", clock.GetUtcNow(), "{}");
        await SendAnyAsync(app, [first, .. Enumerable.Range(0, 19).Select(_ => Login("/small", clock.GetUtcNow()))]);
        clock.Advance(TimeSpan.FromMinutes(65));
        await SendAnyAsync(app, Enumerable.Range(0, 5).Select(_ => Login("/small", clock.GetUtcNow().AddSeconds(-1))).ToArray());
        clock.Advance(TimeSpan.FromMinutes(5));
        await SendAnyAsync(app, first);   // resent 70 minutes after it happened

        var feed = await FeedAsync(app, "/small");

        Assert.Equal(1 / 6.0, feed.DuplicateShare, 6);   // still counted as a duplicate
        Assert.Equal(1_000, feed.LagP99Ms);
        Assert.True(feed.LagP99Ms <= OpsAlerts.LagHighMs);
    }

    /// <summary>
    /// Deposits' verdicts per PSP: yesterday trustly declined 2 of 20 and adyen none of 10; in today's last hour trustly
    /// declines 10 of 20 (spiking: 40 points over its usual 10%), adyen 19 of 19 (under the 20 attempts judged), and a
    /// resent verdict, a pending deposit, a withdrawal and a verdict 61 minutes old are not counted.
    /// </summary>
    [Fact]
    public async Task PaymentProviders_CountTheLastHoursDepositVerdicts_AndASpikeOverTheUsualDeclineShare()
    {
        var (app, clock) = await AppAsync(Night.AddDays(-1).AddHours(7));
        await using var _ = app;
        var n = 0;
        string Deposit(string psp, string status, string type = "wallet.deposit") =>
            Payment("/cashier", type, $"d-{++n}", status, psp, clock.GetUtcNow());
        await SendAnyAsync(app, [.. Enumerable.Range(0, 18).Select(_ => Deposit("trustly", "approved")), Deposit("trustly", "rejected"), Deposit("trustly", "rejected"),
            .. Enumerable.Range(0, 10).Select(_ => Deposit("adyen", "approved"))]);

        clock.SetUtcNow(Night.AddHours(7));
        await SendAnyAsync(app, Deposit("trustly", "rejected"));   // 61 minutes before the read
        clock.Advance(TimeSpan.FromMinutes(2));
        var declined = Deposit("trustly", "rejected");
        await SendAnyAsync(app, [declined, .. Enumerable.Range(0, 9).Select(_ => Deposit("trustly", "rejected")), .. Enumerable.Range(0, 10).Select(_ => Deposit("trustly", "approved")),
            .. Enumerable.Range(0, 19).Select(_ => Deposit("adyen", "rejected")), Deposit("adyen", "pending"), Deposit("adyen", "rejected", "wallet.withdrawal")]);
        await SendAnyAsync(app, declined);
        clock.SetUtcNow(Night.AddHours(8).AddMinutes(1));

        var report = await app.ClientWithKey(IngestionApp.OpsKey).GetFromJsonAsync(new Uri("/v1/feeds", UriKind.Relative), ContractsJsonContext.Default.FeedsReport,
            TestContext.Current.CancellationToken);

        Assert.Equal([new PaymentProviderStatus("adyen", 19, 19, 1.0, 0.0, Spiking: false), new PaymentProviderStatus("trustly", 20, 10, 0.5, 0.1, Spiking: true)], report!.Payments!);
    }
}
