using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Ingestion.DeadLetters;
using Ingestion.Events;
using Ingestion.Profiles;
using Shared.Contracts;
using Microsoft.Extensions.Options;
using Spectre.Console;
using StackExchange.Redis;

namespace Ingestion.Commands;

/// <summary>
/// <c>backfill &lt;files or globs…&gt; [--batch 5000] [--redis cs]</c>: imports NDJSON history (gzip by name or content)
/// through the same parser and fold as <c>POST /v1/events</c>, a batch at a time with the next batch read while the
/// previous one is applied. Rejected lines are reported and put on the dead-letter list (feed <c>backfill</c>); they do
/// not stop the run. Exit code 1 when a file could not be read, 2 on bad arguments.
/// </summary>
internal static class BackfillCommand
{
    public const string Feed = "backfill";
    private const int ErrorsShown = 10;

    public static Command Create(Option<string?> redis)
    {
        var files = new Argument<string[]>("files")
        {
            Description = "NDJSON files, optionally gzip (.gz), or glob patterns such as 'history/2026-*.ndjson.gz' (quote them)",
            Arity = ArgumentArity.OneOrMore,
        };
        var batch = new Option<int>("--batch") { Description = "Events per batch, at most Ingestion:MaxBatchEvents", DefaultValueFactory = _ => 5_000 };
        var command = new Command("backfill", "Import NDJSON event history with the same semantics as POST /v1/events") { files, batch };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(files) ?? [], parse.GetValue(batch), parse.GetValue(redis), ct));
        return command;
    }

    public static async Task<int> RunAsync(string[] patterns, int batch, string? redis, CancellationToken ct)
    {
        using var host = IngestionCommands.BuildHost(redis);
        var options = host.Services.GetRequiredService<IOptions<FoldOptions>>().Value;
        if (batch < 1 || batch > options.MaxBatchEvents)
        {
            Console.Error.WriteLine($"backfill: --batch must be from 1 to {options.MaxBatchEvents:N0} (Ingestion:MaxBatchEvents)");
            return 2;
        }
        if (await StoreProblemAsync(host.Services.GetRequiredService<IConnectionMultiplexer>()) is { } problem)
        {
            Console.Error.WriteLine($"backfill: {problem}");
            return 1;
        }

        await host.Services.GetRequiredService<LedgerUpgrade>().UpgradeAsync(ct);

        var (files, missing) = NdJsonFiles.Expand(patterns);
        var run = new Backfill(host.Services.GetRequiredService<EventIngestor>(), host.Services.GetRequiredService<DeadLetterStore>(),
            batch, (int)Math.Min(options.MaxBodyBytes, int.MaxValue));
        var results = missing.Select(m => new FileResult(m) { Error = "no such file, or no file matches the pattern" }).ToList();
        var clock = Stopwatch.StartNew();

        async Task ImportAllAsync(IBackfillProgress progress)
        {
            foreach (var file in files)
            {
                var result = new FileResult(file);
                results.Add(result);
                progress.Started(result);
                try
                {
                    await run.ImportAsync(result, progress, ct);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
                {
                    result.Error = e.Message;
                }
                catch (Exception e) when (e is RedisTimeoutException or RedisConnectionException)
                {
                    // The store stayed away through every resend: the files after this one would fail the same way.
                    result.Error = $"the store did not confirm a batch in {Backfill.Attempts} attempts ({e.Message}); run the command again " +
                        "once the store is back: events already applied count once";
                    progress.Finished(result);
                    break;
                }
                progress.Finished(result);
            }
        }

        if (Interactive())
        {
            await AnsiConsole.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                    new ElapsedTimeColumn(), new RemainingTimeColumn())
                .StartAsync(ctx => ImportAllAsync(new LiveProgress(ctx)));
        }
        else
        {
            await ImportAllAsync(new PlainProgress(TimeSpan.FromSeconds(5)));
        }
        Summary(results, clock.Elapsed);
        return results.Any(r => r.Error is not null) ? 1 : 0;
    }

    private static async Task<string?> StoreProblemAsync(IConnectionMultiplexer redis)
    {
        try
        {
            await redis.GetDatabase().PingAsync();
            return null;
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            return $"the store at {redis.Configuration} does not answer ({e.Message}); pass --redis or set ConnectionStrings__Redis";
        }
    }

    private static bool Interactive() =>
        AnsiConsole.Profile.Capabilities.Interactive && !Console.IsOutputRedirected
        && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI"));

    private static void Summary(List<FileResult> results, TimeSpan elapsed)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("backfill summary");
        table.AddColumns("file", "lines", "accepted", "duplicates", "rejected", "elapsed", "events/s");
        foreach (var c in table.Columns.Skip(1)) c.RightAligned();
        static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);
        static string Rate(long n, TimeSpan t) => t.TotalSeconds > 0 ? N((long)(n / t.TotalSeconds)) : "-";
        static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("N1", CultureInfo.InvariantCulture) + " s";
        foreach (var r in results)
        {
            var name = Markup.Escape(Path.GetFileName(r.Path)) + (r.Error is null ? "" : " [red](unreadable)[/]");
            table.AddRow(name, N(r.Lines), N(r.Accepted), N(r.Duplicates), N(r.Rejected), Seconds(r.Elapsed), Rate(r.Lines, r.Elapsed));
        }
        long lines = results.Sum(r => r.Lines), accepted = results.Sum(r => r.Accepted),
            duplicates = results.Sum(r => r.Duplicates), rejected = results.Sum(r => r.Rejected);
        table.AddRow($"[bold]{results.Count} file(s)[/]", N(lines), N(accepted), N(duplicates), N(rejected), Seconds(elapsed), Rate(lines, elapsed));
        AnsiConsole.Write(table);
        foreach (var r in results.Where(r => r.Error is not null))
        {
            AnsiConsole.MarkupLine($"[red]cannot read[/] {Markup.Escape(r.Path)}: {Markup.Escape(r.Error!)}");
        }

        var errors = results.SelectMany(r => r.FirstErrors.Select(e => (File: Path.GetFileName(r.Path), e.Line, e.Message))).Take(ErrorsShown).ToList();
        if (errors.Count > 0)
        {
            AnsiConsole.MarkupLine($"[yellow]first rejected lines[/] (all {N(rejected)} are on the dead-letter list, feed '{Feed}'):");
            foreach (var (file, line, message) in errors)
            {
                AnsiConsole.MarkupLine(Markup.Escape($"  {file}:{line}: {message}"));
            }
        }
    }
}

/// <summary>What became of one file.</summary>
internal sealed class FileResult(string path)
{
    private readonly List<(long Line, string Message)> _errors = [];
    private long _lines, _accepted, _duplicates, _rejected;

    public string Path { get; } = path;
    public long Lines => Interlocked.Read(ref _lines);
    public long Accepted => Interlocked.Read(ref _accepted);
    public long Duplicates => Interlocked.Read(ref _duplicates);
    public long Rejected => Interlocked.Read(ref _rejected);
    public long Bytes { get; set; }
    public long BytesRead { get; set; }
    public TimeSpan Elapsed { get; set; }
    public string? Error { get; set; }

    public IReadOnlyList<(long Line, string Message)> FirstErrors
    {
        get
        {
            lock (_errors) return _errors.OrderBy(e => e.Line).ToList();
        }
    }

    public void Add(int lines, int accepted, int duplicates, IEnumerable<(long Line, string Message)> rejected)
    {
        Interlocked.Add(ref _lines, lines);
        Interlocked.Add(ref _accepted, accepted);
        Interlocked.Add(ref _duplicates, duplicates);
        foreach (var error in rejected)
        {
            Interlocked.Increment(ref _rejected);
            lock (_errors)
            {
                if (_errors.Count < 10) _errors.Add(error);
            }
        }
    }
}

/// <summary>
/// Reads files a batch at a time and applies each batch as the API would, one batch in flight while the next is read.
/// A batch the store did not confirm (a timeout, a dropped connection: a busy or restarting store) is sent again, up to
/// <see cref="Attempts"/> times with a doubling pause from <paramref name="retryDelay"/> (1 s): the fold counts each
/// event once, so what the unconfirmed attempt did apply shows as duplicates of the resend. After the last attempt the
/// file fails with the store's error, and a rerun of the command picks up where it stopped, the same way.
/// </summary>
internal sealed class Backfill(EventIngestor ingestor, DeadLetterStore deadLetters, int batch, int maxBytes, TimeSpan? retryDelay = null)
{
    public const int Attempts = 5;

    public async Task ImportAsync(FileResult result, IBackfillProgress progress, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            await using var stream = NdJsonFiles.Open(result.Path, out var raw);
            result.Bytes = raw.Length;
            var reader = new NdJsonChunkReader(stream, batch, maxBytes);
            Task? applying = null;
            while (await reader.ReadAsync(ct) is { } chunk)
            {
                // ApplyAsync sends its writes before it first waits, so batches reach the store in file order.
                var next = ApplyAsync(result, chunk);
                if (applying is not null) await applying;
                applying = next;
                result.BytesRead = raw.Position;
                result.Elapsed = clock.Elapsed;
                progress.Advanced(result);
            }
            if (applying is not null) await applying;
        }
        finally
        {
            result.Elapsed = clock.Elapsed;
        }
    }

    private async Task ApplyAsync(FileResult result, NdJsonChunk chunk)
    {
        var docs = new List<JsonDocument>(chunk.Lines.Count);
        try
        {
            var items = new List<(int, JsonElement?, string?)>(chunk.Lines.Count);
            for (var i = 0; i < chunk.Lines.Count; i++)
            {
                var (start, length, _) = chunk.Lines[i];
                try
                {
                    var doc = JsonDocument.Parse(chunk.Body.Slice(start, length));
                    docs.Add(doc);
                    items.Add((i, doc.RootElement, null));
                }
                catch (JsonException e)
                {
                    items.Add((i, null, $"not valid JSON: {e.Message}"));
                }
            }
            var outcome = await IngestWithRetriesAsync(items);
            var rejected = outcome.Rejected.Select(r => (Line: chunk.Lines[r.Index].Line, r.Error, r.Index)).ToList();
            result.Add(chunk.Lines.Count, outcome.Accepted, outcome.Duplicates, rejected.Select(r => (r.Line, r.Error)));
            var file = Path.GetFileName(result.Path);
            await Task.WhenAll(rejected.Select(r =>
            {
                var (start, length, _) = chunk.Lines[r.Index];
                return deadLetters.AddAsync(BackfillCommand.Feed, $"{file} line {r.Line}: {r.Error}",
                    Encoding.UTF8.GetString(chunk.Body.Span.Slice(start, length)));
            }));
        }
        finally
        {
            foreach (var doc in docs) doc.Dispose();
        }
    }

    private async Task<IngestResult> IngestWithRetriesAsync(List<(int, JsonElement?, string?)> items)
    {
        var delay = retryDelay ?? TimeSpan.FromSeconds(1);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await ingestor.IngestAsync(items);
            }
            catch (Exception e) when (attempt < Attempts && e is RedisTimeoutException or RedisConnectionException)
            {
                await Task.Delay(delay);
                delay *= 2;
            }
        }
    }
}

internal interface IBackfillProgress
{
    void Started(FileResult file);
    void Advanced(FileResult file);
    void Finished(FileResult file);
}

/// <summary>A Spectre.Console progress bar per file (bytes read), with events and events/s in its description.</summary>
internal sealed class LiveProgress(ProgressContext ctx) : IBackfillProgress
{
    private ProgressTask? _task;

    public void Started(FileResult file)
    {
        _task = ctx.AddTask(Markup.Escape(Path.GetFileName(file.Path)), maxValue: 1);
    }

    public void Advanced(FileResult file)
    {
        if (_task is null) return;
        _task.MaxValue = Math.Max(1, file.Bytes);
        _task.Value = file.BytesRead;
        _task.Description = Markup.Escape(Describe(file));
    }

    public void Finished(FileResult file)
    {
        if (_task is null) return;
        Advanced(file);
        _task.Value = _task.MaxValue;
        if (file.Error is not null) _task.Description = $"[red]{Markup.Escape(Path.GetFileName(file.Path))}: {Markup.Escape(file.Error)}[/]";
        _task.StopTask();
    }

    internal static string Describe(FileResult file)
    {
        var rate = file.Elapsed.TotalSeconds > 0 ? file.Lines / file.Elapsed.TotalSeconds : 0;
        return string.Create(CultureInfo.InvariantCulture,
            $"{Path.GetFileName(file.Path)}  {file.Lines:N0} events  {rate:N0}/s  {file.Rejected:N0} rejected");
    }
}

/// <summary>For logs and CI: a plain line per file every interval and at its end.</summary>
internal sealed class PlainProgress(TimeSpan interval) : IBackfillProgress
{
    private long _last;

    public void Started(FileResult file) => _last = Stopwatch.GetTimestamp();

    public void Advanced(FileResult file)
    {
        if (Stopwatch.GetElapsedTime(_last) < interval) return;
        _last = Stopwatch.GetTimestamp();
        Print(file);
    }

    public void Finished(FileResult file)
    {
        if (file.Error is not null)
        {
            Console.WriteLine($"backfill: {file.Path}: cannot read: {file.Error}");
            return;
        }
        Print(file);
    }

    private static void Print(FileResult file)
    {
        var percent = file.Bytes > 0 ? 100.0 * file.BytesRead / file.Bytes : 100;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"backfill: {percent,5:0.0}% of {file.Bytes / 1_048_576.0:N1} MB  {LiveProgress.Describe(file)}"));
    }
}
