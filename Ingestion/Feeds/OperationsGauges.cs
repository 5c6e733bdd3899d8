using System.Diagnostics.Metrics;
using System.Globalization;
using Ingestion.Reconciliation;
using Shared.Contracts;
using Shared.Store;
using StackExchange.Redis;

namespace Ingestion.Feeds;

/// <summary>
/// What Prometheus alerts on (deploy/prometheus/alerts.yml), sampled from the store every <see cref="Interval"/> so a
/// scrape never calls it: outstanding reconciliation items by kind and source (<c>ingestion_reconciliation_outstanding</c>),
/// each feed's state (<c>ingestion_feed_state</c>, 1 for the current one) and arrival-lag p99
/// (<c>ingestion_feed_lag_p99_seconds</c>), and the store's memory against its maxmemory (<c>store_memory_used_bytes</c>,
/// <c>store_memory_max_bytes</c>, 0 when unlimited).
/// </summary>
public sealed class OperationsGauges : GaugeSampler
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);
    private static readonly string[] States = [FeedStates.Ok, FeedStates.Quiet, FeedStates.Silent, FeedStates.Failing];
    private readonly IConnectionMultiplexer _redis;
    private readonly StoreKeys _keys;
    private readonly ReconciliationStore _reconciliation;
    private readonly FeedStats _feeds;
    private readonly OpsAlerts _alerts;
    private readonly ILogger<OperationsGauges> _logger;
    private volatile Sample _sample = new([], [], 0, 0);

    private sealed record Sample(List<Measurement<long>> Outstanding, List<FeedStatus> Feeds, long MemoryUsed, long MemoryMax);

    public OperationsGauges(IConnectionMultiplexer redis, StoreKeys keys, ReconciliationStore reconciliation, FeedStats feeds, OpsAlerts alerts, IMeterFactory meterFactory,
        TimeProvider clock, ILogger<OperationsGauges> logger) : base(Interval, logger, clock)
    {
        (_redis, _keys, _reconciliation, _feeds, _alerts, _logger) = (redis, keys, reconciliation, feeds, alerts, logger);
        var meter = meterFactory.Create(IngestionMetrics.MeterName);
        meter.CreateObservableGauge("ingestion.reconciliation.outstanding", () => _sample.Outstanding,
            description: "Outstanding reconciliation items (open_round, orphan_rollback, conflicting_duplicate, reversed_payment) by source");
        meter.CreateObservableGauge("ingestion.feed.state", () => _sample.Feeds.SelectMany(f => States.Select(s =>
            new Measurement<long>(f.State == s ? 1 : 0, new("source", f.Source), new("state", s)))),
            description: "1 for each feed's current state (ok, quiet, silent, failing), 0 for the others");
        meter.CreateObservableGauge("ingestion.feed.lag.p99", () => _sample.Feeds.Where(f => f.LagP99Ms is not null)
            .Select(f => new Measurement<double>(f.LagP99Ms!.Value / 1000.0, new KeyValuePair<string, object?>("source", f.Source))), unit: "s",
            description: "99th percentile of arrival − event time over the last hour, by source");
        meter.CreateObservableGauge("store.memory.used", () => _sample.MemoryUsed, unit: "By", description: "Memory the store uses (largest node)");
        meter.CreateObservableGauge("store.memory.max", () => _sample.MemoryMax, unit: "By", description: "The store's maxmemory (0: unlimited)");
    }

    /// <summary>Takes one sample now, and fires or resolves the in-product alerts (<see cref="OpsAlerts"/>) it shows.</summary>
    public override async Task SampleAsync()
    {
        var report = await _reconciliation.ReadBySourceAsync();
        var outstanding = report.SelectMany(r => new[]
        {
            new Measurement<long>(r.Report.OpenRounds.Count, new("kind", "open_round"), new("source", r.Source)),
            new Measurement<long>(r.Report.OrphanRollbacks.Count, new("kind", "orphan_rollback"), new("source", r.Source)),
            new Measurement<long>(r.Report.ConflictingDuplicates.Count, new("kind", "conflicting_duplicate"), new("source", r.Source)),
            new Measurement<long>(r.Report.ReversedPayments.Count, new("kind", "reversed_payment"), new("source", r.Source)),
        }).ToList();
        var feedsReport = await _feeds.ReadAsync();
        var feeds = feedsReport.Items.ToList();
        long used = 0, max = 0;
        foreach (var server in _redis.GetServers().Where(s => s.IsConnected && !s.IsReplica))
        {
            try
            {
                // Sent as a plain command: the typed INFO needs the connection's admin mode, which Ingestion does not ask for.
                var info = (string?)await server.ExecuteAsync("INFO", "memory") ?? "";
                var memory = info.Split('\n').Select(l => l.Trim().Split(':', 2)).Where(p => p.Length == 2)
                    .ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
                // The node nearest its limit is the one that will refuse writes first.
                if (memory.TryGetValue("used_memory", out var u) && long.TryParse(u, CultureInfo.InvariantCulture, out var usedBytes) && usedBytes > used)
                {
                    used = usedBytes;
                    max = memory.TryGetValue("maxmemory", out var m) && long.TryParse(m, CultureInfo.InvariantCulture, out var maxBytes) ? maxBytes : 0;
                }
            }
            catch (Exception e) when (e is RedisServerException or RedisCommandException)
            {
                // A store without INFO memory (or refusing it) has no memory gauge; everything else still counts.
                _logger.LogDebug(e, "INFO memory refused by {Server}", server.EndPoint);
            }
        }
        _sample = new Sample(outstanding, feeds, used, max);
        // Written by Intelligence's model registry at each promotion (StoreKeys.ModelsPromotedAt), in the same store.
        var promoted = (await _redis.GetDatabase().HashGetAllAsync(_keys.ModelsPromotedAt))
            .ToDictionary(e => e.Name.ToString(), e => DateTimeOffset.FromUnixTimeMilliseconds((long)e.Value), StringComparer.Ordinal);
        await _alerts.UpdateAsync(OpsAlerts.Conditions(feeds, report, used, max, Clock.GetUtcNow(), promoted, feedsReport.Payments));
    }
}
