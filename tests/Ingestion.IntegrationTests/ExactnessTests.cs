using CsCheck;
using Ingestion.Events;
using Ingestion.Profiles;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Shared.Store;
using StackExchange.Redis;
using TestSupport;

namespace Ingestion.IntegrationTests;

/// <summary>
/// The profile is a function of the set of accepted events: random histories, delivered shuffled, duplicated and in
/// random batches, fold to exactly what the plain reference fold computes — on Redis and on Garnet alike.
/// </summary>
public class ExactnessTests(StoreServers servers)
{
    private static readonly DateTimeOffset Now = WalletHistory.Start.AddDays(1).AddHours(23);

    [Theory]
    [ClassData(typeof(StoreKinds))]
    public async Task AnyOrderDuplicationAndBatching_FoldsToTheReferenceProfile(string kind)
    {
        using var redis = await servers.ConnectAsync(kind);
        await Gen.Int.Select(Gen.Int[20, 160]).SampleAsync(async t =>
        {
            var (seed, count) = t;
            var rng = new Random(seed);
            var keys = new StoreKeys(TestKeys.Prefix());
            string[] players = ["p-1", "p-2", "p-3"];
            var history = WalletHistory.Generate(rng, players, count);

            // Deliver: every event at least once, a third of them again, all shuffled, in random batch sizes.
            var delivered = history.Concat(history.Where(_ => rng.Next(3) == 0)).OrderBy(_ => rng.Next()).ToList();
            await ApplyAsync(redis, keys, delivered, rng);

            foreach (var player in players) await AssertReferenceAsync(redis, keys, history, player, Now, $"seed {seed}");
        }, iter: 40, threads: 1);
    }

    [Theory]
    [ClassData(typeof(StoreKinds))]
    public async Task MonthsOfEventsInAnyPermutation_WithDuplicatesAndRollbacks_FoldToTheReferenceProfile(string kind)
    {
        using var redis = await servers.ConnectAsync(kind);
        await Gen.Int.Select(Gen.Int[40, 400], Gen.Int[30, 360]).SampleAsync(async t =>
        {
            var (seed, count, days) = t;
            var rng = new Random(seed);
            var keys = new StoreKeys(TestKeys.Prefix());
            string[] players = ["p-1", "p-2"];
            var history = WalletHistory.Generate(rng, players, count, days);

            // A multiset: every event once, some up to three more times, in one random permutation of the whole
            // span (a copy may come months before or after the original), in random batches.
            var delivered = history.SelectMany(e => Enumerable.Repeat(e, rng.Next(4) == 0 ? rng.Next(2, 5) : 1)).OrderBy(_ => rng.Next()).ToList();
            var outcomes = await ApplyAsync(redis, keys, delivered, rng);

            Assert.DoesNotContain(FoldOutcome.TooOld, outcomes);
            var end = WalletHistory.Start.AddDays(days);
            foreach (var player in players) await AssertReferenceAsync(redis, keys, history, player, end, $"seed {seed}, {count} events over {days} days");
        }, iter: 30, threads: 1);
    }

    [Theory]
    [ClassData(typeof(StoreKinds))]
    public async Task RollbackBeforeBet_CancelsTheBet(string kind)
    {
        using var redis = await servers.ConnectAsync(kind);
        var keys = new StoreKeys(TestKeys.Prefix());
        var t = WalletHistory.Start.AddHours(10);
        GenEvent bet = new("wallet.bet", "b1", "p", t, Tx: "tx-1", Game: "g", Amount: 5);
        GenEvent rollback = new("wallet.rollback", "r1", "p", t.AddSeconds(1), Tx: "rb-1", Ref: "tx-1");
        GenEvent other = new("wallet.bet", "b2", "p", t, Tx: "tx-2", Game: "g", Amount: 7);

        var outcomes = await ApplyAsync(redis, keys, [rollback, bet, other, bet, rollback], new Random(1), batch: 1);

        Assert.Equal([FoldOutcome.Applied, FoldOutcome.Applied, FoldOutcome.Applied, FoldOutcome.Duplicate, FoldOutcome.Duplicate], outcomes);
        var p = await ReadAsync(redis, keys, "p");
        Assert.Equal(1, p!.Lifetime.BetCount);
        Assert.Equal(7m, p.Lifetime.StakeAmount);
    }

    [Theory]
    [ClassData(typeof(StoreKinds))]
    public async Task RollbackWeeksAfterItsBet_CancelsIt_OnTheBetsDay_AndTheBetResentMonthsLaterCountsOnce(string kind)
    {
        using var redis = await servers.ConnectAsync(kind);
        var keys = new StoreKeys(TestKeys.Prefix());
        var t = WalletHistory.Start;
        GenEvent bet = new("wallet.bet", "b1", "p", t, Tx: "tx-1", Game: "g", Amount: 5, Bonus: 1);
        GenEvent win = new("wallet.win", "w1", "p", t.AddMinutes(1), Tx: "tx-w", Game: "g", Amount: 12);
        GenEvent later = new("wallet.bet", "b2", "p", t.AddDays(50), Tx: "tx-2", Game: "g", Amount: 2);
        GenEvent rollback = new("wallet.rollback", "r1", "p", t.AddDays(42), Tx: "rb-1", Ref: "tx-1");
        GenEvent rollbackOfWin = new("wallet.rollback", "r2", "p", t.AddDays(43), Tx: "rb-2", Ref: "tx-w");
        GenEvent resent = bet with { Id = "b1-again" };
        GenEvent[] events = [bet, win, later, rollback, rollbackOfWin, rollback, resent];

        var outcomes = await ApplyAsync(redis, keys, events, new Random(2), batch: 1);

        Assert.Equal([FoldOutcome.Applied, FoldOutcome.Applied, FoldOutcome.Applied, FoldOutcome.Applied, FoldOutcome.Applied,
            FoldOutcome.Duplicate, FoldOutcome.Duplicate], outcomes);
        var end = t.AddDays(60);
        await AssertReferenceAsync(redis, keys, events, "p", end, "");
        var p = (await ReadAsync(redis, keys, "p", end))!;
        Assert.Equal((1L, 2m, 0m, 0m), (p.Lifetime.BetCount, p.Lifetime.StakeAmount, p.Lifetime.WinAmount, p.Lifetime.BonusStakeAmount));
        Assert.Equal(2, p.Lifetime.ActiveDays);
    }

    [Theory]
    [ClassData(typeof(StoreKinds))]
    public async Task PaymentStates_CountByRank_WhateverOrderTheyArriveIn(string kind)
    {
        using var redis = await servers.ConnectAsync(kind);
        var t = WalletHistory.Start.AddHours(3);
        GenEvent pending = new("wallet.deposit", "d1", "p", t, Tx: "dep-1", Amount: 50, Status: "pending");
        GenEvent approved = new("wallet.deposit", "d2", "p", t.AddDays(2), Tx: "dep-1", Amount: 50, Status: "approved");
        // A decline reported after the approval does not undo it: approved ranks above rejected (contract 1b).
        GenEvent rejected = new("wallet.deposit", "d3", "p", t.AddDays(3), Tx: "dep-1", Amount: 50, Status: "rejected");
        GenEvent[] states = [pending, approved, rejected];
        var orders = new[] { new[] { 0, 1, 2 }, [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0] };
        foreach (var order in orders)
        {
            var keys = new StoreKeys(TestKeys.Prefix());
            var outcomes = await ApplyAsync(redis, keys, [.. order.Select(i => states[i]), .. order.Select(i => states[i])], new Random(2), batch: 1);
            var p = (await ReadAsync(redis, keys, "p", t.AddDays(3)))!;
            Assert.Equal((1L, 50m), (p.Lifetime.DepositCount, p.Lifetime.DepositAmount));
            // The money counts on the approved state's day (two days before now), not on the pending or the rejected one's.
            Assert.Equal((1L, 50m), (p.Windows["7d"].DepositCount, p.Windows["7d"].DepositAmount));
            Assert.Equal(0, p.Windows["1d"].DepositCount);
            Assert.Equal(t.AddDays(2), p.Lifetime.FirstDepositAt);
            Assert.Equal(3, outcomes.Take(3).Count(o => o is FoldOutcome.Applied or FoldOutcome.Superseded));
            Assert.All(outcomes.Skip(3), o => Assert.Equal(FoldOutcome.Duplicate, o));
        }
    }

    [Theory]
    [ClassData(typeof(StoreKinds))]
    public async Task ATransactionResentWithOtherContent_CountsOnce_AndIsReportedAsAConflict(string kind)
    {
        using var redis = await servers.ConnectAsync(kind);
        var keys = new StoreKeys(TestKeys.Prefix());
        var t = WalletHistory.Start.AddHours(1);
        GenEvent bet = new("wallet.bet", "b1", "p", t, Tx: "tx-1", Game: "g", Amount: 5);
        GenEvent[] resends =
        [
            bet with { Id = "b2" },
            bet with { Id = "b3", Amount = 6 },
            bet with { Id = "b4", Game = "h" },
            bet with { Id = "b5", Bonus = 1 },
            new("wallet.win", "w1", "p", t, Tx: "tx-1", Game: "g", Amount: 5),
        ];

        var outcomes = await ApplyAsync(redis, keys, [bet, .. resends], new Random(3), batch: 1);

        Assert.Equal([FoldOutcome.Applied, FoldOutcome.Duplicate, FoldOutcome.Conflict, FoldOutcome.Conflict, FoldOutcome.Conflict, FoldOutcome.Conflict], outcomes);
        var p = (await ReadAsync(redis, keys, "p"))!;
        Assert.Equal((1L, 5m, 0m), (p.Lifetime.BetCount, p.Lifetime.StakeAmount, p.Lifetime.WinAmount));
    }

    [Theory]
    [ClassData(typeof(StoreKinds))]
    public async Task AttributesAndRestrictions_AreLastWriterWins_ByEventTime(string kind)
    {
        using var redis = await servers.ConnectAsync(kind);
        var parser = Parser();
        var t = WalletHistory.Start;
        string E(string id, string type, DateTimeOffset time, string data) =>
            $$"""{"specversion":"1.0","id":"{{id}}","source":"/pam","type":"{{type}}","time":"{{time:O}}","subject":"p","data":{{data}}}""";
        string[] events =
        [
            E("1", "player.registered", t, """{"country":"MT","currency":"EUR","affiliateId":"aff-9","btag":"a9_b77","clickId":"clk-123","campaign":"spring"}"""),
            E("2", "player.updated", t.AddHours(2), """{"country":"DE","kycStatus":"verified"}"""),
            E("3", "player.consent", t.AddHours(1), """{"channel":"email","granted":true}"""),
            E("4", "player.consent", t.AddHours(3), """{"channel":"email","granted":false}"""),
            E("5", "player.rg", t.AddHours(4), """{"kind":"self_exclusion","until":"2027-05-01T00:00:00Z"}"""),
            E("6", "player.rg", t.AddHours(1), """{"kind":"lifted"}"""),
        ];
        foreach (var order in new[] { events, events.Reverse().ToArray() })
        {
            var keys = new StoreKeys(TestKeys.Prefix());
            var writer = new ProfileWriter(redis, keys, new FakeTimeProvider(Now), Metrics());
            await writer.ApplyAsync(order.Select(j => parser.Parse(System.Text.Json.JsonDocument.Parse(j).RootElement)).ToList());
            var p = await ReadAsync(redis, keys, "p");
            Assert.Equal("DE", p!.Country);
            Assert.Equal("verified", p.KycStatus);
            Assert.Equal(("aff-9", "a9_b77", "clk-123", "spring"), (p.AffiliateId, p.Btag, p.ClickId, p.Campaign));
            Assert.False(p.Consents["email"]);
            Assert.Equal(new DateTimeOffset(2027, 5, 1, 0, 0, 0, TimeSpan.Zero), p.Rg.SelfExcludedUntil);
            Assert.Equal(t, p.RegisteredAt);
        }
    }

    /// <summary>
    /// The receiver's clock when the histories arrive: after all of them (they span months from
    /// <see cref="WalletHistory.Start"/>), as for a backfill, so no event is ahead of it (Ingestion:MaxClockSkew).
    /// </summary>
    internal static readonly DateTimeOffset Received = WalletHistory.Start.AddYears(5);

    internal static EventParser Parser(FoldOptions? options = null) => new(options ?? new FoldOptions(), "EUR", new FakeTimeProvider(Received));

    internal static IngestionMetrics Metrics() => new(new TestMeterFactory());

    internal static async Task<List<FoldOutcome>> ApplyAsync(IConnectionMultiplexer redis, StoreKeys keys, IReadOnlyList<GenEvent> events, Random rng,
        int? batch = null, FoldOptions? options = null)
    {
        var parser = Parser(options);
        var writer = new ProfileWriter(redis, keys, new FakeTimeProvider(Now), Metrics(), Options.Create(options ?? new FoldOptions()));
        var outcomes = new List<FoldOutcome>();
        for (var i = 0; i < events.Count;)
        {
            var size = batch ?? rng.Next(1, 40);
            var slice = events.Skip(i).Take(size).Select(e => parser.Parse(e.ToElement())).ToList();
            outcomes.AddRange(await writer.ApplyAsync(slice));
            i += size;
        }
        return outcomes;
    }

    internal static async Task<Shared.Contracts.PlayerProfile?> ReadAsync(IConnectionMultiplexer redis, StoreKeys keys, string player, DateTimeOffset? now = null)
    {
        var db = redis.GetDatabase();
        return ProfileReader.Decode(player,
            await db.HashGetAllAsync(keys.Profile(player)), await db.HashGetAllAsync(keys.Days(player)),
            await db.HashGetAllAsync(keys.Games(player)), _ => null, now ?? Now);
    }

    /// <summary>The player's stored profile (lifetime, windows at <paramref name="now"/>, every game's play) is what the reference fold expects.</summary>
    internal static async Task AssertReferenceAsync(IConnectionMultiplexer redis, StoreKeys keys, IEnumerable<GenEvent> history, string player,
        DateTimeOffset now, string context)
    {
        var expected = WalletHistory.Expected(history, player, now);
        var games = await redis.GetDatabase().HashGetAllAsync(keys.Games(player));
        var difference = Simulator.Reference.ReferenceFold.Difference(expected, await ReadAsync(redis, keys, player, now),
            games.Select(g => (g.Name.ToString(), g.Value.ToString())));
        Assert.True(difference is null, $"{context}: {player}: {difference}");
    }
}

/// <summary>A meter factory for tests (metrics are created but not exported).</summary>
internal sealed class TestMeterFactory : System.Diagnostics.Metrics.IMeterFactory
{
    private readonly List<System.Diagnostics.Metrics.Meter> _meters = [];

    /// <summary>Whether this factory made <paramref name="meter"/> (tests in parallel make meters of the same name).</summary>
    public bool Made(System.Diagnostics.Metrics.Meter meter) => _meters.Contains(meter);

    public System.Diagnostics.Metrics.Meter Create(System.Diagnostics.Metrics.MeterOptions options)
    {
        var m = new System.Diagnostics.Metrics.Meter(options);
        _meters.Add(m);
        return m;
    }

    public void Dispose()
    {
        foreach (var m in _meters) m.Dispose();
    }
}
