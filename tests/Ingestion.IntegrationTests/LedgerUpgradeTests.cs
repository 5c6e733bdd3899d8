using System.Globalization;
using System.Text;
using Ingestion.Profiles;
using Shared.Store;
using StackExchange.Redis;
using TestSupport;

namespace Ingestion.IntegrationTests;

/// <summary>
/// A store written by the version before the retention-long ledger keeps working: on start the service carries the
/// old ledgers over before it folds anything, and events after the upgrade (new ones, duplicates of ones folded
/// before it, rollbacks of them) fold exactly.
/// </summary>
public sealed class LedgerUpgradeTests(StoreServers servers)
{
    [Theory]
    [ClassData(typeof(StoreKinds))]
    public async Task AStoreOfThePreviousVersion_IsCarriedOverOnStart_AndEverythingAfterFoldsExactly(string kind)
    {
        var connection = await servers.ConnectionStringAsync(kind);
        await using var app = new IngestionApp(connection);
        using var redis = await servers.ConnectAsync(kind);
        var rng = new Random(11);
        string[] players = ["p-1", "p-2"];
        var history = WalletHistory.Generate(rng, players, 300, lifecycle: false);
        var before = history.Take(150).ToList();
        await LegacyFold.ApplyAsync(redis, app.Keys, before.OrderBy(_ => rng.Next()).ToList());
        var db = redis.GetDatabase();
        Assert.True(await db.KeyExistsAsync(app.Keys.LegacyLedger("p-1")));

        // The rest, every event folded before the upgrade again (transactions also under another event id), all
        // shuffled, through the API of the new version.
        var after = history.Skip(150).Concat(before).Concat(before.Where(e => e.Tx is not null).Select(e => e with { Id = e.Id + "-resent" }))
            .OrderBy(_ => rng.Next()).ToList();
        var response = await app.ClientWithKey(IngestionApp.WalletKey).PostAsync(new Uri("/v1/events", UriKind.Relative),
            new StringContent(string.Join('\n', after.Select(e => e.ToJson())), Encoding.UTF8, "application/x-ndjson"), TestContext.Current.CancellationToken);

        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        foreach (var player in players)
        {
            Assert.False(await db.KeyExistsAsync(app.Keys.LegacyLedger(player)));
            await ExactnessTests.AssertReferenceAsync(redis, app.Keys, history, player, WalletHistory.Start.AddDays(1).AddHours(23), "after the upgrade");
        }
        Assert.Equal(LedgerUpgrade.Version, (string?)await db.StringGetAsync(app.Keys.StoreVersion));
    }

    [Fact]
    public void EveryEntryTheOldLedgerHeld_BecomesARecord()
    {
        Assert.Equal(LedgerRecords.Transaction("tx-7"), (byte[])LedgerUpgrade.Command("p", "x:tx-7", "b|20400|25000|5000|g:4|x")!.Args[1]!);
        Assert.Equal(LedgerRecords.Event("/test", "e-1"), (byte[])LedgerUpgrade.Command("p", "e:/test|e-1", "E|20400")!.Args[1]!);
        var bet = LedgerUpgrade.Command("p", "x:tx-7", "b|20400|25000|5000|g:4|x")!.Args;
        Assert.Equal(("mig", 20400L, (int)LedgerKind.Bet, "g:4|x"), ((string)bet[0]!, (long)bet[3], (int)bet[4], (string)bet[6]!));
        Assert.Equal(LedgerRecords.Bet(25_000, 5_000), (byte[])bet[5]!);
        var deposit = LedgerUpgrade.Command("p", "x:d-1", "D|20400|approved|500000|1763700000000")!.Args;
        Assert.Equal([8, .. LedgerRecords.Amount(500_000)], (byte[])deposit[5]!);
        Assert.Equal((int)LedgerKind.Cancelled, (int)LedgerUpgrade.Command("p", "x:tx-8", "C|20400")!.Args[4]);
        Assert.Null(LedgerUpgrade.Command("p", "x:tx-9", "?|20400"));
    }
}

/// <summary>Folds events with the previous version's script, building its arguments as its parser did.</summary>
internal static class LegacyFold
{
    private static readonly string Script = ReadScript();

    public static async Task ApplyAsync(IConnectionMultiplexer redis, StoreKeys keys, IEnumerable<GenEvent> events)
    {
        var db = redis.GetDatabase();
        foreach (var e in events)
        {
            RedisKey[] k = [keys.Profile(e.Player), keys.Days(e.Player), keys.Games(e.Player), keys.LegacyLedger(e.Player)];
            await db.ScriptEvaluateAsync(Script, k, [3, 400, 1, .. Args(e)]);
        }
    }

    private static RedisValue[] Args(GenEvent e)
    {
        static long Units(decimal amount, decimal rate) => (long)decimal.Round(amount * rate * 10_000m, 0, MidpointRounding.AwayFromZero);
        static long Day(DateTimeOffset t) => (long)Math.Floor(t.ToUnixTimeSeconds() / 86_400d);
        var ts = e.Time.ToUnixTimeMilliseconds();
        var eventKey = $"e:/test|{e.Id}";
        return e.Type switch
        {
            "wallet.bet" => ["bet", "x:" + e.Tx, ts, Day(e.Time), Units(e.Amount, e.Rate), Units(e.Bonus, e.Rate), e.Game],
            "wallet.win" => ["win", "x:" + e.Tx, ts, Day(e.Time), Units(e.Amount, e.Rate), e.Game],
            "wallet.deposit" => ["dep", "x:" + e.Tx, ts, Day(e.Time), Units(e.Amount, e.Rate), e.Status],
            "wallet.withdrawal" => ["wd", "x:" + e.Tx, ts, Day(e.Time), Units(e.Amount, e.Rate), e.Status],
            "wallet.rollback" => ["rb", "x:" + e.Ref, ts, Day(e.Time)],
            "player.login" => ["login", eventKey, ts, Day(e.Time), "mobile"],
            "game.session" => ["sess", eventKey, e.End!.Value.ToUnixTimeMilliseconds(), Day(e.Time), e.Game, ts, e.End!.Value.ToUnixTimeMilliseconds(), ""],
            "bonus.granted" => ["bonus", "B:" + e.Tx, ts, Day(e.Time), Units(e.Amount, 1)],
            _ => throw new InvalidOperationException(e.Type),
        };
    }

    private static string ReadScript()
    {
        using var stream = typeof(LegacyFold).Assembly.GetManifestResourceStream("fold-v1.lua")!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
