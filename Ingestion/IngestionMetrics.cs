using Shared.ServiceDefaults;
using System.Diagnostics.Metrics;
using Ingestion.DeadLetters;
using Shared.Store;
using StackExchange.Redis;

namespace Ingestion;

/// <summary>
/// Ingestion's own metrics: events by outcome (their rate is the ingestion rate), apply latency, rejected items, and
/// two gauges sampled in the background by <see cref="IngestionGaugeSampler"/>: the rescoring lag (age of the oldest
/// change not yet rescored) and the size of the dead-letter list.
/// </summary>
public sealed class IngestionMetrics
{
    public const string MeterName = "Casino.Ingestion";
    private readonly Counter<long> _events;
    private readonly Counter<long> _rejected;
    private readonly Histogram<double> _applySeconds;
    private readonly Counter<long> _rounds;
    private readonly Counter<long> _roundRequests;
    private double _lagSeconds;
    private long _deadLetters;

    public IngestionMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _events = meter.CreateCounter<long>("ingestion.events", description: "Events processed, by outcome");
        _rejected = meter.CreateCounter<long>("ingestion.rejected", description: "Events rejected as invalid");
        _applySeconds = meter.CreateHistogram<double>("ingestion.apply.duration", unit: "s",
            description: "Time to apply one request's events to the store, its wait for a round of the group commit included");
        _rounds = meter.CreateCounter<long>("ingestion.fold.rounds", description: "Rounds of store calls the group commit made (each applies the requests that waited together)");
        _roundRequests = meter.CreateCounter<long>("ingestion.fold.round_requests", description: "Requests applied by those rounds (divided by the rounds: requests per round)");
        meter.CreateObservableGauge("ingestion.lag", () => Volatile.Read(ref _lagSeconds), unit: "s",
            description: "Age of the oldest profile change not yet rescored (0 when none waits)");
        meter.CreateObservableGauge("ingestion.deadletters", () => Interlocked.Read(ref _deadLetters),
            description: "Messages on the dead-letter list");
    }

    /// <summary>The latest sample of the gauges (a scrape reads these, it never calls the store).</summary>
    public void Sampled(TimeSpan lag, long deadLetters)
    {
        Volatile.Write(ref _lagSeconds, Math.Max(0, lag.TotalSeconds));
        Interlocked.Exchange(ref _deadLetters, deadLetters);
    }

    /// <summary>Counts <paramref name="count"/> events of one outcome (the profile writer's: applied, duplicate, superseded, conflict, too_old).</summary>
    public void Counted(string outcome, long count)
    {
        if (count > 0) _events.Add(count, new KeyValuePair<string, object?>("outcome", outcome));
    }

    /// <summary>The time one batch took to apply to the store.</summary>
    public void Round(int requests)
    {
        _rounds.Add(1);
        _roundRequests.Add(requests);
    }

    public void AppliedIn(TimeSpan elapsed) => _applySeconds.Record(elapsed.TotalSeconds);

    public void Rejected(int count) => _rejected.Add(count);
}

/// <summary>
/// Samples the store for gauges every <paramref name="interval"/>, whatever the scrape rate; while the store is away
/// the gauges keep their last sample (the readiness check reports the store).
/// </summary>
public abstract class GaugeSampler : SupervisedService
{
    private readonly TimeSpan _interval;
    private readonly ILogger _logger;

    protected GaugeSampler(TimeSpan interval, ILogger logger, TimeProvider clock) : base(logger, clock) => (_interval, _logger) = (interval, logger);

    /// <summary>Takes one sample now.</summary>
    public abstract Task SampleAsync();

    protected override async Task RunAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_interval, Clock);
        do
        {
            try
            {
                await SampleAsync();
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                _logger.LogDebug(e, "Could not sample the gauges of {Sampler}", GetType().Name);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}

/// <summary>Samples the store for the gauges every <see cref="Interval"/>: two cheap reads, whatever the scrape rate.</summary>
public sealed class IngestionGaugeSampler(IConnectionMultiplexer redis, StoreKeys keys, DeadLetterStore deadLetters,
    IngestionMetrics metrics, TimeProvider clock, ILogger<IngestionGaugeSampler> logger) : GaugeSampler(Interval, logger, clock)
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(15);

    /// <summary>Takes one sample now.</summary>
    public override async Task SampleAsync()
    {
        var db = redis.GetDatabase();
        var oldest = db.SortedSetRangeByRankWithScoresAsync(keys.RescorePending, 0, 0);
        var letters = db.ListLengthAsync(deadLetters.Key);
        await Task.WhenAll(oldest, letters);
        var lag = oldest.Result is [var first]
            ? Clock.GetUtcNow() - DateTimeOffset.FromUnixTimeMilliseconds((long)first.Score)
            : TimeSpan.Zero;
        metrics.Sampled(lag, letters.Result);
    }
}

public static class IngestionMetricsExtensions
{
    /// <summary>Starts the background sampling of the lag and dead-letter gauges.</summary>
    public static IHostApplicationBuilder AddIngestionGauges(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<IngestionGaugeSampler>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<IngestionGaugeSampler>());
        return builder;
    }
}
