using System.Net;
using System.Net.Http.Json;
using System.Text;
using Ingestion.Events;
using Microsoft.Extensions.Time.Testing;
using Shared.Contracts;
using TestSupport;

namespace Ingestion.IntegrationTests;

/// <summary><c>lobby.impression</c> and <c>lobby.launch</c> through <c>POST /v1/events</c>: counted exactly, once, never folded into a profile.</summary>
public sealed class LobbyEventsTests(StoreServers servers)
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);
    private static readonly long Today = EventParser.DayOf(Now);

    private static string Impression(string id, string player = "p-lobby") =>
        $$$$"""{"specversion":"1.0","id":"{{{{id}}}}","source":"/lobby","type":"lobby.impression","time":"2026-11-23T10:15:02Z","subject":"{{{{player}}}}","data":{"list":"for-you","rowPosition":0,"gameIds":["g-a","g-b","g-c"],"modelVersion":"recs-1","experiments":{"lobby-personalisation":"treatment"}}}""";

    private static string Launch(string id, int position) =>
        $$$$"""{"specversion":"1.0","id":"{{{{id}}}}","source":"/lobby","type":"lobby.launch","time":"2026-11-23T10:16:00Z","subject":"p-lobby","data":{"impressionId":"i-1","list":"for-you","rowPosition":0,"position":{{{{position}}}},"gameId":"g-b","modelVersion":"recs-1","experiments":{"lobby-personalisation":"treatment"}}}""";

    private const string Bet = """{"specversion":"1.0","id":"w-1","source":"/wallet","type":"wallet.bet","time":"2026-11-23T10:15:02Z","subject":"p-bettor","data":{"transactionId":"tx-1","roundId":"r-1","gameId":"g-a","amount":2.5,"currency":"EUR"}}""";

    private static StringContent Batch(params string[] events) => new($"[{string.Join(',', events)}]", Encoding.UTF8, "application/cloudevents-batch+json");

    [Fact]
    public async Task ImpressionsAndLaunches_AreCountedOnce_BesideWalletEvents_AndBadOnesAreRejectedNamingTheField()
    {
        await using var app = new IngestionApp(await servers.ConnectionStringAsync(StoreKinds.Redis)) { Clock = new FakeTimeProvider(Now) };
        using var client = app.ClientWithKey(IngestionApp.WalletKey);
        var bad = Impression("i-bad").Replace("\"rowPosition\":0", "\"rowPosition\":\"top\"", StringComparison.Ordinal);

        var response = await client.PostAsync("/v1/events", Batch(Impression("i-1"), Bet, Launch("l-1", 1), Impression("i-1"), bad, Impression("i-2")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = (await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.IngestResult))!;
        Assert.Equal(4, result.Accepted);
        Assert.Equal(1, result.Duplicates);
        var rejected = Assert.Single(result.Rejected);
        Assert.Equal(4, rejected.Index);
        Assert.Equal("i-bad", rejected.Id);
        Assert.StartsWith("field data.rowPosition:", rejected.Error, StringComparison.Ordinal);

        var counts = (await app.Db.HashGetAllAsync(app.Keys.LobbyCounts(Today))).ToDictionary(e => e.Name.ToString(), e => (long)e.Value);
        Assert.Equal(2, counts["r|*|*|for-you"]);
        Assert.Equal(2, counts["r|lobby-personalisation|treatment|for-you"]);
        Assert.Equal(2, counts["t|lobby-personalisation|treatment|for-you|2"]);
        Assert.Equal(2, counts["v|lobby-personalisation|treatment|for-you|recs-1"]);
        Assert.Equal(1, counts["l|lobby-personalisation|treatment|for-you|1"]);
        Assert.Equal(1, counts["w|lobby-personalisation|treatment|for-you|recs-1"]);
        Assert.DoesNotContain(counts.Keys, k => k.StartsWith("l|", StringComparison.Ordinal) && k.EndsWith("|0", StringComparison.Ordinal));
        // The lean path: the wallet event made a player; the lobby's made none, and nothing to rescore.
        Assert.True(await app.Db.SetContainsAsync(app.Keys.Players, "p-bettor"));
        Assert.False(await app.Db.SetContainsAsync(app.Keys.Players, "p-lobby"));
        Assert.False(await app.Db.KeyExistsAsync(app.Keys.Profile("p-lobby")));

        // Sent again, the whole batch is duplicates: nothing counts twice.
        var again = (await (await client.PostAsync("/v1/events", Batch(Impression("i-1"), Launch("l-1", 1), Impression("i-2")))).Content
            .ReadFromJsonAsync(ContractsJsonContext.Default.IngestResult))!;
        Assert.Equal((0, 3), (again.Accepted, again.Duplicates));
        Assert.Equal(2, (long)await app.Db.HashGetAsync(app.Keys.LobbyCounts(Today), "r|*|*|for-you"));
    }

    [Fact]
    public async Task ADayWhoseFingerprintsHaveExpired_IsClosed_AndItsLateEventsAreRejectedSayingWhy()
    {
        await using var app = new IngestionApp(await servers.ConnectionStringAsync(StoreKinds.Redis)) { Clock = new FakeTimeProvider(Now) };
        using var client = app.ClientWithKey(IngestionApp.WalletKey);
        (await client.PostAsync("/v1/events", Batch(Impression("i-1")))).EnsureSuccessStatusCode();
        // What Ingestion:Lobby:DedupeDays after the day's last event does: the fingerprints expire, the counts stay.
        Assert.True(await app.Db.KeyDeleteAsync(app.Keys.LobbySeen(Today)));

        var result = (await (await client.PostAsync("/v1/events", Batch(Impression("i-1"), Impression("i-2")))).Content
            .ReadFromJsonAsync(ContractsJsonContext.Default.IngestResult))!;

        Assert.Equal(0, result.Accepted);
        Assert.Equal(2, result.Rejected.Count);
        Assert.All(result.Rejected, r => Assert.StartsWith("field time: lobby events of 2026-11-23 are no longer counted", r.Error, StringComparison.Ordinal));
        Assert.Equal(1, (long)await app.Db.HashGetAsync(app.Keys.LobbyCounts(Today), "r|*|*|for-you"));
    }
}
