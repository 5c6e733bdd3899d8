using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Shared.Contracts;

namespace Intelligence.Segments;

/// <summary>
/// The questions about every player that the index answers, now spread over the instances that serve its partitions
/// (<see cref="IndexGather"/>): each instance answers over its own partitions, and the instance that took the request
/// adds the answers up. A question some partition could not be answered for (no live instance serves it yet) comes back
/// with the partitions missing rather than with a partial count.
/// </summary>
internal sealed class SegmentQueries
{
    private const string Preview = "preview", Evaluate = "evaluate", Scores = "scores", Affiliates = "affiliates";
    private static readonly IndexGatherJsonContext Json = IndexGatherJsonContext.Default;

    private readonly IndexGather _gather;
    private readonly PlayerIndex _index;
    private readonly IndexFeed _feed;
    private readonly LiveSegments _live;
    private readonly SegmentMemberships _memberships;
    private readonly IOptions<SegmentOptions> _options;

    public SegmentQueries(IndexGather gather, PlayerIndex index, IndexFeed feed, LiveSegments live, SegmentMemberships memberships, IOptions<SegmentOptions> options)
    {
        (_gather, _index, _feed, _live, _memberships, _options) = (gather, index, feed, live, memberships, options);
        gather.Handle(Preview, PreviewPartAsync);
        gather.Handle(Evaluate, EvaluatePartAsync);
        gather.Handle(Scores, ScoresPartAsync);
        gather.Handle(Affiliates, AffiliatesPartAsync);
    }

    /// <summary>A rule evaluated over every player now: count, exclusions by reason, a sample spread over the members.</summary>
    public async Task<(SegmentPreview? Preview, IReadOnlyList<int> Missing)> PreviewAsync(SegmentRule rule, string purpose, string? channel, int sampleSize,
        DateTimeOffset now, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        var query = JsonSerializer.Serialize(new PreviewQuery(rule, purpose, channel, sampleSize, now.ToUnixTimeMilliseconds()), Json.PreviewQuery);
        var gathered = await _gather.GatherAsync(Preview, query, _options.Value.GatherTimeout, ct);
        if (!gathered.Complete) return (null, gathered.Missing);
        var parts = gathered.Partials.Select(p => JsonSerializer.Deserialize(p, Json.PreviewPartial)!).ToList();
        var excluded = new long[SegmentMarketing.Reasons.Count];
        foreach (var p in parts)
        {
            for (var i = 0; i < excluded.Length; i++) excluded[i] += p.Excluded[i];
        }
        var byReason = SegmentMarketing.Reasons.Select((r, i) => (r, n: excluded[i])).Where(x => x.n > 0).ToDictionary(x => x.r, x => x.n, StringComparer.Ordinal);
        var sample = Spread(parts.Select(p => (p.Count, (IReadOnlyList<SegmentMember>)p.Sample)).ToList(), sampleSize);
        return (new SegmentPreview(parts.Sum(p => p.Count), byReason, sample, parts.Sum(p => p.Evaluated), Math.Round(watch.Elapsed.TotalMilliseconds, 2), now), []);
    }

    /// <summary>
    /// Has every instance evaluate the segment over its partitions and store the changes (the instances that serve
    /// partitions at the time). Returns the partitions nobody evaluated within <see cref="SegmentOptions.BulkTimeout"/>:
    /// their next server evaluates every segment when it loads them.
    /// </summary>
    public async Task<IReadOnlyList<int>> EvaluateAsync(LiveSegment segment, CancellationToken ct)
    {
        var query = JsonSerializer.Serialize(new EvaluateQuery(segment.Id, segment.Definition.Version), Json.EvaluateQuery);
        return (await _gather.GatherAsync(Evaluate, query, _options.Value.BulkTimeout, ct)).Missing;
    }

    public async Task<(ScoreDistributions? Result, IReadOnlyList<int> Missing)> ScoresAsync(int bins, DateTimeOffset now, CancellationToken ct)
    {
        var gathered = await _gather.GatherAsync(Scores, JsonSerializer.Serialize(new ScoresQuery(bins), Json.ScoresQuery), _options.Value.GatherTimeout, ct);
        if (!gathered.Complete) return (null, gathered.Missing);
        var parts = gathered.Partials.Select(p => JsonSerializer.Deserialize(p, Json.ScoresPartial)!).ToList();
        return (new ScoreDistributions(now, parts.Sum(p => p.Players), Merge([.. parts.Select(p => p.Churn)], bins, SegmentFields.ChurnBands),
            Merge([.. parts.Select(p => p.Vip)], bins, SegmentFields.VipBands)), []);
    }

    public async Task<(AffiliateReport? Result, IReadOnlyList<int> Missing)> AffiliatesAsync(DateTimeOffset? from, DateTimeOffset? to, DateTimeOffset now, CancellationToken ct)
    {
        var query = JsonSerializer.Serialize(new AffiliatesQuery(from?.ToUnixTimeMilliseconds(), to?.ToUnixTimeMilliseconds()), Json.AffiliatesQuery);
        var gathered = await _gather.GatherAsync(Affiliates, query, _options.Value.GatherTimeout, ct);
        if (!gathered.Complete) return (null, gathered.Missing);
        var groups = gathered.Partials.SelectMany(p => JsonSerializer.Deserialize(p, Json.AffiliatesPartial)!.Groups)
            .GroupBy(g => (g.Affiliate, g.Campaign, g.Total))
            .Select(g => g.Aggregate((a, b) => a with
            {
                Players = a.Players + b.Players, Depositors = a.Depositors + b.Depositors, Deposits = a.Deposits + b.Deposits, Scored = a.Scored + b.Scored,
                Vip = a.Vip + b.Vip, ChurnScored = a.ChurnScored + b.ChurnScored, Churn = a.Churn + b.Churn, High = a.High + b.High, Lapsed = a.Lapsed + b.Lapsed,
            })).ToList();
        var rows = new List<AffiliateRow>();
        foreach (var total in groups.Where(g => g.Total).OrderByDescending(g => g.Players).ThenBy(g => g.Affiliate, StringComparer.Ordinal))
        {
            rows.Add(Row(total));
            foreach (var part in groups.Where(g => !g.Total && g.Affiliate == total.Affiliate && g.Campaign is not null).OrderByDescending(g => g.Players))
            {
                rows.Add(Row(part));
            }
        }
        return (new AffiliateReport(now, rows), []);
    }

    /// <summary>
    /// The facts of members for a page or an export: from this instance's index for the players it holds, read from
    /// the store for the others (held by other instances).
    /// </summary>
    public async Task<List<SegmentMember>> FactsAsync(IReadOnlyList<(string PlayerId, DateTimeOffset? EnteredAt)> members)
    {
        var ids = members.Select(m => m.PlayerId).ToList();
        var (c, rows) = _index.RowsOf(ids);
        var absent = ids.Where((_, i) => rows[i] < 0).ToList();
        var read = new PlayerIndex(absent.Count);
        if (absent.Count > 0)
        {
            foreach (var f in await _feed.ReadAsync(absent))
            {
                if (f is not null) read.Upsert(f);
            }
        }
        var (rc, readRows) = read.RowsOf(ids);
        return [.. members.Select((m, i) => rows[i] >= 0 ? MemberFacts.Of(_index, c, rows[i], m.EnteredAt)
            : readRows[i] >= 0 ? MemberFacts.Of(read, rc, readRows[i], m.EnteredAt)
            : new SegmentMember(m.PlayerId, null, null, 0, null, null, null, m.EnteredAt))];
    }

    private Task<string> PreviewPartAsync(string payload, PartitionSet partitions, CancellationToken ct)
    {
        var q = JsonSerializer.Deserialize(payload, Json.PreviewQuery)!;
        var now = DateTimeOffset.FromUnixTimeMilliseconds(q.NowMs);
        var bound = LiveSegments.BindValidated(q.Rule);
        if (!bound.IsValid) throw new InvalidOperationException("a previewed rule that binds where it was sent does not bind here");
        var evaluation = SegmentEvaluator.Evaluate(_index, bound.Rule!, SegmentEvaluator.IsMarketing(q.Purpose), q.Channel, now, only: partitions);
        var sample = evaluation.Sample(q.SampleSize).Select(row => MemberFacts.Of(_index, evaluation.Columns, row, null)).ToList();
        var excluded = SegmentMarketing.Reasons.Select(r => evaluation.Excluded.GetValueOrDefault(r)).ToArray();
        return Task.FromResult(JsonSerializer.Serialize(new PreviewPartial(evaluation.Count, excluded, evaluation.Evaluated, sample), Json.PreviewPartial));
    }

    private async Task<string> EvaluatePartAsync(string payload, PartitionSet partitions, CancellationToken ct)
    {
        var q = JsonSerializer.Deserialize(payload, Json.EvaluateQuery)!;
        var segment = await _live.FindAsync(q.SegmentId);
        if (segment is null || segment.Definition.Version < q.Version) segment = (await _live.ReloadAsync()).FirstOrDefault(s => s.Id == q.SegmentId);
        // Deleted meanwhile, or not loaded here yet (the first load evaluates every segment): nothing to do.
        var diff = segment is null || !_feed.IsLoaded ? null : await _memberships.EvaluateAsync(segment, partitions, ct);
        return JsonSerializer.Serialize(new EvaluatePartial(diff?.Entered.Count ?? 0, diff?.Exited.Count ?? 0), Json.EvaluatePartial);
    }

    private Task<string> ScoresPartAsync(string payload, PartitionSet partitions, CancellationToken ct)
    {
        var bins = JsonSerializer.Deserialize(payload, Json.ScoresQuery)!.Bins;
        var c = _index.Columns;
        var churn = new Distribution(bins);
        var vip = new Distribution(bins);
        var (churnP, vipP) = (Column("scores.churn.probability"), Column("scores.vip.probability"));
        var (churnBand, vipBand) = (Column("scores.churn.band"), Column("scores.vip.band"));
        long players = 0;
        for (var row = 0; row < c.Count; row++)
        {
            if (c.Ids[row] is null || !partitions.Contains(c.Partitions[row])) continue;
            players++;
            churn.Add(c.Numbers[churnP][row], _index.Texts[churnBand].Decode(c.Texts[churnBand][row]));
            vip.Add(c.Numbers[vipP][row], _index.Texts[vipBand].Decode(c.Texts[vipBand][row]));
        }
        return Task.FromResult(JsonSerializer.Serialize(new ScoresPartial(players, churn.Partial(), vip.Partial()), Json.ScoresPartial));
    }

    private Task<string> AffiliatesPartAsync(string payload, PartitionSet partitions, CancellationToken ct)
    {
        var q = JsonSerializer.Deserialize(payload, Json.AffiliatesQuery)!;
        var c = _index.Columns;
        var (affiliate, campaign, churnBand) = (Column("affiliateId"), Column("campaign"), Column("scores.churn.band"));
        var (deposits, churnP, vipP) = (Column("lifetime.depositAmount"), Column("scores.churn.probability"), Column("scores.vip.probability"));
        var (depositCount, registered) = (Column("lifetime.depositCount"), Column("registeredAt"));
        var (from, to) = (q.RegisteredFromMs ?? long.MinValue, q.RegisteredToMs ?? long.MaxValue);
        var cohort = q.RegisteredFromMs is not null || q.RegisteredToMs is not null;
        var (high, lapsed) = (_index.Texts[churnBand].Find("high"), _index.Texts[churnBand].Find("lapsed"));
        var groups = new Dictionary<(int Affiliate, int Campaign), AffiliateSums>();
        for (var row = 0; row < c.Count; row++)
        {
            if (c.Ids[row] is null || !partitions.Contains(c.Partitions[row])) continue;
            var at = c.Dates[registered][row];
            if (cohort && (at == long.MinValue || at < from || at >= to)) continue;
            var a = c.Texts[affiliate][row];
            foreach (var key in new[] { (a, -1), (a, c.Texts[campaign][row]) })
            {
                if (key.Item2 == 0) continue;
                var g = groups.TryGetValue(key, out var found) ? found
                    : new AffiliateSums(_index.Texts[affiliate].Decode(a), key.Item2 < 0 ? null : _index.Texts[campaign].Decode(key.Item2), key.Item2 < 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
                var (vip, churn, band) = (c.Numbers[vipP][row], c.Numbers[churnP][row], c.Texts[churnBand][row]);
                var scoredChurn = !double.IsNaN(churn);
                groups[key] = g with
                {
                    Players = g.Players + 1,
                    Depositors = g.Depositors + (c.Counts[depositCount][row] > 0 ? 1 : 0),
                    Deposits = g.Deposits + c.Numbers[deposits][row],
                    Scored = g.Scored + (double.IsNaN(vip) ? 0 : 1),
                    Vip = g.Vip + (double.IsNaN(vip) ? 0 : vip),
                    ChurnScored = g.ChurnScored + (scoredChurn ? 1 : 0),
                    Churn = g.Churn + (scoredChurn ? churn : 0),
                    High = g.High + (scoredChurn && band == high && high > 0 ? 1 : 0),
                    Lapsed = g.Lapsed + (scoredChurn && band == lapsed && lapsed > 0 ? 1 : 0),
                };
            }
        }
        return Task.FromResult(JsonSerializer.Serialize(new AffiliatesPartial([.. groups.Values]), Json.AffiliatesPartial));
    }

    private static AffiliateRow Row(AffiliateSums g)
    {
        static double Share(double n, long of) => of == 0 ? 0 : Math.Round(n / of, 4);
        return new AffiliateRow(g.Affiliate, g.Total ? null : g.Campaign, g.Players, g.Depositors, Math.Round((decimal)g.Deposits, 2), Math.Max(g.Scored, g.ChurnScored),
            Share(g.Vip, g.Scored), Share(g.Churn, g.ChurnScored), Share(g.High, g.ChurnScored), Share(g.Lapsed, g.ChurnScored), Math.Round(g.Vip, 2));
    }

    private static ProbabilityDistribution Merge(IReadOnlyList<DistributionPartial> parts, int bins, IReadOnlyList<string> bandNames)
    {
        var scored = parts.Sum(p => p.Scored);
        var sum = parts.Sum(p => p.Sum);
        var counts = new long[bins];
        var bands = bandNames.ToDictionary(b => b, _ => 0L, StringComparer.Ordinal);
        foreach (var p in parts)
        {
            for (var i = 0; i < bins; i++) counts[i] += p.Bins[i];
            foreach (var (band, n) in p.Bands) bands[band] = bands.GetValueOrDefault(band) + n;
        }
        return new ProbabilityDistribution(scored, scored == 0 ? null : Math.Round(sum / scored, 4),
            [.. counts.Select((n, i) => new HistogramBin(Math.Round(i / (double)bins, 4), Math.Round((i + 1) / (double)bins, 4), n))], bands);
    }

    /// <summary>
    /// Up to <paramref name="n"/> members from the instances' samples, each instance contributing in proportion to its
    /// members (largest remainders), picked evenly from its own sample.
    /// </summary>
    private static List<SegmentMember> Spread(List<(long Count, IReadOnlyList<SegmentMember> Sample)> parts, int n)
    {
        var total = parts.Sum(p => p.Count);
        var target = (int)Math.Min(n, total);
        if (target == 0) return [];
        var exact = parts.Select(p => (double)target * p.Count / total).ToArray();
        var quota = exact.Select((q, i) => Math.Min((int)q, parts[i].Sample.Count)).ToArray();
        foreach (var i in Enumerable.Range(0, parts.Count).OrderByDescending(i => exact[i] - Math.Floor(exact[i])))
        {
            if (quota.Sum() >= target) break;
            if (quota[i] < parts[i].Sample.Count) quota[i]++;
        }
        var picked = new List<SegmentMember>(target);
        for (var i = 0; i < parts.Count; i++)
        {
            var sample = parts[i].Sample;
            for (var j = 0; j < quota[i]; j++) picked.Add(sample[(int)((long)j * sample.Count / quota[i])]);
        }
        return picked;
    }

    private static int Column(string path) => SegmentFields.Static[path].Column;

    private sealed class Distribution(int bins)
    {
        private readonly long[] _bins = new long[bins];
        private readonly Dictionary<string, long> _bands = new(StringComparer.Ordinal);
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

        public DistributionPartial Partial() => new(_scored, _sum, _bins, _bands);
    }
}
