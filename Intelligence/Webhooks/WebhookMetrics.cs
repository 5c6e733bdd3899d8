using System.Diagnostics.Metrics;

namespace Intelligence.Webhooks;

/// <summary>
/// Webhook metrics, by event type: deliveries queued, delivered, failed attempts (by status), dead-lettered, dropped
/// (webhook deleted), and events suppressed because the player may not be marketed to (by reason and stage); plus the
/// outbox depth and dead-letter count, as last sampled by the delivery worker.
/// </summary>
public sealed class WebhookMetrics
{
    public const string MeterName = "Casino.Webhooks";

    private readonly Counter<long> _enqueued;
    private readonly Counter<long> _delivered;
    private readonly Counter<long> _failed;
    private readonly Counter<long> _deadLettered;
    private readonly Counter<long> _dropped;
    private readonly Counter<long> _suppressed;
    private long _outboxDepth;
    private long _deadLetters;

    public WebhookMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _enqueued = meter.CreateCounter<long>("webhooks.enqueued", "{delivery}", "Deliveries queued: one per event and listening webhook");
        _delivered = meter.CreateCounter<long>("webhooks.delivered", "{delivery}", "Deliveries a receiver accepted with a 2xx");
        _failed = meter.CreateCounter<long>("webhooks.failed", "{attempt}", "Attempts that failed, by status (an HTTP code, timeout or error)");
        _deadLettered = meter.CreateCounter<long>("webhooks.deadlettered", "{delivery}", "Deliveries that ran out of attempts");
        _dropped = meter.CreateCounter<long>("webhooks.dropped", "{delivery}", "Deliveries forgotten because their webhook was deleted");
        _suppressed = meter.CreateCounter<long>("webhooks.suppressed", "{event}",
            "Events not sent because the player may not be marketed to, by reason (the first, responsible-gambling ones before consent) and stage (publish or delivery)");
        meter.CreateObservableGauge("webhooks.outbox.depth", () => Interlocked.Read(ref _outboxDepth), "{delivery}",
            "Deliveries waiting, backing off or in flight");
        meter.CreateObservableGauge("webhooks.deadletters", () => Interlocked.Read(ref _deadLetters), "{delivery}",
            "Deliveries on the dead-letter set");
    }

    public void Enqueued(string type, int count)
    {
        if (count > 0) _enqueued.Add(count, Type(type));
    }

    public void Delivered(string type) => _delivered.Add(1, Type(type));

    public void Failed(string type, string status) => _failed.Add(1, Type(type), new("status", status));

    public void DeadLettered(string type) => _deadLettered.Add(1, Type(type));

    public void Dropped(string type) => _dropped.Add(1, Type(type));

    public void Suppressed(string type, string reason, string stage) =>
        _suppressed.Add(1, Type(type), new("reason", reason), new("stage", stage));

    public void Sampled(long outboxDepth, long deadLetters)
    {
        Interlocked.Exchange(ref _outboxDepth, outboxDepth);
        Interlocked.Exchange(ref _deadLetters, deadLetters);
    }

    private static KeyValuePair<string, object?> Type(string type) => new("type", type);
}
