using System.Net;
using System.Text.Json;
using Ingestion.Profiles;
using Microsoft.Extensions.DependencyInjection;
using TestSupport;
using Shared.Store;

namespace Ingestion.IntegrationTests;

/// <summary>
/// The writer's group commit (<c>Ingestion:FoldsInFlight</c>): requests that arrive while the store is busy with a round
/// are applied together in the next one, each answered with its own outcomes; a round the store refuses fails every
/// request in it, none acknowledged, and their resends count once. The store's writes are paused (CLIENT PAUSE WRITE)
/// to hold the first round while the others arrive.
/// </summary>
public sealed class GroupCommitTests
{
    private static readonly Dictionary<string, string?> OneRoundAtATime = new() { ["Ingestion:FoldsInFlight"] = "1" };

    private static StringContent Bet(string id, string player, decimal amount = 2) => PausedStoreApp.Bet(id, player, amount);

    private static ProfileReader Reader(PausedStoreApp run) =>
        new(run.Admin, run.App.Keys, new Microsoft.Extensions.Time.Testing.FakeTimeProvider(PausedStoreApp.T.AddHours(1)));

    /// <summary>Holds the store's writes, sends the first request and waits until its round is with the store.</summary>
    private static async Task<(Task<HttpResponseMessage> First, long Before)> HoldTheFirstRoundAsync(PausedStoreApp run, ProfileWriter writer)
    {
        var before = writer.Flushes;
        await run.PauseWritesAsync();
        var first = run.PostAsync(Bet("first", "p-a"));
        await Eventually.UntilAsync(() => Task.FromResult(writer.Flushes == before + 1), TimeSpan.FromSeconds(10), "the first round with the store");
        return (first, before);
    }

    [Fact]
    public async Task RequestsArrivingWhileARoundIsWithTheStore_AreAppliedTogetherInTheNext_EachWithItsOwnOutcomes()
    {
        await using var run = await PausedStoreApp.StartAsync(OneRoundAtATime, warmPlayer: "p-a");
        var writer = run.App.Services.GetRequiredService<ProfileWriter>();
        var (first, before) = await HoldTheFirstRoundAsync(run, writer);
        // Three players, one of them twice, and a resend of the warm-up bet (a duplicate) among them.
        var others = new[] { Bet("b", "p-b", 3), Bet("c", "p-c", 4), Bet("a2", "p-a", 5), Bet("warm", "p-a") }.Select(run.PostAsync).ToList();
        await Eventually.UntilAsync(() => Task.FromResult(writer.Queued == 4), TimeSpan.FromSeconds(10), "the four requests waiting for the next round");
        await run.ResumeAsync();

        Assert.Equal(HttpStatusCode.OK, (await first).StatusCode);
        var answers = new List<JsonElement>();
        foreach (var o in others)
        {
            using var answer = await o;
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            answers.Add(await PausedStoreApp.BodyAsync(answer));
        }
        Assert.Equal(before + 2, writer.Flushes);
        Assert.Equal([1, 1, 1, 0], answers.Select(a => a.GetProperty("accepted").GetInt32()));
        Assert.Equal([0, 0, 0, 1], answers.Select(a => a.GetProperty("duplicates").GetInt32()));

        var reader = Reader(run);
        Assert.Equal(9m, (await reader.ReadAsync("p-a", _ => null))!.Lifetime.StakeAmount);
        Assert.Equal(3m, (await reader.ReadAsync("p-b", _ => null))!.Lifetime.StakeAmount);
        Assert.Equal(4m, (await reader.ReadAsync("p-c", _ => null))!.Lifetime.StakeAmount);
    }

    [Fact]
    public async Task ARoundTakesAtMostEventsPerFlush_AndALargerRequestGoesAlone()
    {
        await using var run = await PausedStoreApp.StartAsync(new Dictionary<string, string?>
        {
            ["Ingestion:FoldsInFlight"] = "1",
            ["Ingestion:EventsPerFlush"] = "2",
        }, warmPlayer: "p-a");
        var writer = run.App.Services.GetRequiredService<ProfileWriter>();
        var (first, before) = await HoldTheFirstRoundAsync(run, writer);
        // Queued one by one, so their order is known: one bet, one bet, three bets in one request, one bet.
        var three = new StringContent(string.Join('\n', Enumerable.Range(1, 3).Select(i => "x" + i).Select(id =>
            new GenEvent("wallet.bet", id, "p-x", PausedStoreApp.T, Tx: "tx-" + id, Game: "g", Amount: 1).ToJson())), System.Text.Encoding.UTF8, "application/x-ndjson");
        var queued = new List<Task<HttpResponseMessage>>();
        foreach (var body in new[] { Bet("b", "p-b"), Bet("c", "p-c"), three, Bet("d", "p-d") })
        {
            queued.Add(run.PostAsync(body));
            var waiting = queued.Count;
            await Eventually.UntilAsync(() => Task.FromResult(writer.Queued == waiting), TimeSpan.FromSeconds(10), $"request {waiting} waiting");
        }
        await run.ResumeAsync();

        Assert.Equal(HttpStatusCode.OK, (await first).StatusCode);
        var accepted = new List<int>();
        foreach (var q in queued)
        {
            using var answer = await q;
            accepted.Add((await PausedStoreApp.BodyAsync(answer)).GetProperty("accepted").GetInt32());
        }
        Assert.Equal([1, 1, 3, 1], accepted);
        // The first alone, then b and c (2 events: the most), the three bets alone (over the most), then d.
        Assert.Equal(before + 4, writer.Flushes);
    }

    [Fact]
    public async Task ARoundTheStoreRefuses_FailsEveryRequestInIt_AndTheirResendsCountOnce()
    {
        await using var run = await PausedStoreApp.StartAsync(OneRoundAtATime, warmPlayer: "p-a");
        var writer = run.App.Services.GetRequiredService<ProfileWriter>();
        var (first, before) = await HoldTheFirstRoundAsync(run, writer);
        var others = new[] { Bet("b", "p-b"), Bet("c", "p-c") }.Select(run.PostAsync).ToList();
        await Eventually.UntilAsync(() => Task.FromResult(writer.Queued == 2), TimeSpan.FromSeconds(10), "the two requests waiting for the next round");
        // The store is full: every write is refused (OOM), so both rounds fail.
        await run.Store.ExecuteAsync("CONFIG", "SET", "maxmemory", "1");
        await run.ResumeAsync();
        foreach (var request in others.Prepend(first))
        {
            using var refused = await request;
            Assert.Equal(HttpStatusCode.InsufficientStorage, refused.StatusCode);
        }
        Assert.Equal(before + 2, writer.Flushes);

        await run.Store.ExecuteAsync("CONFIG", "SET", "maxmemory", "0");
        foreach (var (id, player) in new[] { ("first", "p-a"), ("b", "p-b"), ("c", "p-c") })
        {
            using var resent = await run.PostAsync(Bet(id, player));
            Assert.Equal(1, (await PausedStoreApp.BodyAsync(resent)).GetProperty("accepted").GetInt32());
        }
        var reader = Reader(run);
        Assert.Equal(2, (await reader.ReadAsync("p-a", _ => null))!.Lifetime.BetCount);
        Assert.Equal(1, (await reader.ReadAsync("p-b", _ => null))!.Lifetime.BetCount);
    }
}
