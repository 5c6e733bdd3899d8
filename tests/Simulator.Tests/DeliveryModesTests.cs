using Ingestion.Commands;
using Ingestion.DeadLetters;
using Ingestion.Events;
using Microsoft.Extensions.DependencyInjection;
using Shared.Store;
using Simulator.Delivery;
using Simulator.History;
using Simulator.Reference;
using StackExchange.Redis;
using TestSupport;

namespace Simulator.Tests;

/// <summary>
/// Whatever way the operator's history reaches Ingestion (per player reordered over weeks, table after table, late
/// wins, rollbacks weeks later, a week replayed a month later, a second backfill), the backfill folds every player
/// exactly to what the plain reference fold computes from the same files.
/// </summary>
public sealed class DeliveryModesTests(StoreServers servers)
{
    public static TheoryData<string> Modes => [.. DeliveryModes.Names.Keys];

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task EveryDeliveryMode_FoldsEveryPlayerExactlyAsTheReference(string mode)
    {
        var (dir, summary) = HistoryFiles.Generate(23, 30, 120, faults: new FaultRates(0.03, 0.03, 0.01, 0.02), delivery: DeliveryModes.Names[mode]);
        await using var app = new IngestionFactory((await servers.RedisAsync()).ConnectionString, "delivery");
        var backfill = new Backfill(app.Services.GetRequiredService<EventIngestor>(), app.Services.GetRequiredService<DeadLetterStore>(),
            batch: 2_000, maxBytes: 10 * 1024 * 1024);
        var (files, missing) = NdJsonFiles.Expand([Path.Combine(dir, HistoryGenerator.EventsPattern)]);
        Assert.Empty(missing);
        if (mode == "per-table") Assert.StartsWith("events-0-payments-", Path.GetFileName(files[0]), StringComparison.Ordinal);

        long lines = 0;
        foreach (var file in files)
        {
            var result = new FileResult(file);
            await backfill.ImportAsync(result, new PlainProgress(TimeSpan.FromHours(1)), TestContext.Current.CancellationToken);
            Assert.True(result.Rejected == 0, $"{Path.GetFileName(file)}: {string.Join("; ", result.FirstErrors.Select(e => e.Message))}");
            lines += result.Lines;
        }

        Assert.Equal(summary.EventLines, lines);
        var expected = ReferenceFold.FoldAll(HistoryFiles.Lines(dir).Select(RefEvent.Parse), summary.End);
        var db = app.Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase();
        var keys = new StoreKeys(app.Prefix);
        foreach (var (player, want) in expected)
        {
            var games = await db.HashGetAllAsync(keys.Games(player));
            var profile = ProfileReader.Decode(player, await db.HashGetAllAsync(keys.Profile(player)), await db.HashGetAllAsync(keys.Days(player)),
                games, _ => null, summary.End);
            var difference = ReferenceFold.Difference(want, profile, games.Select(g => (g.Name.ToString(), g.Value.ToString())));
            Assert.True(difference is null, $"{mode}: {player}: {difference}");
        }
        Assert.Equal(summary.Players, expected.Count);
        Assert.True(summary.Overall.BetCount > 1_000);
    }
}
