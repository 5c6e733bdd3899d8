using System.ComponentModel.DataAnnotations;

namespace Intelligence.Webhooks;

/// <summary>
/// Section <c>Webhooks</c>: how deliveries are made and retried. Attempt <c>n</c> that fails is retried after
/// <see cref="InitialDelay"/> × 2^(n-1), capped at <see cref="MaxDelay"/>, of which a random half is jitter; after
/// <see cref="MaxAttempts"/> attempts the delivery goes to the dead-letter set.
/// </summary>
public sealed class WebhookOptions
{
    public const string Section = "Webhooks";

    /// <summary>Time allowed for one POST, from connecting to the receiver's status line.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:05:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Attempts of one delivery, the first included, before it is dead-lettered.</summary>
    [Range(1, 100)] public int MaxAttempts { get; set; } = 8;

    [Range(typeof(TimeSpan), "00:00:00.001", "1.00:00:00")]
    public TimeSpan InitialDelay { get; set; } = TimeSpan.FromSeconds(2);

    [Range(typeof(TimeSpan), "00:00:00.001", "7.00:00:00")]
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How often the outbox is checked when it had nothing due.</summary>
    [Range(typeof(TimeSpan), "00:00:00.005", "00:10:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a claimed delivery is kept from other instances; one whose instance died is retried after this.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan Lease { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Deliveries claimed at once.</summary>
    [Range(1, 1000)] public int BatchSize { get; set; } = 32;

    /// <summary>Deliveries in flight at the same time.</summary>
    [Range(1, 64)] public int Parallelism { get; set; } = 8;

    /// <summary>Dead letters kept; the oldest go first.</summary>
    [Range(1, 10_000_000)] public int DeadLetterCapacity { get; set; } = 100_000;

    /// <summary>
    /// Whether deliveries may go to loopback, private, link-local (cloud metadata) and other non-public addresses
    /// (<see cref="ReceiverAddresses"/>). Unset: only in Development.
    /// </summary>
    public bool? AllowPrivateAddresses { get; set; }

    /// <summary>Whether a webhook's URL must be https. Unset: in Production.</summary>
    public bool? RequireHttps { get; set; }

    /// <summary>The longest a claimed batch can take: its rounds of <see cref="Parallelism"/> POSTs, each up to <see cref="Timeout"/>.</summary>
    internal TimeSpan BatchBudget => Timeout * Math.Ceiling(BatchSize / (double)Parallelism);
}
