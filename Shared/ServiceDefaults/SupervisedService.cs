using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Shared.ServiceDefaults;

/// <summary>
/// A background service that rides out faults. Whatever its loop throws (a store that went away at start-up, a
/// command the cluster refused, a bug in one round) is logged, counted in <c>service.background.faults</c> and followed
/// by a restart of the loop after a back-off with jitter (1 s doubling to 60 s; back to 1 s after a run of two minutes
/// without a fault). The host is never stopped: with the framework's default (<c>StopHost</c>) one exception in one loop
/// took the whole process down, and nothing restarted it. While a service backs off, or has not yet run two minutes
/// since its last fault, <c>/health/ready</c> reports it degraded (still 200, so the instance keeps serving requests).
/// </summary>
public abstract class SupervisedService(ILogger logger, TimeProvider? clock = null) : BackgroundService
{
    public static readonly TimeSpan FirstBackOff = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxBackOff = TimeSpan.FromSeconds(60);

    /// <summary>A run this long without a fault counts as recovered: the next back-off starts again at <see cref="FirstBackOff"/>.</summary>
    public static readonly TimeSpan HealthyRun = TimeSpan.FromMinutes(2);

    public const string MeterName = "Casino.Services";

    private static readonly Meter Meter = new(MeterName);
    private static readonly Counter<long> FaultCounter = Meter.CreateCounter<long>("service.background.faults", unit: "{fault}",
        description: "Faults that ended a background service's loop; each was followed by a restart after a back-off");

    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private readonly Random _jitter = new();
    private long _faults;
    private DateTimeOffset? _lastFaultAt;
    private string? _lastFault;
    private DateTimeOffset? _restartAt;

    /// <summary>The clock the service was given (the system clock by default).</summary>
    protected TimeProvider Clock => _clock;

    /// <summary>The name in logs, metrics and health.</summary>
    public string ServiceName => GetType().Name;

    /// <summary>Faults since the process started.</summary>
    public long Faults => Interlocked.Read(ref _faults);

    /// <summary>The last fault's type and message, and when it happened; null before any.</summary>
    public (DateTimeOffset At, string What)? LastFault => _lastFaultAt is { } at ? (at, _lastFault!) : null;

    /// <summary>When the loop restarts, while it backs off; null while it runs.</summary>
    public DateTimeOffset? RestartAt => _restartAt;

    /// <summary>Whether it faulted within <see cref="HealthyRun"/> or is backing off now.</summary>
    public bool Recovering => _restartAt is not null || (_lastFaultAt is { } at && _clock.GetUtcNow() - at < HealthyRun);

    /// <summary>The service's loop. Returning ends the service for good (e.g. a connector that is not configured).</summary>
    protected abstract Task RunAsync(CancellationToken stoppingToken);

    protected sealed override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var backOff = FirstBackOff;
        while (!stoppingToken.IsCancellationRequested)
        {
            var started = _clock.GetUtcNow();
            try
            {
                await RunAsync(stoppingToken);
                return;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                var now = _clock.GetUtcNow();
                if (now - started >= HealthyRun) backOff = FirstBackOff;
                Interlocked.Increment(ref _faults);
                FaultCounter.Add(1, new KeyValuePair<string, object?>("service", ServiceName));
                _lastFault = $"{e.GetType().Name}: {e.Message}";
                _lastFaultAt = now;
                // Full jitter in [backOff / 2, backOff): instances that failed together do not retry together.
                var wait = backOff * (0.5 + (_jitter.NextDouble() / 2));
                _restartAt = now + wait;
                logger.LogError(e, "{Service} failed; restarting it in {Wait} (fault {Faults})", ServiceName, wait, Faults);
                try
                {
                    await Task.Delay(wait, _clock, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                finally
                {
                    _restartAt = null;
                }
                backOff = TimeSpan.FromTicks(Math.Min(backOff.Ticks * 2, MaxBackOff.Ticks));
            }
        }
    }
}

/// <summary>Reports the <see cref="SupervisedService"/>s that faulted recently as degraded, naming them and their last fault.</summary>
public sealed class SupervisedServicesHealthCheck(IServiceProvider services) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var recovering = services.GetServices<IHostedService>().OfType<SupervisedService>().Distinct().Where(s => s.Recovering).ToList();
        if (recovering.Count == 0) return Task.FromResult(HealthCheckResult.Healthy());
        var data = recovering.ToDictionary(s => s.ServiceName, s => (object)($"{s.Faults} faults; last at {s.LastFault?.At:O}: {s.LastFault?.What}" +
            (s.RestartAt is { } at ? $"; restarts at {at:O}" : "")));
        return Task.FromResult(HealthCheckResult.Degraded($"recovering from faults: {string.Join(", ", recovering.Select(s => s.ServiceName))}", data: data));
    }
}
