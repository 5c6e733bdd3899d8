using Ingestion.Commands;
using Ingestion.DeadLetters;
using Ingestion.Events;
using Microsoft.Extensions.DependencyInjection;
using Shared.Store;
using StackExchange.Redis;
using TestSupport;

namespace Simulator.Tests;

/// <summary>The history the simulator writes, loaded by Ingestion's backfill, gives exactly the totals it reports.</summary>
public sealed class HistoryToProfilesTests(StoreServers servers)
{
    [Fact]
    public async Task BackfilledHistory_ProfilesEqualTheSimulatorsTotals()
    {
        var end = DateTimeOffset.UtcNow.AddMinutes(-1);
        var (dir, summary) = HistoryFiles.Generate(17, 40, 20, end);
        await using var app = new IngestionFactory((await servers.RedisAsync()).ConnectionString);

        // The backfill command's importer, wired to the service's own parser, fold and dead letters.
        var backfill = new Backfill(app.Services.GetRequiredService<EventIngestor>(), app.Services.GetRequiredService<DeadLetterStore>(),
            batch: 5_000, maxBytes: 10 * 1024 * 1024);
        var (files, missing) = NdJsonFiles.Expand([Path.Combine(dir, "events-*.ndjson.gz")]);
        Assert.Empty(missing);
        Assert.NotEmpty(files);
        long accepted = 0, duplicates = 0;
        foreach (var file in files)
        {
            var result = new FileResult(file);
            await backfill.ImportAsync(result, new PlainProgress(TimeSpan.FromHours(1)), TestContext.Current.CancellationToken);
            Assert.Equal(0, result.Rejected);
            accepted += result.Accepted;
            duplicates += result.Duplicates;
        }
        Assert.Equal(summary.EventLines, accepted + duplicates);
        Assert.True(duplicates >= summary.DuplicateLines);

        var reader = new ProfileReader(app.Services.GetRequiredService<IConnectionMultiplexer>(), new StoreKeys(app.Prefix), TimeProvider.System);
        foreach (var expected in summary.PerPlayer)
        {
            var profile = await reader.ReadAsync(expected.PlayerId, _ => null);
            var t = expected.Totals;
            if (profile is null)
            {
                Assert.Equal(0, t.BetCount + t.DepositCount);
                continue;
            }
            var l = profile.Lifetime;
            Assert.Equal((t.DepositCount, t.DepositAmount, t.WithdrawalCount, t.WithdrawalAmount, t.BetCount, t.StakeAmount, t.WinAmount, t.BonusStakeAmount),
                (l.DepositCount, l.DepositAmount, l.WithdrawalCount, l.WithdrawalAmount, l.BetCount, l.StakeAmount, l.WinAmount, l.BonusStakeAmount));
        }
        Assert.True(summary.Overall.BetCount > 1000);
    }
}
