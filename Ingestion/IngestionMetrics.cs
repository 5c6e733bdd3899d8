using System.Diagnostics.Metrics;
using Ingestion.Profiles;

namespace Ingestion;

/// <summary>Ingestion's own metrics: events by outcome, apply latency, rejected items and signature failures.</summary>
public sealed class IngestionMetrics
{
    public const string MeterName = "Casino.Ingestion";
    private readonly Counter<long> _events;
    private readonly Counter<long> _rejected;
    private readonly Histogram<double> _applySeconds;

    public IngestionMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _events = meter.CreateCounter<long>("ingestion.events", description: "Events processed, by outcome");
        _rejected = meter.CreateCounter<long>("ingestion.rejected", description: "Events rejected as invalid");
        _applySeconds = meter.CreateHistogram<double>("ingestion.apply.duration", unit: "s", description: "Time to apply one batch to the store");
    }

    public void Applied(FoldOutcome[] outcomes, TimeSpan elapsed)
    {
        long applied = 0, duplicate = 0, superseded = 0, late = 0;
        foreach (var o in outcomes)
        {
            switch (o)
            {
                case FoldOutcome.Applied: applied++; break;
                case FoldOutcome.Duplicate: duplicate++; break;
                case FoldOutcome.Superseded: superseded++; break;
                default: late++; break;
            }
        }
        if (applied > 0) _events.Add(applied, new KeyValuePair<string, object?>("outcome", "applied"));
        if (duplicate > 0) _events.Add(duplicate, new KeyValuePair<string, object?>("outcome", "duplicate"));
        if (superseded > 0) _events.Add(superseded, new KeyValuePair<string, object?>("outcome", "superseded"));
        if (late > 0) _events.Add(late, new KeyValuePair<string, object?>("outcome", "too_late"));
        _applySeconds.Record(elapsed.TotalSeconds);
    }

    public void Rejected(int count) => _rejected.Add(count);
}
