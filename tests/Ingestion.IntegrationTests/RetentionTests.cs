using System.Net.Http.Json;
using System.Text;
using Ingestion.Commands;
using Ingestion.DeadLetters;
using Ingestion.Events;
using Ingestion.Profiles;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Shared.Contracts;
using Shared.Store;
using StackExchange.Redis;
using TestSupport;

namespace Ingestion.IntegrationTests;

/// <summary>
/// The ledger spans the bucket retention (Ingestion:BucketRetentionDays) back from a player's newest activity:
/// inside it any order is exact; an event beyond it is refused with its reason, dead-lettered and replayable; the
/// ledger grows with the player's volume and forgets what the retention has passed.
/// </summary>
public sealed class RetentionTests(StoreServers servers)
{
    private static readonly DateTimeOffset T = WalletHistory.Start.AddDays(500);

    [Theory]
    [ClassData(typeof(StoreKinds))]
    public async Task AnEventAtTheRetention_IsRefused_AndOneADayInside_IsApplied(string kind)
    {
        using var redis = await servers.ConnectAsync(kind);
        var keys = new StoreKeys(TestKeys.Prefix());
        GenEvent newest = new("wallet.bet", "b0", "p", T, Tx: "tx-0", Game: "g", Amount: 1);
        GenEvent inside = new("wallet.bet", "b1", "p", T.AddDays(-399), Tx: "tx-1", Game: "g", Amount: 2);
        GenEvent beyond = new("wallet.bet", "b2", "p", T.AddDays(-400), Tx: "tx-2", Game: "g", Amount: 4);
        GenEvent login = new("player.login", "l1", "p", T.AddDays(-450));

        var outcomes = await ExactnessTests.ApplyAsync(redis, keys, [newest, inside, beyond, login], new Random(1), batch: 1);

        Assert.Equal([FoldOutcome.Applied, FoldOutcome.Applied, FoldOutcome.TooOld, FoldOutcome.TooOld], outcomes);
        var p = (await ExactnessTests.ReadAsync(redis, keys, "p", T))!;
        Assert.Equal((2L, 3m, 0L), (p.Lifetime.BetCount, p.Lifetime.StakeAmount, p.Lifetime.LoginCount));
    }

    [Fact]
    public async Task ThroughTheApi_AnEventBeyondTheRetention_IsRejectedWithItsReason_DeadLettered_AndReplayedOnceTheRetentionIsRaised()
    {
        var redis = await servers.RedisAsync();
        // The receiver's day is the newest event's (events ahead of its clock are refused: Ingestion:MaxClockSkew).
        await using var app = new IngestionApp(redis.ConnectionString, new Dictionary<string, string?> { ["Ingestion:BucketRetentionDays"] = "100" })
        {
            Clock = new Shared.ServiceDefaults.AsOfClock(T),
        };
        var client = app.ClientWithKey(IngestionApp.WalletKey);
        GenEvent newest = new("wallet.bet", "b0", "p", T, Tx: "tx-0", Game: "g", Amount: 1);
        GenEvent old = new("wallet.bet", "b1", "p", T.AddDays(-150), Tx: "tx-1", Game: "g", Amount: 2);

        await client.PostAsync(new Uri("/v1/events", UriKind.Relative), new StringContent(newest.ToJson(), Encoding.UTF8, "application/cloudevents+json"),
            TestContext.Current.CancellationToken);
        var response = await client.PostAsync(new Uri("/v1/events", UriKind.Relative),
            new StringContent(old.ToJson(), Encoding.UTF8, "application/x-ndjson"), TestContext.Current.CancellationToken);
        var result = (await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.IngestResult, TestContext.Current.CancellationToken))!;

        var reason = "field time: 100 days or more before this player's newest activity, beyond the retention (Ingestion:BucketRetentionDays); " +
            "not applied, kept on the dead-letter list (feed canonical) to replay after raising the retention";
        Assert.Equal(System.Net.HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal([new RejectedEvent(0, "b1", reason)], result.Rejected);
        var store = (DeadLetterStore)app.Services.GetService(typeof(DeadLetterStore))!;
        var letter = Assert.Single(await store.FindAsync(EventsApi.Feed, 10));
        Assert.Equal(reason, letter.Reason);

        // The operator raises the retention and replays: the event is applied, once, and the letter is gone.
        var mux = (IConnectionMultiplexer)app.Services.GetService(typeof(IConnectionMultiplexer))!;
        var raised = new FoldOptions { BucketRetentionDays = 200 };
        var metrics = ExactnessTests.Metrics();
        var ingestor = new EventIngestor(ExactnessTests.Parser(raised), new ProfileWriter(mux, app.Keys, new FakeTimeProvider(T), metrics, Options.Create(raised)),
            Options.Create(raised), metrics, store);
        var replayed = await new DeadLetterReplay(store, ingestor).ReplayAsync([letter]);

        Assert.Equal(DeadLetterReplay.Accepted, Assert.Single(replayed).Outcome);
        Assert.Empty(await store.FindAsync(EventsApi.Feed, 10));
        var p = (await ExactnessTests.ReadAsync(mux, app.Keys, "p", T))!;
        Assert.Equal((2L, 3m), (p.Lifetime.BetCount, p.Lifetime.StakeAmount));
    }

    [Theory]
    [ClassData(typeof(StoreKinds))]
    public async Task AHeavyPlayersLedger_GrowsWithTheVolume_ForgetsWhatTheRetentionPassed_AndKnowsEverythingInside(string kind)
    {
        using var redis = await servers.ConnectAsync(kind);
        var keys = new StoreKeys(TestKeys.Prefix());
        var options = new FoldOptions { BucketRetentionDays = 91 };
        var rng = new Random(7);
        var start = WalletHistory.Start;
        string[] games = ["g-1", "g-2", "g-3", "g-4", "g-5"];
        // 200 days of 15 bets a day: far more records than one bucket holds, and more days than the retention.
        var bets = Enumerable.Range(0, 200 * 15)
            .Select(i => new GenEvent("wallet.bet", $"b{i}", "p", start.AddDays(i / 15).AddMinutes(i % 15 * 7), Tx: $"tx-{i}",
                Game: games[rng.Next(games.Length)], Amount: rng.Next(1, 5000) / 100m))
            .ToList();
        var end = bets[^1].Time;

        Assert.DoesNotContain(FoldOutcome.TooOld, await ExactnessTests.ApplyAsync(redis, keys, bets, rng, batch: 500, options: options));

        var db = redis.GetDatabase();
        var profile = (await db.HashGetAllAsync(keys.Profile("p"))).Where(e => e.Name != "hz").ToDictionary(e => e.Name.ToString(), e => (long)e.Value);
        var newest = ProfileReader.DayOf(end);
        var inside = bets.Count(b => ProfileReader.DayOf(b.Time) > newest - 91);
        Assert.Equal(newest, profile["md"]);
        Assert.InRange(profile["ln"], inside, inside + 30 * 15);
        Assert.True(profile["lk"] >= 5, $"level {profile["lk"]} for {profile["ln"]} records");
        Assert.InRange((await db.HashKeysAsync(keys.Days("p"))).Min(f => long.Parse(f.ToString().Split(':')[0], System.Globalization.CultureInfo.InvariantCulture)),
            newest - 91 - 30, newest);

        // Every bet again, and a rollback of one sixty days old: the ones inside the retention are known, the others refused.
        GenEvent rollback = new("wallet.rollback", "r1", "p", end, Tx: "rb-1", Ref: bets[^(60 * 15)].Tx);
        var again = await ExactnessTests.ApplyAsync(redis, keys, [.. bets.Select(b => b with { Id = b.Id + "-again" }), rollback], rng, batch: 700, options: options);

        Assert.Equal(inside, again.Count(o => o == FoldOutcome.Duplicate));
        Assert.Equal(bets.Count - inside, again.Count(o => o == FoldOutcome.TooOld));
        Assert.Equal(FoldOutcome.Applied, again[^1]);
        await ExactnessTests.AssertReferenceAsync(redis, keys, [.. bets, rollback], "p", end, "heavy player");
    }
}
