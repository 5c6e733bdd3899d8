using System.Diagnostics.Metrics;
using Shared.ServiceDefaults;
using StackExchange.Redis;

namespace Intelligence.Models;

/// <summary>
/// <c>intelligence.model.promotion.age</c> (Prometheus <c>intelligence_model_promotion_age_seconds{kind}</c>): seconds
/// since each model kind's served version was last promoted, read from the registry every <see cref="Interval"/> so a
/// scrape never reaches the store. deploy/prometheus/alerts.yml's ModelNotPromoted fires on it; a kind never
/// promoted has no series.
/// </summary>
public sealed class ModelPromotionAge : SupervisedService
{
    /// <summary>The meter of the models' own figures (exported beside the others: Program.cs).</summary>
    public const string ModelsMeterName = "Casino.Models";

    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);
    private readonly ModelRegistry _registry;
    private readonly ILogger<ModelPromotionAge> _logger;
    private volatile Dictionary<string, DateTimeOffset> _promotedAt = [];

    public ModelPromotionAge(ModelRegistry registry, IMeterFactory meterFactory, TimeProvider clock, ILogger<ModelPromotionAge> logger) : base(logger, clock)
    {
        (_registry, _logger) = (registry, logger);
        meterFactory.Create(ModelsMeterName).CreateObservableGauge("intelligence.model.promotion.age", Measure, unit: "s",
            description: "Seconds since each model kind's served version was last promoted");
    }

    /// <summary>The ages at the clock's now, from the last sample.</summary>
    internal IEnumerable<Measurement<double>> Measure()
    {
        var now = Clock.GetUtcNow();
        return _promotedAt.Select(p => new Measurement<double>(Math.Max(0, (now - p.Value).TotalSeconds), new KeyValuePair<string, object?>("kind", p.Key)));
    }

    /// <summary>Reads every kind's last promotion now.</summary>
    public async Task SampleAsync() => _promotedAt = await _registry.PromotedAtAsync();

    protected override async Task RunAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, Clock);
        do
        {
            try
            {
                await SampleAsync();
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                // The gauge keeps its last sample while the store is away (the readiness check reports the store).
                _logger.LogDebug(e, "Could not read the models' promotion times");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
