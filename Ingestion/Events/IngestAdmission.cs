using System.Diagnostics.Metrics;
using Ingestion.Profiles;
using Microsoft.Extensions.Options;

namespace Ingestion.Events;

/// <summary>
/// The door of <c>POST /v1/events</c>: at most <see cref="FoldOptions.MaxRequestsInFlight"/> requests of this instance
/// are applied at once; the next is refused (<c>429</c>, <c>Retry-After</c>) before it reads the store, and counted in
/// <c>ingestion.requests.shed</c>. Per instance, since what it bounds (fold calls queued on this process's store
/// connection) is per instance; more instances behind a balancer take more.
/// </summary>
public sealed class IngestAdmission
{
    private readonly int _limit;
    private readonly Counter<long> _shed;
    private int _inFlight;

    public IngestAdmission(IOptions<FoldOptions> options, IMeterFactory meterFactory)
    {
        _limit = options.Value.MaxRequestsInFlight;
        var meter = meterFactory.Create(IngestionMetrics.MeterName);
        _shed = meter.CreateCounter<long>("ingestion.requests.shed", description: "Event requests refused with 429 because the instance was applying its most at once");
        meter.CreateObservableGauge("ingestion.requests.in_flight", () => Volatile.Read(ref _inFlight),
            description: "Event requests being applied by this instance now");
    }

    public int Limit => _limit;

    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Takes a place, or says no (and counts the refusal) when every place is taken. A place taken is given back by disposing.</summary>
    public Place? TryEnter()
    {
        if (Interlocked.Increment(ref _inFlight) <= _limit) return new Place(this);
        Interlocked.Decrement(ref _inFlight);
        _shed.Add(1);
        return null;
    }

    public sealed class Place(IngestAdmission admission) : IDisposable
    {
        private int _left;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _left, 1) == 0) Interlocked.Decrement(ref admission._inFlight);
        }
    }
}
