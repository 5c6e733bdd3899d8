using Intelligence.Segments;
using Microsoft.AspNetCore.Http.HttpResults;
using Shared.Contracts;

namespace Intelligence.Insights;

/// <summary>
/// The data behind the console's charts: a segment's size over time (recorded by the segment worker), and churn, VIP
/// and affiliate figures computed over the player index at the moment of asking.
/// </summary>
public static class InsightsApi
{
    public const int MaxDays = 400;
    public const int DefaultBins = 20;

    public static IEndpointRouteBuilder MapInsightsApi(this IEndpointRouteBuilder app)
    {
        var insights = app.MapGroup("/v1/insights").RequireAuthorization(SegmentsApi.ReadPolicy).WithTags("Insights");
        insights.MapGet("/segments/{id}/size", SizeAsync).WithName("GetSegmentSize").ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status503ServiceUnavailable).WithSummary("A segment's member count over time, oldest first")
            .WithDescription($"`days` from 1 to {MaxDays} (default 30). A point is recorded every hour (`Segments:SizeSnapshotInterval`) and whenever the definition changes.");
        insights.MapGet("/scores", Scores).WithName("GetScoreDistributions").ProducesProblem(StatusCodes.Status503ServiceUnavailable).WithSummary("How churn risk and VIP potential are spread over the players now")
            .WithDescription($"Equal-width histograms of the probabilities (`bins` from 2 to 100, default {DefaultBins}), the number of players per band, and the means. 503 while the player index loads.");
        insights.MapGet("/affiliates", Affiliates).WithName("GetAffiliateReport").ProducesProblem(StatusCodes.Status503ServiceUnavailable).WithSummary("Players, deposits and predicted value per affiliate and campaign")
            .WithDescription("One row per affiliate (`campaign` null) followed by one per campaign of it, most players first; `affiliateId` null gathers players who came without an affiliate. " +
                "`predictedVipShare` is the mean VIP-potential probability (the share expected to become VIPs), `meanChurn` the mean churn probability, `highChurnShare` and `lapsedShare` the shares " +
                "in churn bands high and lapsed, all over the scored players. `registeredFrom` / `registeredTo` (ISO dates) keep players who registered in that span: an acquisition cohort. 503 while the player index loads.");
        return app;
    }

    internal static async Task<Results<Ok<SegmentSizeHistory>, ValidationProblem, ProblemHttpResult>> SizeAsync(string id, SegmentStore segments, MembershipStore members,
        TimeProvider clock, int days = 30)
    {
        if (days is < 1 or > MaxDays)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["days"] = [$"days must be from 1 to {MaxDays}."] }, title: "Bad query");
        }
        if (await segments.DefinitionAsync(id) is null) return SegmentsApi.UnknownSegment(id);
        var from = (clock.GetUtcNow() - TimeSpan.FromDays(days)).ToUnixTimeMilliseconds();
        var points = await members.SizesAsync(id, from);
        return TypedResults.Ok(new SegmentSizeHistory(id, [.. points.Select(p => new SegmentSizePoint(DateTimeOffset.FromUnixTimeMilliseconds(p.AtMs), p.Members))]));
    }

    internal static Results<Ok<ScoreDistributions>, ValidationProblem, ProblemHttpResult> Scores(HttpContext http, PlayerIndex index, IndexFeed feed, TimeProvider clock, int bins = DefaultBins)
    {
        if (bins is < 2 or > 100)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["bins"] = ["bins must be from 2 to 100."] }, title: "Bad query");
        }
        if (SegmentsApi.NotLoaded(http, feed) is { } loading) return loading;
        var c = index.Columns;
        var churn = new Distribution(bins, SegmentFields.ChurnBands);
        var vip = new Distribution(bins, SegmentFields.VipBands);
        var (churnP, vipP) = (Number("scores.churn.probability"), Number("scores.vip.probability"));
        var (churnBand, vipBand) = (Text("scores.churn.band"), Text("scores.vip.band"));
        long players = 0;
        for (var row = 0; row < c.Count; row++)
        {
            if (c.Ids[row] is null) continue;
            players++;
            churn.Add(c.Numbers[churnP][row], index.Texts[churnBand].Decode(c.Texts[churnBand][row]));
            vip.Add(c.Numbers[vipP][row], index.Texts[vipBand].Decode(c.Texts[vipBand][row]));
        }
        return TypedResults.Ok(new ScoreDistributions(clock.GetUtcNow(), players, churn.Result(), vip.Result()));
    }

    internal static Results<Ok<AffiliateReport>, ValidationProblem, ProblemHttpResult> Affiliates(HttpContext http, PlayerIndex index, IndexFeed feed, TimeProvider clock,
        DateTimeOffset? registeredFrom = null, DateTimeOffset? registeredTo = null)
    {
        if (registeredFrom is { } f && registeredTo is { } t && t <= f)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["registeredTo"] = ["registeredTo must be after registeredFrom."] }, title: "Bad query");
        }
        if (SegmentsApi.NotLoaded(http, feed) is { } loading) return loading;
        var c = index.Columns;
        var (affiliate, campaign, churnBand) = (Text("affiliateId"), Text("campaign"), Text("scores.churn.band"));
        var (deposits, churnP, vipP) = (Number("lifetime.depositAmount"), Number("scores.churn.probability"), Number("scores.vip.probability"));
        var depositCount = SegmentFields.Static["lifetime.depositCount"].Column;
        var registered = SegmentFields.Static["registeredAt"].Column;
        var (from, to) = (registeredFrom?.ToUnixTimeMilliseconds() ?? long.MinValue, registeredTo?.ToUnixTimeMilliseconds() ?? long.MaxValue);
        var (high, lapsed) = (index.Texts[churnBand].Find("high"), index.Texts[churnBand].Find("lapsed"));
        var groups = new Dictionary<(int Affiliate, int Campaign), Group>();
        for (var row = 0; row < c.Count; row++)
        {
            if (c.Ids[row] is null) continue;
            var at = c.Dates[registered][row];
            if ((registeredFrom is not null || registeredTo is not null) && (at == long.MinValue || at < from || at >= to)) continue;
            var a = c.Texts[affiliate][row];
            foreach (var key in new[] { (a, -1), (a, c.Texts[campaign][row]) })
            {
                if (!groups.TryGetValue(key, out var g)) groups[key] = g = new Group();
                g.Add(c.Counts[depositCount][row] > 0, c.Numbers[deposits][row], c.Numbers[churnP][row], c.Numbers[vipP][row], c.Texts[churnBand][row], high, lapsed);
            }
        }
        var rows = new List<AffiliateRow>();
        foreach (var total in groups.Where(g => g.Key.Campaign == -1).OrderByDescending(g => g.Value.Players).ThenBy(g => index.Texts[affiliate].Decode(g.Key.Affiliate), StringComparer.Ordinal))
        {
            var affiliateId = index.Texts[affiliate].Decode(total.Key.Affiliate);
            rows.Add(total.Value.Row(affiliateId, null));
            foreach (var part in groups.Where(g => g.Key.Affiliate == total.Key.Affiliate && g.Key.Campaign > 0).OrderByDescending(g => g.Value.Players))
            {
                rows.Add(part.Value.Row(affiliateId, index.Texts[campaign].Decode(part.Key.Campaign)));
            }
        }
        return TypedResults.Ok(new AffiliateReport(clock.GetUtcNow(), rows));
    }

    private static int Number(string path) => SegmentFields.Static[path].Column;

    private static int Text(string path) => SegmentFields.Static[path].Column;

    private sealed class Distribution(int bins, IReadOnlyList<string> bands)
    {
        private readonly long[] _bins = new long[bins];
        private readonly Dictionary<string, long> _bands = bands.ToDictionary(b => b, _ => 0L, StringComparer.Ordinal);
        private long _scored;
        private double _sum;

        public void Add(double p, string? band)
        {
            if (double.IsNaN(p)) return;
            _scored++;
            _sum += p;
            _bins[Math.Clamp((int)(p * bins), 0, bins - 1)]++;
            if (band is not null) _bands[band] = _bands.GetValueOrDefault(band) + 1;
        }

        public ProbabilityDistribution Result() => new(_scored, _scored == 0 ? null : Math.Round(_sum / _scored, 4),
            [.. _bins.Select((n, i) => new HistogramBin(Math.Round(i / (double)bins, 4), Math.Round((i + 1) / (double)bins, 4), n))], _bands);
    }

    private sealed class Group
    {
        public long Players;
        private long _depositors, _scored, _churnScored, _high, _lapsed;
        private double _deposits, _churn, _vip;

        public void Add(bool depositor, double deposits, double churn, double vip, int band, int high, int lapsed)
        {
            Players++;
            if (depositor) _depositors++;
            _deposits += deposits;
            if (!double.IsNaN(vip)) { _scored++; _vip += vip; }
            if (!double.IsNaN(churn))
            {
                _churnScored++;
                _churn += churn;
                if (band == high && high > 0) _high++;
                if (band == lapsed && lapsed > 0) _lapsed++;
            }
        }

        public AffiliateRow Row(string? affiliate, string? campaign)
        {
            static double Share(double n, long of) => of == 0 ? 0 : Math.Round(n / of, 4);
            return new AffiliateRow(affiliate, campaign, Players, _depositors, Math.Round((decimal)_deposits, 2), Math.Max(_scored, _churnScored),
                Share(_vip, _scored), Share(_churn, _churnScored), Share(_high, _churnScored), Share(_lapsed, _churnScored));
        }
    }
}
