using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Shared.ServiceDefaults;

namespace Ingestion.UnitTests;

/// <summary>
/// A background loop that throws is restarted after a back-off with jitter, capped at a minute, reported degraded
/// meanwhile, and never stops the host.
/// </summary>
public sealed class SupervisedServiceTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 2, 9, 0, 0, TimeSpan.Zero);

    /// <summary>Throws on its first <paramref name="failures"/> runs, then runs until stopped.</summary>
    private sealed class Flaky(int failures, TimeProvider clock) : SupervisedService(NullLogger.Instance, clock)
    {
        private int _runs;
        public int Runs => Volatile.Read(ref _runs);
        public bool Running { get; private set; }

        protected override async Task RunAsync(CancellationToken stoppingToken)
        {
            if (Interlocked.Increment(ref _runs) <= failures) throw new InvalidOperationException("the store went away");
            Running = true;
            await Task.Delay(Timeout.Infinite, stoppingToken);
        }
    }

    private static async Task UntilAsync(Func<bool> condition)
    {
        var waited = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(10), "the service did not get there");
            await Task.Delay(5);
        }
    }

    private static async Task<HealthStatus> HealthAsync(IHostedService service)
    {
        var provider = new ServiceCollection().AddSingleton(service).BuildServiceProvider();
        var result = await new SupervisedServicesHealthCheck(provider).CheckHealthAsync(new HealthCheckContext());
        return result.Status;
    }

    [Fact]
    public async Task AFailingLoop_IsRestartedAfterABackOffThatDoubles_AndReportedDegradedUntilItHasRunAWhile()
    {
        var clock = new FakeTimeProvider(Start);
        using var service = new Flaky(failures: 2, clock);
        await service.StartAsync(TestContext.Current.CancellationToken);

        await UntilAsync(() => service.Faults == 1 && service.RestartAt is not null);
        var first = service.RestartAt!.Value - clock.GetUtcNow();
        Assert.InRange(first, TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(1));
        Assert.Equal(HealthStatus.Degraded, await HealthAsync(service));
        Assert.Equal("InvalidOperationException: the store went away", service.LastFault!.Value.What);

        clock.Advance(first);
        await UntilAsync(() => service.Faults == 2 && service.RestartAt is not null);
        var second = service.RestartAt!.Value - clock.GetUtcNow();
        Assert.InRange(second, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2));

        clock.Advance(second);
        await UntilAsync(() => service.Running);
        Assert.Equal(3, service.Runs);
        // Running again, but not yet for long: still degraded.
        Assert.True(service.Recovering);
        Assert.Equal(HealthStatus.Degraded, await HealthAsync(service));

        clock.Advance(SupervisedService.HealthyRun);
        Assert.False(service.Recovering);
        Assert.Equal(HealthStatus.Healthy, await HealthAsync(service));

        await service.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task ALoopThatKeepsFailing_BacksOffNoLongerThanTheCap_AndKeepsBeingRestarted()
    {
        var clock = new FakeTimeProvider(Start);
        using var service = new Flaky(failures: 12, clock);
        await service.StartAsync(TestContext.Current.CancellationToken);

        var waits = new List<TimeSpan>();
        for (var fault = 1; fault <= 12; fault++)
        {
            await UntilAsync(() => service.Faults == fault && service.RestartAt is not null);
            var wait = service.RestartAt!.Value - clock.GetUtcNow();
            waits.Add(wait);
            clock.Advance(wait);
        }
        await UntilAsync(() => service.Running);

        // 1, 2, 4, 8, 16, 32 s (each with up to half taken off by jitter), then the cap of 60 s, past it, every time.
        for (var i = 0; i < waits.Count; i++)
        {
            var backOff = TimeSpan.FromTicks(Math.Min(SupervisedService.FirstBackOff.Ticks << i, SupervisedService.MaxBackOff.Ticks));
            Assert.InRange(waits[i], backOff / 2, backOff);
        }
        Assert.All(waits.Skip(6), w => Assert.True(w <= SupervisedService.MaxBackOff));
        Assert.Equal(13, service.Runs);
        await service.StopAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task StoppingWhileItBacksOff_EndsAtOnce()
    {
        var clock = new FakeTimeProvider(Start);
        using var service = new Flaky(failures: int.MaxValue, clock);
        await service.StartAsync(TestContext.Current.CancellationToken);
        await UntilAsync(() => service.RestartAt is not null);

        await service.StopAsync(TestContext.Current.CancellationToken);
        Assert.True(service.ExecuteTask!.IsCompletedSuccessfully);
        Assert.Null(service.RestartAt);
    }
}
