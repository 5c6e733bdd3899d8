using System.Diagnostics.Metrics;

namespace Ingestion.Connectors.Catalog;

/// <summary>Pulls by outcome, games by change, and when the last pull succeeded (exported with Ingestion's meter).</summary>
public sealed class CatalogFeedMetrics
{
    private readonly Counter<long> _pulls;
    private readonly Counter<long> _games;
    private long _lastSuccessUnixSeconds;

    public CatalogFeedMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(IngestionMetrics.MeterName);
        _pulls = meter.CreateCounter<long>("catalog.feed.pulls", description: "Pulls of the aggregator's game list, by outcome");
        _games = meter.CreateCounter<long>("catalog.feed.games", description: "Games written or skipped by the feed, by change");
        meter.CreateObservableGauge("catalog.feed.last_success", () => Interlocked.Read(ref _lastSuccessUnixSeconds),
            unit: "s", description: "Unix time of the last successful pull (0: none yet)");
    }

    public DateTimeOffset? LastSuccessAt { get; private set; }

    public void Pulled(CatalogPullOutcome outcome, DateTimeOffset at)
    {
        _pulls.Add(1, new KeyValuePair<string, object?>("outcome", outcome.ToString().ToLowerInvariant()));
        if (outcome == CatalogPullOutcome.Failed) return;
        LastSuccessAt = at;
        Interlocked.Exchange(ref _lastSuccessUnixSeconds, at.ToUnixTimeSeconds());
    }

    public void Games(string change, int count)
    {
        if (count > 0) _games.Add(count, new KeyValuePair<string, object?>("change", change));
    }
}
