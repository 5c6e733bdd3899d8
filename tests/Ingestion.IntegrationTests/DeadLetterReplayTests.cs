using System.Diagnostics.Metrics;
using System.Net.Http.Json;
using Ingestion.Commands;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Shared.Store;
using TestSupport;

namespace Ingestion.IntegrationTests;

public sealed class DeadLetterReplayTests(StoreServers servers)
{
    [Theory]
    [ClassData(typeof(StoreKinds))]
    public async Task Replay_RemovesLettersNowAcceptedOrDuplicate_AndKeepsTheOnesStillFailing(string kind)
    {
        using var redis = await servers.ConnectAsync(kind);
        var keys = new StoreKeys(TestKeys.Prefix());
        var (ingestor, deadLetters) = BackfillTests.Ingestor(redis, keys);
        var t = WalletHistory.Start.AddHours(2);
        var fixable = new GenEvent("wallet.bet", "b1", "p", t, Tx: "tx-1", Game: "g", Amount: 3).ToJson();
        var applied = new GenEvent("wallet.bet", "b2", "p", t, Tx: "tx-2", Game: "g", Amount: 4);
        await ingestor.IngestAsync([(0, applied.ToElement(), null)]);
        await deadLetters.AddAsync("canonical", "the store timed out", fixable);
        await deadLetters.AddAsync("canonical", "the store timed out", applied.ToJson());
        await deadLetters.AddAsync("fasttrack", "field amount: must be a number", """{"amount":"x"}""");
        await deadLetters.AddAsync("backfill", "not valid JSON", "{oops");

        var replayed = await new DeadLetterReplay(deadLetters, ingestor).ReplayAsync(await deadLetters.FindAsync(null, 100));

        Assert.Equal([DeadLetterReplay.Accepted, DeadLetterReplay.Duplicate],
            replayed.Where(r => r.Letter.Feed == "canonical").OrderBy(r => r.Letter.Payload, StringComparer.Ordinal).Select(r => r.Outcome));
        Assert.Equal(["backfill", "fasttrack"], (await deadLetters.FindAsync(null, 100)).Select(l => l.Feed).Order());
        Assert.Equal(2, (await ExactnessTests.ReadAsync(redis, keys, "p"))!.Lifetime.BetCount);
    }

    [Fact]
    public async Task DeadLettersEndpoint_ListsOneFeedsLetters_ForAnEventsWriteKeyOnly()
    {
        var redis = await servers.RedisAsync();
        await using var app = new IngestionApp(redis.ConnectionString);
        var store = (Ingestion.DeadLetters.DeadLetterStore)app.Services.GetService(typeof(Ingestion.DeadLetters.DeadLetterStore))!;
        await store.AddAsync("backfill", "field data.amount: must be > 0", "{}");
        await store.AddAsync("fasttrack", "field amount: must be a number", "{}");

        var page = await app.ClientWithKey(IngestionApp.WalletKey).GetFromJsonAsync<System.Text.Json.JsonElement>(
            new Uri("/v1/deadletters?feed=backfill&limit=10", UriKind.Relative), TestContext.Current.CancellationToken);
        var forbidden = await app.ClientWithKey(IngestionApp.OpsKey).GetAsync(new Uri("/v1/deadletters", UriKind.Relative), TestContext.Current.CancellationToken);

        Assert.Equal(2, page.GetProperty("total").GetInt64());
        Assert.Equal(["backfill"], page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("feed").GetString()));
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, forbidden.StatusCode);
    }

    [Fact]
    public async Task Gauges_ReportTheOldestWaitingChange_AndTheDeadLetterCount()
    {
        using var redis = await servers.ConnectAsync(StoreKinds.Redis);
        var keys = new StoreKeys(TestKeys.Prefix());
        var now = new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);
        var db = redis.GetDatabase();
        await db.SortedSetAddAsync(keys.RescorePending, [new("p-old", now.AddSeconds(-90).ToUnixTimeMilliseconds()), new("p-new", now.ToUnixTimeMilliseconds())]);
        var clock = new FakeTimeProvider(now);
        var deadLetters = new Ingestion.DeadLetters.DeadLetterStore(redis, keys, clock);
        await deadLetters.AddAsync("canonical", "why", "{}");
        using var meters = new TestMeterFactory();
        var metrics = new IngestionMetrics(meters);
        var observed = new Dictionary<string, double>();
        // This test's meter only: other tests running meanwhile have gauges of the same name.
        using var listener = new MeterListener { InstrumentPublished = (i, l) => { if (i.Meter.Name == IngestionMetrics.MeterName && meters.Made(i.Meter)) l.EnableMeasurementEvents(i); } };
        listener.SetMeasurementEventCallback<double>((i, v, _, _) => observed[i.Name] = v);
        listener.SetMeasurementEventCallback<long>((i, v, _, _) => observed[i.Name] = v);
        listener.Start();

        await new IngestionGaugeSampler(redis, keys, deadLetters, metrics, clock, NullLogger<IngestionGaugeSampler>.Instance).SampleAsync();
        listener.RecordObservableInstruments();

        Assert.Equal(90, observed["ingestion.lag"]);
        Assert.Equal(1, observed["ingestion.deadletters"]);
    }

    [Fact]
    public async Task APayloadPastTheCap_KeepsItsBeginningAndSize_AndIsNotReplayed_WhileOneAtTheCapIsKeptWhole()
    {
        using var redis = await servers.ConnectAsync(StoreKinds.Redis);
        var keys = new StoreKeys(TestKeys.Prefix());
        var (ingestor, deadLetters) = BackfillTests.Ingestor(redis, keys);
        var cap = Ingestion.DeadLetters.DeadLetterStore.MaxPayloadBytes;
        var atTheCap = new string('a', cap);
        // A 10 MB body of two-byte characters, ending in a pair of surrogates (a four-byte emoji) after every 1,000.
        var huge = string.Concat(Enumerable.Repeat(new string('é', 1000) + "😀", 5_000));

        await deadLetters.AddAsync("fasttrack", "at the cap", atTheCap);
        await deadLetters.AddAsync("fasttrack", "past the cap", huge);
        var letters = await deadLetters.FindAsync(null, 10);
        var whole = letters.Single(l => l.Reason == "at the cap");
        var cut = letters.Single(l => l.Reason == "past the cap");

        Assert.Equal(atTheCap, whole.Payload);
        Assert.Null(whole.PayloadBytes);
        Assert.Equal(System.Text.Encoding.UTF8.GetByteCount(huge), cut.PayloadBytes);
        Assert.InRange(System.Text.Encoding.UTF8.GetByteCount(cut.Payload), cap - 4096, cap);
        Assert.StartsWith(cut.Payload, huge, StringComparison.Ordinal);
        Assert.False(char.IsHighSurrogate(cut.Payload[^1]));

        var replayed = await new DeadLetterReplay(deadLetters, ingestor).ReplayAsync([cut]);
        Assert.Equal($"only the first {cap:N0} of its {cut.PayloadBytes:N0} bytes were kept: resend it from the source", Assert.Single(replayed).Outcome);
        Assert.Equal(2, (await deadLetters.FindAsync(null, 10)).Count);
    }
}
