using System.Diagnostics.Metrics;
using Intelligence.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Shared.Store;
using StackExchange.Redis;
using TestSupport;

namespace Intelligence.Tests.Scoring;

/// <summary>
/// The sweep that rescores everyone: once for a set of served models however many instances hear of them or restart,
/// and on its schedule; never back to back when the schedule is off.
/// </summary>
public sealed class SweepTests(StoreServers servers)
{
    [Theory, ClassData(typeof(StoreKinds))]
    public async Task WithTheScheduleOff_OneSweepFollowsTheStart_AndAnotherInstanceDoesNotRepeatIt(string store)
    {
        var cs = await servers.ConnectionStringAsync(store);
        var prefix = TestKeys.Prefix($"sweep-{store}");
        await RegisterAsync(cs, prefix, "p-1", "p-2");
        var off = new Dictionary<string, string?> { ["Scoring:SweepInterval"] = "00:00:00" };
        await using var redis = await ConnectionMultiplexer.ConnectAsync(cs);
        var keys = new StoreKeys(prefix);

        await using var first = new IntelligenceApp(cs, prefix, off);
        using var firstSweeps = new SweepCounter(first);
        await UntilAsync(async () => (await redis.GetDatabase().StringGetAsync(keys.SweptVersions)).HasValue, "the start's sweep did not finish");
        await Task.Delay(1500, TestContext.Current.CancellationToken);
        Assert.Equal(1, firstSweeps.Count);
        Assert.True(await redis.GetDatabase().HashExistsAsync(keys.Scores("p-2"), "json"));

        // Same models, already swept: a second instance (or a restart) leaves the players alone.
        await using var second = new IntelligenceApp(cs, prefix, off);
        using var secondSweeps = new SweepCounter(second);
        await Task.Delay(2000, TestContext.Current.CancellationToken);
        Assert.Equal(0, secondSweeps.Count);
        Assert.Equal(1, firstSweeps.Count);
    }

    [Fact]
    public async Task OnASchedule_EveryoneIsRescoredAgain()
    {
        var cs = await servers.ConnectionStringAsync("redis");
        var prefix = TestKeys.Prefix("sweep-scheduled");
        await RegisterAsync(cs, prefix, "p-1");
        await using var app = new IntelligenceApp(cs, prefix, new Dictionary<string, string?> { ["Scoring:SweepInterval"] = "00:00:01" });
        using var sweeps = new SweepCounter(app);
        await UntilAsync(() => Task.FromResult(sweeps.Count >= 3), "fewer than three sweeps within the time allowed at one a second");
    }

    private static async Task RegisterAsync(string cs, string prefix, params string[] players)
    {
        await using var ingestion = new IngestionHost(cs, prefix);
        foreach (var id in players)
        {
            await ingestion.PostAsync($$$"""{"specversion":"1.0","id":"r-{{{id}}}","source":"/pam","type":"player.registered","time":"{{{DateTimeOffset.UtcNow:O}}}","subject":"{{{id}}}","data":{"country":"MT","currency":"EUR"}}""");
        }
    }

    private static async Task UntilAsync(Func<Task<bool>> condition, string failure)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, failure);
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Completed sweeps of one host, from its own <c>intelligence.sweeps</c> counter.</summary>
    private sealed class SweepCounter : IDisposable
    {
        private readonly MeterListener _listener = new();
        private long _count;

        public SweepCounter(IntelligenceApp app)
        {
            var factory = app.Services.GetRequiredService<IMeterFactory>();
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Name == "intelligence.sweeps" && ReferenceEquals(instrument.Meter.Scope, factory)) listener.EnableMeasurementEvents(instrument);
            };
            _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _count, value));
            _listener.Start();
        }

        public long Count => Interlocked.Read(ref _count);

        public void Dispose() => _listener.Dispose();
    }
}
