using System.Diagnostics.Metrics;
using Ingestion.Profiles;
using Microsoft.Extensions.Options;

namespace Ingestion.Events;

/// <summary>
/// The door of <c>POST /v1/events</c>: at most <see cref="FoldOptions.MaxRequestsInFlight"/> requests of this instance
/// are applied at once. The next ones wait their turn, first come first served, at most
/// <see cref="FoldOptions.MaxRequestsQueued"/> of them and each for at most <see cref="FoldOptions.MaxQueueWait"/>;
/// past either the request is refused (<c>429</c>, <c>Retry-After</c>) before it reads the store, and counted in
/// <c>ingestion.requests.shed</c>. Per instance, since what it bounds (fold calls queued on this process's store
/// connection) is per instance; more instances behind a balancer take more.
/// </summary>
/// <remarks>
/// Without the queue, a sender whose pool holds more connections than the door has places met a refusal on every
/// other request as soon as requests slowed, each refusal costing a round trip and a second of <c>Retry-After</c>
/// for a bet that would have been applied a few milliseconds later: at 2,000 bets/s over 256 connections against 128
/// places, four refusals per bet applied, the two cores spent on answering them and the store starved of CPU. A short
/// bounded wait keeps the refusal for real overload.
/// </remarks>
public sealed class IngestAdmission : IDisposable
{
    private readonly int _limit;
    private readonly int _queueLimit;
    private readonly TimeSpan _maxWait;
    private readonly SemaphoreSlim _places;
    private readonly Counter<long> _shed;
    private int _waiting;

    public IngestAdmission(IOptions<FoldOptions> options, IMeterFactory meterFactory)
    {
        _limit = options.Value.MaxRequestsInFlight;
        _queueLimit = options.Value.MaxRequestsQueued;
        _maxWait = options.Value.MaxQueueWait;
        _places = new SemaphoreSlim(_limit, _limit);
        var meter = meterFactory.Create(IngestionMetrics.MeterName);
        _shed = meter.CreateCounter<long>("ingestion.requests.shed",
            description: "Event requests refused with 429: every place taken and the queue full, or no place within Ingestion:MaxQueueWait");
        meter.CreateObservableGauge("ingestion.requests.in_flight", () => InFlight, description: "Event requests being applied by this instance now");
        meter.CreateObservableGauge("ingestion.requests.queued", () => Waiting, description: "Event requests waiting for a place at this instance now");
    }

    public int Limit => _limit;

    public int QueueLimit => _queueLimit;

    public TimeSpan MaxWait => _maxWait;

    public int InFlight => _limit - _places.CurrentCount;

    public int Waiting => Volatile.Read(ref _waiting);

    /// <summary>
    /// Takes a place, waiting in the queue for one if every place is taken; null (the refusal counted) when the queue is
    /// full or no place came free within <see cref="FoldOptions.MaxQueueWait"/>. A place taken is given back by disposing.
    /// </summary>
    public async ValueTask<Place?> EnterAsync(CancellationToken cancellationToken = default)
    {
        if (_places.Wait(0, CancellationToken.None)) return new Place(this);
        if (Interlocked.Increment(ref _waiting) > _queueLimit)
        {
            Interlocked.Decrement(ref _waiting);
            _shed.Add(1);
            return null;
        }
        try
        {
            if (_maxWait > TimeSpan.Zero && await _places.WaitAsync(_maxWait, cancellationToken)) return new Place(this);
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }
        _shed.Add(1);
        return null;
    }

    public void Dispose() => _places.Dispose();

    public sealed class Place(IngestAdmission admission) : IDisposable
    {
        private int _left;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _left, 1) == 0) admission._places.Release();
        }
    }
}
