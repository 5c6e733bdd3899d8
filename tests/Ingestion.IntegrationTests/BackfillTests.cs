using System.IO.Compression;
using System.Text;
using Ingestion.Commands;
using Ingestion.DeadLetters;
using Ingestion.Events;
using Ingestion.Profiles;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Shared.Store;
using StackExchange.Redis;
using TestSupport;

namespace Ingestion.IntegrationTests;

/// <summary>Backfill reads NDJSON history (plain or gzip) with the API's semantics, a batch at a time.</summary>
public sealed class BackfillTests(StoreServers servers) : IDisposable
{
    private readonly TempDirectory _files = new("backfill");

    public void Dispose() => _files.Dispose();

    [Fact]
    public async Task PlainAndGzipFiles_FoldToTheReferenceProfile_AndBadLinesGoToDeadLetters()
    {
        using var redis = await servers.ConnectAsync(StoreKinds.Redis);
        var keys = new StoreKeys(TestKeys.Prefix());
        string[] players = ["p-1", "p-2", "p-3"];
        var history = WalletHistory.Generate(new Random(5), players, 400);
        var lines = history.Select(e => e.ToJson()).ToList();
        // A broken line, a blank one and an invalid event in the first file; the second file is gzip under a plain name.
        lines.Insert(3, "{not json");
        lines.Insert(7, "   ");
        lines.Insert(10, """{"specversion":"1.0","id":"bad","source":"/test","type":"wallet.bet","subject":"p-1","data":{"amount":1}}""");
        var first = Write("2026-11-21.ndjson", lines.Take(200));
        WriteGzip("2026-11-22.ndjson", lines.Skip(200).Concat(lines.Take(50)));

        var (backfill, deadLetters) = Create(redis, keys, batch: 37);
        var (files, missing) = NdJsonFiles.Expand([Path.Combine(_files.Path, "*.ndjson")]);
        var results = new List<FileResult>();
        foreach (var file in files)
        {
            var result = new FileResult(file);
            await backfill.ImportAsync(result, new PlainProgress(TimeSpan.FromHours(1)), TestContext.Current.CancellationToken);
            results.Add(result);
        }

        Assert.Empty(missing);
        Assert.Equal([first, Path.Combine(_files.Path, "2026-11-22.ndjson")], files);
        Assert.Equal(lines.Count - 1 + 50 - 1, results.Sum(r => r.Lines)); // the blank line, twice, is not an event
        Assert.Equal(2 + 2, results.Sum(r => r.Rejected)); // both bad lines, in each file
        Assert.True(results[1].Duplicates > 0);
        Assert.Equal([4L, 11L], results[0].FirstErrors.Select(e => e.Line));
        Assert.StartsWith("not valid JSON", results[0].FirstErrors[0].Message, StringComparison.Ordinal);
        var letters = await deadLetters.FindAsync(BackfillCommand.Feed, 10);
        Assert.Equal(4, letters.Count);
        Assert.Contains(letters, l => l.Reason.StartsWith("2026-11-21.ndjson line 11: field data.transactionId", StringComparison.Ordinal));
        foreach (var player in players)
        {
            await ExactnessTests.AssertReferenceAsync(redis, keys, history, player, WalletHistory.Start.AddDays(1).AddHours(23), "backfill");
        }
    }

    [Theory]
    [ClassData(typeof(StoreKinds))]
    public async Task PerTableFiles_DepositsThenBetsThenTheRest_OverMonths_FoldToTheReferenceProfile(string kind)
    {
        using var redis = await servers.ConnectAsync(kind);
        var keys = new StoreKeys(TestKeys.Prefix());
        string[] players = ["p-1", "p-2", "p-3"];
        var history = WalletHistory.Generate(new Random(8), players, 600, days: 240);
        // An operator's export, one file per table, each in time order: all payments first, then all bets, wins, …
        string[] tables = ["wallet.deposit", "wallet.withdrawal", "wallet.bet", "wallet.win", "wallet.rollback", "game.session", "player.login", "bonus.granted"];
        var files = tables.Select((type, i) => Write($"{i}-{type}.ndjson", history.Where(e => e.Type == type).OrderBy(e => e.Time).Select(e => e.ToJson()))).ToList();

        var (backfill, _) = Create(redis, keys, batch: 50);
        long rejected = 0;
        foreach (var file in files)
        {
            var result = new FileResult(file);
            await backfill.ImportAsync(result, new PlainProgress(TimeSpan.FromHours(1)), TestContext.Current.CancellationToken);
            rejected += result.Rejected;
        }

        Assert.Equal(0, rejected);
        foreach (var player in players)
        {
            await ExactnessTests.AssertReferenceAsync(redis, keys, history, player, WalletHistory.Start.AddDays(240), "per-table backfill");
        }
    }

    /// <summary>
    /// A store that holds its writes for longer than the client waits (a busy or restarting store): the batch it did not
    /// confirm is sent again after a pause, and every event counts once (the unconfirmed attempt's writes land too).
    /// </summary>
    [Fact]
    public async Task ABatchTheStoreDidNotConfirm_IsSentAgain_AndEveryEventCountsOnce()
    {
        await using var server = await RedisServer.StartAsync();
        using var admin = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString + ",allowAdmin=true");
        using var redis = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString + ",asyncTimeout=300,syncTimeout=300");
        var keys = new StoreKeys(TestKeys.Prefix());
        string[] players = ["p-1", "p-2"];
        var history = WalletHistory.Generate(new Random(11), players, 120);
        var file = Write("paused.ndjson", history.Select(e => e.ToJson()));
        var (ingestor, deadLetters) = Ingestor(redis, keys);
        var backfill = new Backfill(ingestor, deadLetters, 40, 10 * 1024 * 1024, retryDelay: TimeSpan.FromMilliseconds(200));

        // Writes held for 1 s: the first attempt times out after 300 ms; a resend after 200, 400, … ms gets through.
        await admin.GetServers()[0].ExecuteAsync("CLIENT", "PAUSE", "1000", "WRITE");
        var result = new FileResult(file);
        await backfill.ImportAsync(result, new PlainProgress(TimeSpan.FromHours(1)), TestContext.Current.CancellationToken);

        Assert.Equal(history.Count, result.Accepted + result.Duplicates);
        Assert.True(result.Duplicates > 0, "the unconfirmed attempt's writes landed and the resend found them");
        foreach (var player in players)
        {
            await ExactnessTests.AssertReferenceAsync(redis, keys, history, player, WalletHistory.Start.AddDays(1).AddHours(23), "backfill resent");
        }
    }

    /// <summary>Past the last of <see cref="Backfill.Attempts"/> attempts the file fails with the store's error; a rerun completes it.</summary>
    [Fact]
    public async Task AStoreThatStaysAwayPastTheLastAttempt_FailsTheFile_AndARerunCompletesIt()
    {
        await using var server = await RedisServer.StartAsync(persistent: true);
        using var redis = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString + ",connectTimeout=500");
        var keys = new StoreKeys(TestKeys.Prefix());
        var history = WalletHistory.Generate(new Random(12), ["p-1"], 60);
        var file = Write("away.ndjson", history.Select(e => e.ToJson()));
        var (ingestor, deadLetters) = Ingestor(redis, keys);
        var backfill = new Backfill(ingestor, deadLetters, 1_000, 10 * 1024 * 1024, retryDelay: TimeSpan.FromMilliseconds(50));

        // Stopped: each of the five attempts is refused at once, with pauses of 50, 100, 200 and 400 ms between them.
        await server.StopAsync();
        await Assert.ThrowsAsync<RedisConnectionException>(() =>
            backfill.ImportAsync(new FileResult(file), new PlainProgress(TimeSpan.FromHours(1)), TestContext.Current.CancellationToken));

        await server.RestartAsync();
        await Eventually.UntilAsync(() => Task.FromResult(redis.IsConnected), TimeSpan.FromSeconds(30), "reconnected");
        var rerun = new FileResult(file);
        await backfill.ImportAsync(rerun, new PlainProgress(TimeSpan.FromHours(1)), TestContext.Current.CancellationToken);
        Assert.Equal(history.Count, rerun.Accepted + rerun.Duplicates);
        await ExactnessTests.AssertReferenceAsync(redis, keys, history, "p-1", WalletHistory.Start.AddDays(1).AddHours(23), "backfill rerun");
    }

    [Fact]
    public async Task Command_WithAFileThatCannotBeRead_ExitsWithOne_ButImportsTheOthers()
    {
        var redis = await servers.RedisAsync();
        var player = $"p-{Guid.NewGuid():n}";
        var good = Write("good.ndjson",
            [new GenEvent("wallet.bet", $"e-{player}", player, WalletHistory.Start, Tx: $"tx-{player}", Game: "g", Amount: 2).ToJson()]);

        var exit = await IngestionCommands.RunAsync(["backfill", good, Path.Combine(_files.Path, "missing.ndjson"), "--redis", redis.ConnectionString]);

        Assert.Equal(1, exit);
        using var check = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        Assert.Equal(1, (await new ProfileReader(check, new StoreKeys(), TimeProvider.System).ReadAsync(player, _ => null))!.Lifetime.BetCount);
    }

    [Fact]
    public async Task Command_WithABatchOverTheLimit_ExitsWithTwo()
    {
        var redis = await servers.RedisAsync();
        var exit = await IngestionCommands.RunAsync(["backfill", Write("x.ndjson", ["{}"]), "--batch", "100001", "--redis", redis.ConnectionString]);
        Assert.Equal(2, exit);
    }

    internal static (Backfill Backfill, DeadLetterStore DeadLetters) Create(IConnectionMultiplexer redis, StoreKeys keys, int batch = 5_000)
    {
        var (ingestor, deadLetters) = Ingestor(redis, keys);
        return (new Backfill(ingestor, deadLetters, batch, 10 * 1024 * 1024), deadLetters);
    }

    internal static (EventIngestor Ingestor, DeadLetterStore DeadLetters) Ingestor(IConnectionMultiplexer redis, StoreKeys keys)
    {
        var clock = new FakeTimeProvider(WalletHistory.Start.AddDays(1).AddHours(23));
        var metrics = ExactnessTests.Metrics();
        var deadLetters = new DeadLetterStore(redis, keys, clock);
        var ingestor = new EventIngestor(ExactnessTests.Parser(), new ProfileWriter(redis, keys, clock, metrics),
            Options.Create(new FoldOptions()), metrics, deadLetters);
        return (ingestor, deadLetters);
    }

    private string Write(string name, IEnumerable<string> lines)
    {
        var path = Path.Combine(_files.Path, name);
        File.WriteAllText(path, string.Join('\n', lines) + "\n");
        return path;
    }

    private void WriteGzip(string name, IEnumerable<string> lines)
    {
        using var file = File.Create(Path.Combine(_files.Path, name));
        using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        gzip.Write(Encoding.UTF8.GetBytes(string.Join('\n', lines)));
    }
}
