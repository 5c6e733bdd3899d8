using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Ingestion.DeadLetters;
using Ingestion.Events;
using Ingestion.Profiles;
using Spectre.Console;

namespace Ingestion.Commands;

/// <summary>
/// <c>deadletters list [--feed x] [--limit n]</c> shows the dead-letter list, newest first;
/// <c>deadletters replay [--feed x] (--all | --id id)</c> sends each letter's payload through the events pipeline again
/// and removes the letters that are now accepted or duplicates; the ones still failing stay, with the reason shown.
/// </summary>
internal static class DeadLettersCommand
{
    public static Command Create(Option<string?> redis)
    {
        var feed = new Option<string?>("--feed") { Description = "Only letters from this feed (e.g. backfill, canonical, fasttrack)" };
        var limit = new Option<int>("--limit") { Description = "At most this many letters", DefaultValueFactory = _ => 50 };
        var list = new Command("list", "Show dead letters, newest first") { feed, limit };
        list.SetAction((parse, _) => ListAsync(parse.GetValue(redis), parse.GetValue(feed), parse.GetValue(limit)));

        var all = new Option<bool>("--all") { Description = "Replay every letter (of --feed, if given)" };
        var id = new Option<string?>("--id") { Description = "Replay the letter with this id" };
        var replay = new Command("replay", "Re-ingest dead letters; remove those now accepted or duplicates") { feed, all, id };
        replay.Validators.Add(r =>
        {
            if (r.GetValue(all) == (r.GetValue(id) is not null)) r.AddError("say which letters: --all or --id <id> (not both)");
        });
        replay.SetAction((parse, _) => ReplayAsync(parse.GetValue(redis), parse.GetValue(feed), parse.GetValue(all) ? null : parse.GetValue(id)));

        return new Command("deadletters", "Inspect and replay the dead-letter list") { list, replay };
    }

    private static async Task<int> ListAsync(string? redis, string? feed, int limit)
    {
        using var host = IngestionCommands.BuildHost(redis);
        var store = host.Services.GetRequiredService<DeadLetterStore>();
        var letters = await store.FindAsync(feed, Math.Max(1, limit));
        var total = await store.CountAsync();
        var table = new Table().Border(TableBorder.Rounded)
            .Title(string.Create(CultureInfo.InvariantCulture, $"dead letters: {letters.Count:N0} shown of {total:N0}{(feed is null ? "" : $" (feed {feed})")}"));
        table.AddColumns("id", "feed", "at", "attempts", "reason", "payload");
        foreach (var l in letters)
        {
            table.AddRow(Markup.Escape(l.Id), Markup.Escape(l.Feed), l.At.ToString("u", CultureInfo.InvariantCulture),
                l.Attempts.ToString(CultureInfo.InvariantCulture), Markup.Escape(l.Reason), Markup.Escape(Shorten(l.Payload, 80)));
        }
        AnsiConsole.Write(table);
        return 0;
    }

    private static async Task<int> ReplayAsync(string? redis, string? feed, string? id)
    {
        using var host = IngestionCommands.BuildHost(redis);
        var store = host.Services.GetRequiredService<DeadLetterStore>();
        var ingestor = host.Services.GetRequiredService<EventIngestor>();
        await host.Services.GetRequiredService<LedgerUpgrade>().UpgradeAsync(CancellationToken.None);
        var letters = id is null
            ? await store.FindAsync(feed, DeadLetterStore.Capacity)
            : (await store.FindAsync(feed, DeadLetterStore.Capacity)).Where(l => l.Id == id).ToList();
        if (id is not null && letters.Count == 0)
        {
            Console.Error.WriteLine($"deadletters: no letter with id {id}{(feed is null ? "" : $" in feed {feed}")}");
            return 1;
        }
        var replayed = await new DeadLetterReplay(store, ingestor).ReplayAsync(letters);
        var table = new Table().Border(TableBorder.Rounded).Title("replay");
        table.AddColumns("id", "feed", "result");
        foreach (var (letter, outcome) in replayed.Where(r => r.Outcome is not DeadLetterReplay.Accepted and not DeadLetterReplay.Duplicate))
        {
            table.AddRow(Markup.Escape(letter.Id), Markup.Escape(letter.Feed), Markup.Escape(outcome));
        }
        int accepted = replayed.Count(r => r.Outcome == DeadLetterReplay.Accepted), duplicates = replayed.Count(r => r.Outcome == DeadLetterReplay.Duplicate);
        if (table.Rows.Count > 0) AnsiConsole.Write(table);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"replayed {replayed.Count:N0}: {accepted:N0} accepted and {duplicates:N0} duplicates (removed), {replayed.Count - accepted - duplicates:N0} still failing (kept)"));
        return 0;
    }

    private static string Shorten(string s, int max) => s.Length <= max ? s : s[..(max - 1)] + "…";
}

/// <summary>Replays dead letters through the events pipeline; removes the ones it now accepts (or already had).</summary>
public sealed class DeadLetterReplay(DeadLetterStore store, EventIngestor ingestor)
{
    public const string Accepted = "accepted";
    public const string Duplicate = "duplicate";

    /// <summary>Each letter with what happened: <see cref="Accepted"/>, <see cref="Duplicate"/>, or why it still fails.</summary>
    public async Task<IReadOnlyList<(DeadLetter Letter, string Outcome)>> ReplayAsync(IReadOnlyList<DeadLetter> letters)
    {
        var outcomes = new List<(DeadLetter, string)>(letters.Count);
        foreach (var letter in letters)
        {
            string outcome;
            if (letter.PayloadBytes is { } bytes)
            {
                outcomes.Add((letter, $"only the first {DeadLetterStore.MaxPayloadBytes:N0} of its {bytes:N0} bytes were kept: resend it from the source"));
                continue;
            }
            try
            {
                using var doc = JsonDocument.Parse(letter.Payload);
                var result = await ingestor.IngestAsync([(0, doc.RootElement, null)]);
                outcome = result.Accepted > 0 ? Accepted : result.Duplicates > 0 ? Duplicate : result.Rejected[0].Error;
            }
            catch (JsonException e)
            {
                outcome = $"not valid JSON: {e.Message}";
            }
            if (outcome is Accepted or Duplicate) await store.RemoveAsync(letter);
            outcomes.Add((letter, outcome));
        }
        return outcomes;
    }
}
