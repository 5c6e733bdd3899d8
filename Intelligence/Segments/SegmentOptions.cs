using System.ComponentModel.DataAnnotations;

namespace Intelligence.Segments;

/// <summary>Section <c>Segments</c>: marketers' segments, their live membership and the player index behind them.</summary>
public sealed class SegmentOptions
{
    public const string Section = "Segments";

    /// <summary>
    /// How often segments whose membership moves with time alone (relative dates such as <c>"-7d"</c>, and every
    /// marketing segment, as restrictions expire) are evaluated again over the index. Every segment is evaluated
    /// again after the index loads and after each UTC midnight, when the windows roll.
    /// </summary>
    public TimeSpan ReevaluateInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How often each segment's size is recorded for the size-over-time chart (also on every definition change).</summary>
    public TimeSpan SizeSnapshotInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Size points older than this are dropped.</summary>
    [Range(1, 3650)] public int SizeHistoryDays { get; set; } = 400;

    [Range(1, 64)] public int MaxRuleDepth { get; set; } = 10;
    [Range(1, 10_000)] public int MaxRuleNodes { get; set; } = 500;

    /// <summary>Values of one <c>in</c> / <c>nin</c> condition.</summary>
    [Range(1, 100_000)] public int MaxListValues { get; set; } = 1000;

    /// <summary>Segments that may exist at once (each is evaluated for every rescored player).</summary>
    [Range(1, 5000)] public int MaxSegments { get; set; } = 500;

    /// <summary>Audit entries kept, oldest dropped first.</summary>
    [Range(100, 10_000_000)] public int AuditCapacity { get; set; } = 100_000;

    /// <summary>Players read per store round trip when the index loads, and pages in flight.</summary>
    [Range(10, 10_000)] public int LoadPageSize { get; set; } = 500;
    [Range(1, 64)] public int LoadParallelism { get; set; } = 4;

    /// <summary>Membership changes of one segment applied per script call (keeps each call short for the store).</summary>
    [Range(10, 100_000)] public int ApplyChunk { get; set; } = 1000;

    /// <summary>
    /// Webhook and notification publications in flight for a bulk membership change (a segment created or edited). Kept
    /// low so that announcing a large segment does not queue ahead of live membership on the store connection.
    /// </summary>
    [Range(1, 256)] public int AnnounceParallelism { get; set; } = 4;

    /// <summary>
    /// How long the instance that changed memberships has to announce them (lobby channel, webhooks) before any instance
    /// announces them in its stead: changes are journalled in the store with the memberships, so a crash between the two
    /// loses no announcement. A bulk change (announced from a background queue) gets ten times as long.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")] public TimeSpan AnnounceGrace { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Partitions of the segment index (ranges of hash slots), shared out among the Intelligence instances; every
    /// instance must use the same number. More partitions share players out more evenly.
    /// </summary>
    [Range(1, 16384)] public int IndexPartitions { get; set; } = 256;

    /// <summary>
    /// At most this many index partitions on one instance (0: no limit), which bounds its memory whatever happens: an
    /// instance starting alone, or the last survivors of many, never try to hold everyone. Partitions no instance may
    /// take are served by none (previews answer 503) until more instances run. The same on every instance.
    /// </summary>
    [Range(0, 16384)] public int MaxPartitionsPerInstance { get; set; }

    /// <summary>
    /// How long a starting instance waits, after announcing itself, before it takes its partitions, so instances started
    /// together share them out at once instead of the first loading everyone.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")] public TimeSpan JoinSettle { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>How long an instance that stops heartbeating keeps its index partitions before the others take them over.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")] public TimeSpan InstanceLease { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a preview or insight waits for the other instances' answers before it answers 503.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")] public TimeSpan GatherTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long creating or editing a segment waits for every instance to have applied its partitions' members.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")] public TimeSpan BulkTimeout { get; set; } = TimeSpan.FromMinutes(2);
}
