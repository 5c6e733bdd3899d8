using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Shared.Store;
using StackExchange.Redis;
using TestSupport;

namespace Ingestion.IntegrationTests;

/// <summary>
/// Acknowledged events survive crashes: with Redis's append-only file fsynced on every write, a store killed between
/// batches, or the service killed in the middle of one (and the batch sent again), still folds to the exact profile.
/// The service runs as a child process (the built Ingestion.dll) so it can be killed as a crash would.
/// </summary>
[Trait("Category", "Slow")]
public sealed class RestartTests
{
    private const string ApiKey = "restart-test-key";
    private static readonly string[] Players = ["p-1", "p-2", "p-3", "p-4"];

    [Fact]
    public async Task RedisKilledBetweenBatches_LosesNothingAcknowledged_AndTotalsStayExact()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var redis = await RedisServer.StartAsync(RedisPersistence.AofAlways, ct);
        var prefix = TestKeys.Prefix();
        using var service = await ServiceProcess.StartIngestionAsync(redis.ConnectionString, ApiKey, Settings(prefix), ct);
        using var http = Client(service);
        var history = WalletHistory.Generate(new Random(7), Players, 300);
        var batches = history.Chunk(100).ToList();

        foreach (var batch in batches)
        {
            await PostAsync(http, batch, ct);
            // A crash, not a shutdown: only what was fsynced is there when it comes back.
            await redis.KillAndRestartAsync(ct);
        }
        // And the first batch again, as a sender that never saw its answer would.
        var resent = await PostAsync(http, batches[0], ct);

        Assert.True(resent.Duplicates > 0);
        await AssertExactAsync(redis, prefix, history);
    }

    [Fact]
    public async Task ServiceKilledMidBatch_ThenTheWholeBatchResent_CountsEveryEventOnce()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var redis = await RedisServer.StartAsync(RedisPersistence.AofAlways, ct);
        var prefix = TestKeys.Prefix();
        // Small script calls make a batch take long enough to be caught half applied.
        var settings = Settings(prefix);
        settings["Ingestion__EventsPerCall"] = "1";
        var history = WalletHistory.Generate(new Random(11), Players, 7_000);
        using var watch = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);

        using (var doomed = await ServiceProcess.StartIngestionAsync(redis.ConnectionString, ApiKey, settings, ct))
        {
            using var http = Client(doomed);
            var posting = PostAsync(http, history, ct);
            while (!posting.IsCompleted && !await watch.GetDatabase().KeyExistsAsync(new StoreKeys(prefix).Ledger(Players[0])))
            {
                await Task.Yield();
            }
            doomed.Kill();
            try
            {
                await posting;
            }
            catch (HttpRequestException)
            {
                // The expected end of a request whose server died under it.
            }
        }

        using var restarted = await ServiceProcess.StartIngestionAsync(redis.ConnectionString, ApiKey, settings, ct);
        using var again = Client(restarted);
        var result = await PostAsync(again, history, ct);

        Assert.True(result.Duplicates > 0, "the first attempt applied part of the batch before it was killed");
        Assert.Equal(history.Count, result.Accepted + result.Duplicates + result.Rejected);
        await AssertExactAsync(redis, prefix, history);
    }

    private static Dictionary<string, string> Settings(string prefix) => new() { ["Store__KeyPrefix"] = prefix };

    private static HttpClient Client(ServiceProcess service)
    {
        var http = new HttpClient { BaseAddress = service.Address, Timeout = TimeSpan.FromMinutes(2) };
        http.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
        return http;
    }

    private static async Task<(int Accepted, int Duplicates, int Rejected)> PostAsync(HttpClient http, IEnumerable<GenEvent> events, CancellationToken ct)
    {
        using var content = new StringContent(string.Join('\n', events.Select(e => e.ToJson())), Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
        using var response = await http.PostAsync(new Uri("/v1/events", UriKind.Relative), content, ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        using var doc = JsonDocument.Parse(body);
        var root = doc.RootElement;
        return (root.GetProperty("accepted").GetInt32(), root.GetProperty("duplicates").GetInt32(), root.GetProperty("rejected").GetArrayLength());
    }

    private static async Task AssertExactAsync(RedisServer redis, string prefix, List<GenEvent> history)
    {
        using var check = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var keys = new StoreKeys(prefix);
        var now = WalletHistory.Start.AddDays(1).AddHours(23);
        foreach (var player in Players) await ExactnessTests.AssertReferenceAsync(check, keys, history, player, now, "after the restart");
    }
}
