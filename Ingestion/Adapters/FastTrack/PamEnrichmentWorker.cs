using Shared.ServiceDefaults;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Ingestion.Adapters.FastTrack;

/// <summary>
/// Drains the PAM pending set: claims the players that are due, looks each one up (a few at a time), and sleeps when
/// nothing is due. Exposes the number of pending players as the gauge <c>ingestion.pam.pending</c>. A store that does
/// not answer ends the loop: its supervisor counts the fault (<c>service.background.faults</c>), reports it degraded
/// and starts it again after a jittered back-off (the claimed jobs stay leased and come back after the lease). Any
/// other failure of a round (the PAM, a bug) only costs that round.
/// </summary>
public sealed partial class PamEnrichmentWorker : SupervisedService
{
    private readonly PamPendingSet _pending;
    private readonly IServiceScopeFactory _scopes;
    private readonly IOptions<PamOptions> _options;
    private readonly TimeProvider _clock;
    private readonly ILogger<PamEnrichmentWorker> _logger;
    private long _pendingCount;

    public PamEnrichmentWorker(PamPendingSet pending, IServiceScopeFactory scopes, IOptions<PamOptions> options,
        TimeProvider clock, IMeterFactory meterFactory, ILogger<PamEnrichmentWorker> logger) : base(logger, clock)
    {
        _pending = pending;
        _scopes = scopes;
        _options = options;
        _clock = clock;
        _logger = logger;
        meterFactory.Create(IngestionMetrics.MeterName).CreateObservableGauge("ingestion.pam.pending",
            () => Volatile.Read(ref _pendingCount), unit: "{player}",
            description: "Players waiting for a look-up in the operator's PAM (including those backing off after a failure)");
    }

    protected override async Task RunAsync(CancellationToken stoppingToken)
    {
        var o = _options.Value;
        if (!o.Enabled) return;
        while (!stoppingToken.IsCancellationRequested)
        {
            var claimed = 0;
            try
            {
                var jobs = await _pending.ClaimDueAsync(o.BatchSize);
                claimed = jobs.Count;
                if (claimed > 0)
                {
                    // A scope per round: the typed PamClient gets a fresh HttpClient over the factory's pooled handlers.
                    using var scope = _scopes.CreateScope();
                    await Parallel.ForEachAsync(jobs, new ParallelOptions { MaxDegreeOfParallelism = o.Parallelism, CancellationToken = stoppingToken },
                        async (job, ct) => await scope.ServiceProvider.GetRequiredService<PamConnector>().EnrichAsync(job, ct));
                }
                Volatile.Write(ref _pendingCount, await _pending.CountAsync());
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested && e is not (RedisException or TimeoutException))
            {
                // Never let one bad round stop the worker (and with it the host); leased jobs come back after the lease.
                LogRoundFailed(_logger, e);
                claimed = 0;
            }
            if (claimed < o.BatchSize)
            {
                try
                {
                    await Task.Delay(o.PollInterval, _clock, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "PAM enrichment round failed")]
    private static partial void LogRoundFailed(ILogger logger, Exception e);
}
