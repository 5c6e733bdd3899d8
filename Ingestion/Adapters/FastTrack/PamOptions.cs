using System.ComponentModel.DataAnnotations;

namespace Ingestion.Adapters.FastTrack;

/// <summary>
/// Section <c>Pam</c>: the operator's player account management system, read the way Fast Track reads it
/// (<c>GET {BaseUrl}/userdetails/{id}</c>, <c>/userconsents/{id}</c>, <c>/userblocks/{id}</c>, authenticated by an
/// API key header). Off unless <c>Pam:Enabled</c>; then <c>Pam:BaseUrl</c> is required.
/// </summary>
public sealed class PamOptions
{
    public const string Section = "Pam";

    public bool Enabled { get; set; }

    /// <summary>Where the operator's endpoints live, e.g. <c>https://pam.example.com/fasttrack/</c>.</summary>
    public string? BaseUrl { get; set; }

    /// <summary>Sent in <see cref="ApiKeyHeader"/> with every request (Fast Track's operator API accepts X-Api-Key).</summary>
    public string? ApiKey { get; set; }

    [Required, RegularExpression("^[A-Za-z0-9-]+$", ErrorMessage = "Pam:ApiKeyHeader must be an HTTP header name")]
    public string ApiKeyHeader { get; set; } = "X-Api-Key";

    /// <summary>Time allowed for one HTTP attempt.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:05:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Immediate retries of a failed request (transient errors, 5xx, 408, 429), with exponential back-off from <see cref="RetryDelay"/>.</summary>
    [Range(0, 10)] public int Retries { get; set; } = 2;

    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The circuit opens when this share of requests failed within <see cref="SamplingDuration"/>…</summary>
    [Range(0.01, 1.0)] public double FailureRatio { get; set; } = 0.5;

    /// <summary>…and at least this many were made (the resilience library's minimum is 2).</summary>
    [Range(2, 10_000)] public int MinimumThroughput { get; set; } = 10;

    /// <summary>At least twice <see cref="Timeout"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.5", "1.00:00:00")]
    public TimeSpan SamplingDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an open circuit refuses calls before one is let through to test the PAM.</summary>
    [Range(typeof(TimeSpan), "00:00:00.5", "1.00:00:00")]
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Look-ups of one player that may fail before the job goes to the dead-letter list.</summary>
    [Range(1, 1000)] public int MaxAttempts { get; set; } = 12;

    /// <summary>Wait after a player's first failed look-up; it doubles after each further failure, up to <see cref="MaxBackoff"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00")]
    public TimeSpan Backoff { get; set; } = TimeSpan.FromSeconds(5);

    [Range(typeof(TimeSpan), "00:00:00.010", "7.00:00:00")]
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How often the pending set is checked when it had nothing due.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a claimed job is kept from other workers; a worker that dies gives it back after this.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan Lease { get; set; } = TimeSpan.FromMinutes(5);

    [Range(1, 1000)] public int BatchSize { get; set; } = 50;

    /// <summary>Players looked up at the same time.</summary>
    [Range(1, 64)] public int Parallelism { get; set; } = 4;

    internal static bool IsValidBaseUrl(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var u) && (u.Scheme == Uri.UriSchemeHttp || u.Scheme == Uri.UriSchemeHttps);

    /// <summary>The longest one request may take with its retries: the budget of the resilience pipeline.</summary>
    internal TimeSpan TotalRequestTimeout
    {
        get
        {
            var backoff = TimeSpan.Zero;
            for (var i = 0; i < Retries; i++) backoff += RetryDelay * Math.Pow(2, i) * 2; // room for the jitter
            return Timeout * (Retries + 1) + backoff + TimeSpan.FromMilliseconds(100);
        }
    }
}
