using CsCheck;
using Ingestion.Events;
using Ingestion.Profiles;
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

            foreach (var player in players)
            {
                var expected = ReferenceFold.Fold(history, player, Now);
                var actual = await ReadAsync(redis, keys, player);
                if (actual is null)
                {
                    Assert.True(expected.Lifetime.BetCount == 0 && expected.Games.Count == 0, $"seed {seed}: {player} has no profile");
                    continue;
                }
                Assert.Equal(expected.Lifetime, actual.Lifetime);
                foreach (var (window, totals) in expected.Windows) Assert.Equal(totals, actual.Windows[window]);
                Assert.Equal(expected.Games.Values.OrderBy(g => g.GameId, StringComparer.Ordinal),
                    actual.Games.Recent.OrderBy(g => g.GameId, StringComparer.Ordinal));
            }
        }, iter: 40, threads: 1);
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
    public async Task PendingThenApprovedDeposit_CountsOnce_InEitherOrder(string kind)
    {
        using var redis = await servers.ConnectAsync(kind);
        var t = WalletHistory.Start.AddHours(3);
        GenEvent pending = new("wallet.deposit", "d1", "p", t, Tx: "dep-1", Amount: 50, Status: "pending");
        GenEvent approved = new("wallet.deposit", "d2", "p", t.AddMinutes(2), Tx: "dep-1", Amount: 50, Status: "approved");
        foreach (var order in new[] { new[] { pending, approved }, [approved, pending] })
        {
            var keys = new StoreKeys(TestKeys.Prefix());
            await ApplyAsync(redis, keys, order, new Random(2), batch: 1);
            var p = await ReadAsync(redis, keys, "p");
            Assert.Equal(1, p!.Lifetime.DepositCount);
            Assert.Equal(50m, p.Lifetime.DepositAmount);
            Assert.Equal(t.AddMinutes(2), p.Lifetime.FirstDepositAt);
        }
    }

    [Theory]
    [ClassData(typeof(StoreKinds))]
    public async Task EventOlderThanTheHorizon_IsRefused_NotDoubleCounted(string kind)
    {
        using var redis = await servers.ConnectAsync(kind);
        var keys = new StoreKeys(TestKeys.Prefix());
        var t = WalletHistory.Start;
        GenEvent recent = new("wallet.bet", "b1", "p", t.AddDays(10), Tx: "tx-new", Game: "g", Amount: 1);
        GenEvent old = new("wallet.bet", "b0", "p", t, Tx: "tx-old", Game: "g", Amount: 1);

        var outcomes = await ApplyAsync(redis, keys, [recent, old], new Random(3), batch: 1);

        Assert.Equal([FoldOutcome.Applied, FoldOutcome.TooLate], outcomes);
        Assert.Equal(1, (await ReadAsync(redis, keys, "p"))!.Lifetime.BetCount);
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
            E("1", "player.registered", t, """{"country":"MT","currency":"EUR","affiliateId":"aff-9"}"""),
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
            Assert.Equal("aff-9", p.AffiliateId);
            Assert.False(p.Consents["email"]);
            Assert.Equal(new DateTimeOffset(2027, 5, 1, 0, 0, 0, TimeSpan.Zero), p.Rg.SelfExcludedUntil);
            Assert.Equal(t, p.RegisteredAt);
        }
    }

    internal static EventParser Parser() => new(new FoldOptions(), "EUR", new FakeTimeProvider(Now));

    internal static IngestionMetrics Metrics() => new(new TestMeterFactory());

    internal static async Task<List<FoldOutcome>> ApplyAsync(IConnectionMultiplexer redis, StoreKeys keys, IReadOnlyList<GenEvent> events, Random rng, int? batch = null)
    {
        var parser = Parser();
        var writer = new ProfileWriter(redis, keys, new FakeTimeProvider(Now), Metrics());
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

    internal static async Task<Shared.Contracts.PlayerProfile?> ReadAsync(IConnectionMultiplexer redis, StoreKeys keys, string player)
    {
        var db = redis.GetDatabase();
        return ProfileReader.Decode(player,
            await db.HashGetAllAsync(keys.Profile(player)), await db.HashGetAllAsync(keys.Days(player)),
            await db.HashGetAllAsync(keys.Games(player)), _ => null, Now);
    }
}

/// <summary>A meter factory for tests (metrics are created but not exported).</summary>
internal sealed class TestMeterFactory : System.Diagnostics.Metrics.IMeterFactory
{
    private readonly List<System.Diagnostics.Metrics.Meter> _meters = [];

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
