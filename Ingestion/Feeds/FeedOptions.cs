using System.ComponentModel.DataAnnotations;

namespace Ingestion.Feeds;

/// <summary>How a feed's state is judged against its own rhythm (section <c>Feeds</c>).</summary>
public sealed class FeedOptions
{
    public const string Section = "Feeds";

    /// <summary>Off, no traffic is recorded (the ingest benchmark measures its cost this way).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Past days whose same hour makes a source's usual rate (and how long its hours are kept).</summary>
    [Range(1, 60)]
    public int UsualDays { get; set; } = 7;

    /// <summary>Events the usual rate must predict over the judged quarter hour before a source can be quiet or silent.</summary>
    [Range(1, 1_000_000)]
    public int MinExpectedEvents { get; set; } = 10;

    /// <summary>Below this share of its usual rate a source is quiet (none at all: silent).</summary>
    [Range(0.0, 1.0)]
    public double QuietBelow { get; set; } = 0.25;

    /// <summary>At or above this share of rejected events in the quarter hour (and at least MinExpectedEvents events), a source is failing.</summary>
    [Range(0.0, 1.0)]
    public double FailingRejectedShare { get; set; } = 0.5;

    /// <summary>Deposit verdicts a payment provider must have had over the last hour before its decline share is judged.</summary>
    [Range(1, 1_000_000)]
    public int MinPaymentAttempts { get; set; } = 20;

    /// <summary>A provider's declines are spiking when its last hour's decline share is this much (absolute) above its usual one.</summary>
    [Range(0.01, 1.0)]
    public double DeclineSpikeOver { get; set; } = 0.2;
}
