using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using Ingestion.Profiles;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Shared.Contracts;
using Shared.Store;
using TestSupport;

namespace Ingestion.IntegrationTests;

/// <summary>
/// The fold takes a batch player by player (a run: the player's events in their order, holding writes until the run
/// ends) and a run may continue over several script calls. Whatever the grouping, every event counts exactly once
/// and each item's result keeps its place in the request.
/// </summary>
public class PlayerRunTests(StoreServers servers)
{
    private static readonly DateTimeOffset T = new(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);

    private static string Event(string id, string type, string player, int second, string data) =>
        $$"""{"specversion":"1.0","id":"{{id}}","source":"/wallet","type":"{{type}}","time":"{{T.AddSeconds(second).ToString("O", CultureInfo.InvariantCulture)}}","subject":"{{player}}","data":{{data}}}""";

    private static string Bet(string id, string player, int second, string tx, string amount, string game = "g-1") =>
        Event(id, "wallet.bet", player, second, $$"""{"transactionId":"{{tx}}","roundId":"r-{{tx}}","gameId":"{{game}}","amount":{{amount}},"currency":"EUR"}""");

    public static TheoryData<string, int> KindsAndCallSizes()
    {
        var data = new TheoryData<string, int>();
        foreach (var kind in new StoreKinds().Select(row => row.Data))
        {
            // 1: every event its own call; 3: the player's run spans several calls; 200: the whole batch in one call.
            foreach (var perCall in new[] { 1, 3, 200 }) data.Add(kind, perCall);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(KindsAndCallSizes))]
    public async Task OnePlayersRun_WithADuplicateARollbackBeforeItsBetAndRejectedItems_CountsEveryEventOnce(string kind, int perCall)
    {
        await using var app = new IngestionApp(await servers.ConnectionStringAsync(kind),
            new Dictionary<string, string?> { ["Ingestion:EventsPerCall"] = perCall.ToString(CultureInfo.InvariantCulture) });
        string[] lines =
        [
            Bet("e-0", "p", 0, "tx-1", "2.00"),
            Event("e-1", "wallet.rollback", "p", 1, """{"transactionId":"rb-1","referenceTransactionId":"tx-2"}"""),
            Bet("e-2", "q", 2, "tx-9", "1.00"),
            Bet("e-3", "p", 3, "tx-2", "5.00"),
            Bet("e-4", "p", 4, "tx-1", "2.00"),
            Event("e-5", "wallet.win", "p", 5, """{"transactionId":"tx-3","roundId":"r-1","gameId":"g-1","amount":4.00,"currency":"EUR"}"""),
            Bet("e-6", "p", 6, "tx-4", "-1"),
            "{not json",
            Bet("e-8", "p", 8, "tx-5", "3.00", "g-2"),
            Event("e-9", "wallet.deposit", "p", 9, """{"transactionId":"dep-1","amount":50,"currency":"EUR","status":"pending"}"""),
            Event("e-10", "wallet.deposit", "p", 10, """{"transactionId":"dep-1","amount":50,"currency":"EUR","status":"approved"}"""),
            Bet("e-11", "q", 11, "tx-9", "1.00"),
        ];

        var response = await app.ClientWithKey(IngestionApp.WalletKey)
            .PostAsync("/v1/events", new StringContent(string.Join('\n', lines), Encoding.UTF8, "application/x-ndjson"));
        var result = (await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.IngestResult))!;

        // e-4 repeats tx-1 and e-11 repeats tx-9; the cancelled bet e-3 and the pending deposit are accepted.
        Assert.Equal(8, result.Accepted);
        Assert.Equal(2, result.Duplicates);
        Assert.Collection(result.Rejected,
            r => Assert.Equal(new RejectedEvent(6, "e-6", "field data.amount: must be > 0"), r),
            r => Assert.Equal(7, r.Index));

        var reader = new ProfileReader((StackExchange.Redis.IConnectionMultiplexer)app.Services.GetService(typeof(StackExchange.Redis.IConnectionMultiplexer))!,
            app.Keys, new FakeTimeProvider(T.AddHours(1)));
        var p = (await reader.ReadAsync("p", _ => null))!;
        Assert.Equal(2, p.Lifetime.BetCount);
        Assert.Equal(5.00m, p.Lifetime.StakeAmount);
        Assert.Equal(4.00m, p.Lifetime.WinAmount);
        Assert.Equal(1, p.Lifetime.DepositCount);
        Assert.Equal(50m, p.Lifetime.DepositAmount);
        Assert.Equal(T.AddSeconds(8), p.Lifetime.LastBetAt);
        Assert.Equal(1, p.Lifetime.ActiveDays);
        Assert.Equal([("g-1", 1L, 2.00m, T.AddSeconds(4)), ("g-2", 1L, 3.00m, T.AddSeconds(8))],
            p.Games.Recent.OrderBy(g => g.GameId, StringComparer.Ordinal).Select(g => (g.GameId, g.Rounds, g.StakeAmount, g.LastPlayedAt!.Value)));
        var q = (await reader.ReadAsync("q", _ => null))!;
        Assert.Equal(1, q.Lifetime.BetCount);
        Assert.Equal(1.00m, q.Lifetime.StakeAmount);
        foreach (var player in new[] { "p", "q" }) Assert.NotNull(await app.Db.SortedSetScoreAsync(app.Keys.RescorePending, player));
    }

    [Theory]
    [MemberData(nameof(KindsAndCallSizes))]
    public async Task Outcomes_KeepTheOrderOfTheCommands_WhenPlayersInterleave(string kind, int perCall)
    {
        using var redis = await servers.ConnectAsync(kind);
        var keys = new StoreKeys(TestKeys.Prefix());
        var writer = new ProfileWriter(redis, keys, new FakeTimeProvider(T), ExactnessTests.Metrics(),
            Options.Create(new FoldOptions { EventsPerCall = perCall }));
        var parser = ExactnessTests.Parser();
        string[] lines =
        [
            Bet("a", "p", 0, "tx-1", "1"),
            Bet("b", "q", 0, "tx-1", "1"),
            Bet("c", "p", 1, "tx-1", "1"),
            Event("d", "wallet.rollback", "q", 2, """{"transactionId":"rb-1","referenceTransactionId":"tx-1"}"""),
            Bet("e", "r", 0, "tx-1", "1"),
            Event("f", "wallet.rollback", "q", 3, """{"transactionId":"rb-2","referenceTransactionId":"tx-1"}"""),
        ];

        var outcomes = await writer.ApplyAsync(lines.Select(l => parser.Parse(System.Text.Json.JsonDocument.Parse(l).RootElement)).ToList());

        Assert.Equal([FoldOutcome.Applied, FoldOutcome.Applied, FoldOutcome.Duplicate, FoldOutcome.Applied, FoldOutcome.Applied, FoldOutcome.Duplicate], outcomes);
        var db = redis.GetDatabase();
        var q = ProfileReader.Decode("q", await db.HashGetAllAsync(keys.Profile("q")), await db.HashGetAllAsync(keys.Days("q")),
            await db.HashGetAllAsync(keys.Games("q")), _ => null, T.AddHours(1))!;
        Assert.Equal(0, q.Lifetime.BetCount);
    }
}
