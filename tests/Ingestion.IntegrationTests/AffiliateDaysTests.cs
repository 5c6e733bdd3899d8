using CsCheck;
using Ingestion.Profiles;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Shared.Store;
using Simulator.Reference;
using StackExchange.Redis;
using TestSupport;
using static Ingestion.IntegrationTests.ExactnessTests;

namespace Ingestion.IntegrationTests;

/// <summary>
/// The affiliates' per-day figures are kept as events are folded (fold.lua's affiliate block, moved to the affiliates
/// by <see cref="AffiliateDrain"/>) and equal what a plain reference computes over the set of events, whatever the order
/// (deposits before the registration, a chargeback before its approval, the affiliate changed by a later
/// registration), the duplicates, the batching and the number of writers — on Redis, Garnet and Redis Cluster.
/// </summary>
public class AffiliateDaysTests(StoreServers servers)
{
    private static readonly string[] Affiliates = ["aff-a", "aff-b", "aff-c"];

    [Theory]
    [ClassData(typeof(StoreKinds))]
    public async Task ShuffledDuplicatedHistories_FromTwoWriters_KeepTheReferencesAffiliateDays(string kind)
    {
        using var redis = await servers.ConnectAsync(kind);
        await Gen.Int.Select(Gen.Int[30, 200]).SampleAsync(async t =>
        {
            var (seed, count) = t;
            var rng = new Random(seed);
            var keys = new StoreKeys(TestKeys.Prefix());
            var history = History(rng, count, days: 5);
            var delivered = history.Concat(history.Where(_ => rng.Next(3) == 0)).OrderBy(_ => rng.Next()).ToList();

            // Two writers (two Ingestion instances) fold interleaved slices at once.
            var halves = delivered.Select((json, i) => (json, i)).GroupBy(x => x.i % 2).Select(g => g.Select(x => x.json).ToList()).ToList();
            await Task.WhenAll(halves.Select(h => ApplyJsonAsync(redis, keys, h, new Random(rng.Next()))));

            await AssertReferenceAsync(redis, keys, history, $"seed {seed}");
        }, iter: 25, threads: 1);
    }

    [Theory]
    [ClassData(typeof(StoreKinds))]
    public async Task AnOutboxLeftByACrashBeforeTheMove_IsMovedOnce_ByTheSendersRetry(string kind)
    {
        using var redis = await servers.ConnectAsync(kind);
        var keys = new StoreKeys(TestKeys.Prefix());
        var t = WalletHistory.Start.AddHours(5);
        string[] events =
        [
            Registered("r1", "p-1", t, "aff-a", "btag-1"),
            new GenEvent("wallet.deposit", "d1", "p-1", t.AddMinutes(3), Tx: "dep-1", Amount: 50, Status: "approved").ToJson(),
            new GenEvent("wallet.bet", "b1", "p-1", t.AddMinutes(4), Tx: "bet-1", Game: "g", Amount: 20).ToJson(),
        ];
        var parser = Parser();
        var writer = new ProfileWriter(redis, keys, new FakeTimeProvider(Received), Metrics());
        // The fold applies the events but the process dies before the outbox moves to the affiliate.
        var outboxes = new HashSet<string>(StringComparer.Ordinal);
        await writer.FoldAsync([.. events.Select(j => parser.Parse(System.Text.Json.JsonDocument.Parse(j).RootElement))], outboxes);
        Assert.Equal(["p-1"], outboxes);
        var reader = new AffiliateDayReader(redis, keys);
        Assert.Empty(await reader.AffiliatesAsync());

        // The sender heard nothing and sends again: all duplicates, and the outbox moves, once however often it is sent.
        for (var i = 0; i < 3; i++) await ApplyJsonAsync(redis, keys, events, new Random(i));

        await AssertReferenceAsync(redis, keys, events, "retried");
        var day = (long)(t.ToUnixTimeSeconds() / 86_400);
        var figures = (await reader.DaysAsync(day, day))["aff-a"][day];
        Assert.Equal((1L, 1L, 500_000L, 200_000L), (figures.Registrations, figures.Ftds, figures.FtdUnits, figures.GgrUnits));
        Assert.Equal(RedisValue.Null, await redis.GetDatabase().HashGetAsync(keys.Profile("p-1"), "Ao"));
        // One FTD to announce, however often the outbox moved.
        Assert.Equal(["p-1\t" + day + "\t500000\tbtag-1"], (await redis.GetDatabase().ListRangeAsync(keys.AffiliateFtds("aff-a"))).Select(v => v.ToString()));
    }

    [Theory]
    [ClassData(typeof(StoreKinds))]
    public async Task ALaterRegistrationWithAnotherAffiliate_MovesEveryDayOfThePlayer(string kind)
    {
        using var redis = await servers.ConnectAsync(kind);
        var keys = new StoreKeys(TestKeys.Prefix());
        var t = WalletHistory.Start.AddHours(5);
        string[] events =
        [
            new GenEvent("wallet.deposit", "d1", "p-1", t, Tx: "dep-1", Amount: 30, Status: "approved").ToJson(),
            Registered("r1", "p-1", t.AddDays(1), "aff-a", null),
            new GenEvent("wallet.deposit", "d2", "p-1", t.AddDays(2), Tx: "dep-1", Amount: 30, Status: "chargeback").ToJson(),
            new GenEvent("bonus.granted", "b1", "p-1", t.AddDays(2), Tx: "bonus-1", Amount: 5).ToJson(),
            Registered("r2", "p-1", t.AddDays(3), "aff-b", "b-7"),
        ];
        await ApplyJsonAsync(redis, keys, events[..4], new Random(1), batch: 1);
        await AssertReferenceAsync(redis, keys, events[..4], "before the second registration");
        await ApplyJsonAsync(redis, keys, events, new Random(2), batch: 1);
        await AssertReferenceAsync(redis, keys, events, "after it");

        var all = await new AffiliateDayReader(redis, keys).DaysAsync(0, long.MaxValue);
        Assert.All(all["aff-a"].Values, f => Assert.Equal(AffiliateFigures.Zero, f));
        var b = all["aff-b"].Values.Aggregate(AffiliateFigures.Zero, (s, f) => s.Plus(f));
        // The deposit was charged back: no deposit, one chargeback, still the player's first deposit; NGR = 0 − 5 − 30.
        Assert.Equal((0L, 1L, 300_000L, 1L, 300_000L, -350_000L), (b.Deposits, b.Ftds, b.FtdUnits, b.Chargebacks, b.ChargebackUnits, b.NgrUnits));
    }

    [Theory]
    [ClassData(typeof(StoreKinds))]
    public async Task MorePlayersOfOneAffiliateInARequestThanOneCallTakes_AreAllMovedOnce(string kind)
    {
        // A request's players are moved to their affiliate in calls of AffiliateDrain.PlayersPerCall: 450 players of
        // aff-a (and 50 of aff-b) in each of two requests cross it twice over, and a resend of the first moves nothing.
        using var redis = await servers.ConnectAsync(kind);
        var keys = new StoreKeys(TestKeys.Prefix());
        var rng = new Random(7);
        var t = WalletHistory.Start.AddHours(2);
        var events = new List<string>();
        for (var p = 0; p < 500; p++)
        {
            var affiliate = p < 450 ? "aff-a" : "aff-b";
            var player = $"p-{p}";
            events.Add(Registered($"r-{p}", player, t, affiliate, affiliate + "-btag"));
            events.Add(new GenEvent("wallet.deposit", $"d-{p}", player, t.AddMinutes(1), Tx: $"dep-{p}", Amount: 10 + p % 7, Status: "approved").ToJson());
            events.Add(new GenEvent("wallet.bet", $"b-{p}", player, t.AddMinutes(2), Tx: $"bet-{p}", Game: "g", Amount: 1 + p % 5).ToJson());
        }
        var shuffled = events.OrderBy(_ => rng.Next()).ToList();
        Assert.True(AffiliateDrain.PlayersPerCall * 2 < 450, "the test no longer crosses the limit");

        await ApplyJsonAsync(redis, keys, shuffled, rng, batch: shuffled.Count / 2 + 1);
        await ApplyJsonAsync(redis, keys, shuffled[..(shuffled.Count / 2 + 1)], rng, batch: shuffled.Count / 2 + 1);

        await AssertReferenceAsync(redis, keys, events, "500 players");
        var db = redis.GetDatabase();
        Assert.Equal(450, await db.ListLengthAsync(keys.AffiliateFtds("aff-a")));
        Assert.Equal(50, await db.ListLengthAsync(keys.AffiliateFtds("aff-b")));
        Assert.All(await Task.WhenAll(Enumerable.Range(0, 500).Select(p => db.HashGetAsync(keys.Profile($"p-{p}"), "Ao"))), ao => Assert.True(ao.IsNull));
    }

    internal static string Registered(string id, string player, DateTimeOffset time, string? affiliate, string? btag)
    {
        var extra = (affiliate is null ? "" : $",\"affiliateId\":\"{affiliate}\"") + (btag is null ? "" : $",\"btag\":\"{btag}\"");
        return $$$"""{"specversion":"1.0","id":"{{{id}}}","source":"/test","type":"player.registered","time":"{{{time:O}}}","subject":"{{{player}}}","data":{"country":"DE","currency":"EUR"{{{extra}}}}}""";
    }

    internal static string SelfExcluded(string id, string player, DateTimeOffset time) =>
        $$$"""{"specversion":"1.0","id":"{{{id}}}","source":"/test","type":"player.rg","time":"{{{time:O}}}","subject":"{{{player}}}","data":{"kind":"self_exclusion"}}""";

    /// <summary>Wallet histories of six players, each with none, one or two registrations (any affiliate, or none) at any time, some self-excluding.</summary>
    internal static List<string> History(Random rng, int count, int days)
    {
        string[] players = ["p-1", "p-2", "p-3", "p-4", "p-5", "p-6"];
        var events = WalletHistory.Generate(rng, players, count, days).Select(e => e.ToJson()).ToList();
        DateTimeOffset Time() => WalletHistory.Start.AddSeconds(rng.Next(0, days * 86_400)).AddMilliseconds(rng.Next(0, 3) * 250);
        var n = 0;
        foreach (var p in players)
        {
            for (var i = rng.Next(3); i > 0; i--)
            {
                var affiliate = rng.Next(5) == 0 ? null : Affiliates[rng.Next(Affiliates.Length)];
                events.Add(Registered($"reg-{n++}", p, Time(), affiliate, affiliate is null ? null : $"{affiliate}-btag-{rng.Next(3)}"));
            }
            if (rng.Next(3) == 0) events.Add(SelfExcluded($"se-{n++}", p, Time()));
        }
        return events;
    }

    internal static async Task ApplyJsonAsync(IConnectionMultiplexer redis, StoreKeys keys, IReadOnlyList<string> events, Random rng, int? batch = null)
    {
        var parser = Parser();
        var writer = new ProfileWriter(redis, keys, new FakeTimeProvider(Received), Metrics(), Options.Create(new FoldOptions()));
        for (var i = 0; i < events.Count;)
        {
            var size = batch ?? rng.Next(1, 40);
            await writer.ApplyAsync([.. events.Skip(i).Take(size).Select(j => parser.Parse(System.Text.Json.JsonDocument.Parse(j).RootElement))]);
            i += size;
        }
    }

    /// <summary>The stored per-affiliate days and the export's player rows equal the reference's (zero days and rows aside).</summary>
    internal static async Task AssertReferenceAsync(IConnectionMultiplexer redis, StoreKeys keys, IEnumerable<string> history, string context)
    {
        var rows = ReferenceAffiliates.Fold(history);
        var expected = ReferenceAffiliates.ByAffiliateDay(rows).Where(kv => kv.Value.Any(x => x != 0))
            .ToDictionary(kv => $"{kv.Key.Affiliate}|{kv.Key.Day}", kv => string.Join(' ', kv.Value));
        var reader = new AffiliateDayReader(redis, keys);
        var stored = await reader.DaysAsync(0, 100_000);
        var actual = stored.SelectMany(a => a.Value.Where(d => d.Value != AffiliateFigures.Zero).Select(d => ($"{a.Key}|{d.Key}", string.Join(' ', d.Value.ToArray()))))
            .ToDictionary(x => x.Item1, x => x.Item2);
        Assert.True(expected.OrderBy(kv => kv.Key).SequenceEqual(actual.OrderBy(kv => kv.Key)),
            $"{context}: expected {string.Join("; ", expected.OrderBy(kv => kv.Key))}\n got {string.Join("; ", actual.OrderBy(kv => kv.Key))}");

        var days = rows.Keys.Select(k => k.Day).DefaultIfEmpty(0).ToList();
        var exported = (await reader.PlayerDaysAsync(days.Min(), days.Max()))
            .ToDictionary(r => $"{r.AffiliateId}|{r.PlayerId}|{r.Day}", r => string.Join(' ', r.Figures.ToArray()));
        var expectedRows = rows.ToDictionary(kv => $"{kv.Key.Affiliate}|{kv.Key.Player}|{kv.Key.Day}", kv => string.Join(' ', kv.Value));
        Assert.True(expectedRows.OrderBy(kv => kv.Key).SequenceEqual(exported.OrderBy(kv => kv.Key)),
            $"{context}: export rows: expected {string.Join("; ", expectedRows.OrderBy(kv => kv.Key))}\n got {string.Join("; ", exported.OrderBy(kv => kv.Key))}");
    }
}
