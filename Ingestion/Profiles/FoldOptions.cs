using System.ComponentModel.DataAnnotations;

namespace Ingestion.Profiles;

/// <summary>Section <c>Ingestion</c>: how events are folded into profiles.</summary>
public sealed class FoldOptions
{
    public const string Section = "Ingestion";

    /// <summary>
    /// Days of history kept, back from each player's newest activity: the per-day buckets (windows up to 90 days need
    /// at least 91; Intelligence builds its point-in-time training sets from them, and VIP potential looks at a
    /// player's first 90 days after their first deposit, so the default keeps 400: 13 months, also a year-on-year
    /// view) and the ledger that makes duplicates, rollbacks and payment states exact in any order. An event whose
    /// day is this many days or more before the player's newest activity is refused (dead-lettered; replayable after
    /// raising this). At most 3,660: the ledger keeps a record's day modulo 4,096.
    /// </summary>
    [Range(91, 3660)] public int BucketRetentionDays { get; set; } = 400;

    /// <summary>Base-currency units per unit of a currency, used when an event carries no exchangeRate.</summary>
    public Dictionary<string, decimal> ExchangeRates { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// How far ahead of this service's clock an event's time (<c>time</c>, a session's <c>startedAt</c> and
    /// <c>endedAt</c>) may lie: senders' clocks drift, but an event dated next year would make every real event of the
    /// player "too old", prune their history and, as an <c>rg</c> lift, cancel every earlier restriction. Such an
    /// event is refused naming the field (dead-lettered, replayable once its time has come). A restriction's
    /// <c>until</c> is a future time by nature and is not bounded by this.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")] public TimeSpan MaxClockSkew { get; set; } = TimeSpan.FromMinutes(5);

    [Range(1, 100_000)] public int MaxBatchEvents { get; set; } = 10_000;

    /// <summary>
    /// Events folded by one script call. Larger shares the call's cost over more events but holds the store
    /// for longer (about 10 µs an event on Redis), delaying every other client meanwhile.
    /// </summary>
    [Range(1, 10_000)] public int EventsPerCall { get; set; } = 200;

    /// <summary>
    /// Rounds of store calls one instance has in flight at once; requests arriving meanwhile wait and are applied
    /// together in the next round (<see cref="ProfileWriter.ApplyAsync"/>). Fewer make larger rounds: less store time
    /// per event, a little more waiting.
    /// </summary>
    [Range(1, 1024)] public int FoldsInFlight { get; set; } = 4;

    /// <summary>Events one round takes at most from the requests waiting (a larger request still goes whole, alone).</summary>
    [Range(1, 100_000)] public int EventsPerFlush { get; set; } = 2_000;

    [Range(1024, 1_073_741_824)] public long MaxBodyBytes { get; set; } = 10 * 1024 * 1024;

    /// <summary>
    /// Event requests one instance applies at once (<c>POST /v1/events</c>, each up to <see cref="MaxBatchEvents"/>).
    /// One more is refused before it touches the store: <c>429</c> with <c>Retry-After</c>, nothing acknowledged, so an
    /// overloaded instance sheds load at its door instead of queueing fold calls (and their bodies) without bound.
    /// </summary>
    [Range(1, 100_000)] public int MaxRequestsInFlight { get; set; } = 128;

    /// <summary>
    /// Event requests that may wait for a place when all <see cref="MaxRequestsInFlight"/> are taken, first come first
    /// served; one more is refused at once (<c>429</c>). 0 refuses every request past the places. A waiting request
    /// holds its body, so this times <see cref="MaxBodyBytes"/> bounds the memory they take.
    /// </summary>
    [Range(0, 100_000)] public int MaxRequestsQueued { get; set; } = 512;

    /// <summary>How long a request waits for a place before it is refused (<c>429</c>, nothing acknowledged).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")] public TimeSpan MaxQueueWait { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The longest NDJSON line (one event) read, in bytes. A longer line is refused on its own, naming its line, and the
    /// others are applied: one runaway line (a log dump, a base64 blob) costs nothing but itself.
    /// </summary>
    [Range(256, 10 * 1024 * 1024)] public int MaxLineBytes { get; set; } = 64 * 1024;

    /// <summary>
    /// Replicas every written master must have confirmed (Redis <c>WAIT</c>) before events are acknowledged. 0 (the
    /// default) acknowledges once the master has applied them: Redis replicates asynchronously, so a master that dies
    /// in the next moment may take its last writes with it when its replica takes over. With 1 or more an
    /// acknowledged event survives the loss of its master; when the replicas do not confirm within
    /// <see cref="ReplicaWaitTimeout"/> the request is answered 503 and the sender resends it (events already applied
    /// then count as duplicates).
    /// </summary>
    [Range(0, 5)] public int WaitForReplicas { get; set; }

    /// <summary>How long to wait for <see cref="WaitForReplicas"/> replicas to confirm before answering 503.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")] public TimeSpan ReplicaWaitTimeout { get; set; } = TimeSpan.FromSeconds(1);
}
