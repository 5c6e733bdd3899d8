using System.Text.Json;
using Ingestion.DeadLetters;
using Ingestion.Lobby;
using Ingestion.Profiles;
using Microsoft.Extensions.Options;
using Shared.Contracts;
using Shared.ServiceDefaults.ApiKeys;

namespace Ingestion.Events;

/// <summary>Either a result to return or a problem to report for the whole request.</summary>
public sealed record IngestAttempt(IngestResult? Result, (int Status, string Title, string Detail)? Failure)
{
    public static IngestAttempt Fail(int status, string title, string detail) => new(null, (status, title, detail));
}

/// <summary>Parses a request's events, applies the valid ones, and accounts for every one of them.</summary>
public sealed class EventIngestor(EventParser parser, ProfileWriter writer, IOptions<FoldOptions> options, IngestionMetrics metrics, DeadLetterStore deadLetters,
    LobbyCounter? lobby = null, Feeds.FeedStats? feeds = null)
{
    /// <summary>
    /// For vendor adapters and connectors: ingests canonical events built from a vendor's messages, and puts every
    /// rejected one on the dead-letter list with its reason (a vendor cannot act on our per-item answer).
    /// </summary>
    /// <param name="sender">The API key that sent the vendor's message, when it came with one.</param>
    public async Task<IngestResult> IngestFromFeedAsync(string feed, IReadOnlyList<JsonElement> events, ApiKeyPrincipal? sender = null)
    {
        var result = await IngestAsync(events.Select((e, i) => (i, (JsonElement?)e, (string?)null)).ToList(), rejectedAreDeadLettered: true, sender: sender);
        foreach (var r in result.Rejected)
        {
            // An event this key may not send is not kept: replaying the dead letter would apply it with another key's rights.
            if (sender?.EventRefusal(StringOf(events[r.Index], "source"), StringOf(events[r.Index], "type")) is not null) continue;
            await deadLetters.AddAsync(feed, r.Error, events[r.Index].GetRawText());
        }
        return result;
    }

    /// <param name="tooOldFeed">When given, events too old to apply are kept on the dead-letter list under this feed.</param>
    /// <param name="sender">The API key that sent the events: each event must be one it may send (<see cref="ApiKeyPrincipal.EventRefusal"/>).</param>
    public async Task<IngestAttempt> IngestJsonAsync(ReadOnlyMemory<byte> body, bool requireArray, string? tooOldFeed = null, ApiKeyPrincipal? sender = null)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(body);
        }
        catch (JsonException e)
        {
            return IngestAttempt.Fail(400, "Malformed JSON", $"The body is not valid JSON: {e.Message}");
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind == JsonValueKind.Array)
            {
                var count = root.GetArrayLength();
                if (count > options.Value.MaxBatchEvents) return TooMany(count);
                var items = new List<(int, JsonElement?, string?)>(count);
                var i = 0;
                foreach (var e in root.EnumerateArray()) items.Add((i++, e, null));
                return new IngestAttempt(await IngestAsync(items, tooOldFeed, sender: sender), null);
            }
            if (requireArray) return IngestAttempt.Fail(400, "Expected a batch", $"{EventsApi.CloudEventBatch} must be a JSON array of events.");
            return new IngestAttempt(await IngestAsync([(0, root, null)], tooOldFeed, sender: sender), null);
        }
    }

    /// <param name="tooOldFeed">When given, events too old to apply are kept on the dead-letter list under this feed.</param>
    public async Task<IngestAttempt> IngestNdJsonAsync(ReadOnlyMemory<byte> body, string? tooOldFeed = null, ApiKeyPrincipal? sender = null)
    {
        var docs = new List<JsonDocument>();
        try
        {
            var items = new List<(int, JsonElement?, string?)>();
            var span = body;
            var index = 0;
            while (span.Length > 0)
            {
                var nl = span.Span.IndexOf((byte)'\n');
                var line = nl < 0 ? span : span[..nl];
                span = nl < 0 ? ReadOnlyMemory<byte>.Empty : span[(nl + 1)..];
                if (line.Span.Trim(" \t\r"u8).IsEmpty) continue;
                if (index >= options.Value.MaxBatchEvents) return TooMany(index + 1);
                if (line.Length > options.Value.MaxLineBytes)
                {
                    items.Add((index, null, $"line {index + 1}: {line.Length:N0} bytes, more than one event may take ({options.Value.MaxLineBytes:N0}, Ingestion:MaxLineBytes); not read"));
                    index++;
                    continue;
                }
                try
                {
                    var doc = JsonDocument.Parse(line);
                    docs.Add(doc);
                    items.Add((index, doc.RootElement, null));
                }
                catch (JsonException e)
                {
                    items.Add((index, null, $"line {index + 1} is not valid JSON: {e.Message}"));
                }
                index++;
            }
            return new IngestAttempt(await IngestAsync(items, tooOldFeed, sender: sender), null);
        }
        finally
        {
            foreach (var d in docs) d.Dispose();
        }
    }

    /// <summary>One event in binary content mode (<see cref="BinaryContentMode"/>): attributes in <c>ce-*</c> headers, the data as the body.</summary>
    /// <param name="tooOldFeed">When given, an event too old to apply is kept on the dead-letter list under this feed (as its structured form).</param>
    public async Task<IngestAttempt> IngestBinaryAsync(IHeaderDictionary headers, string mediaType, ReadOnlyMemory<byte> body, string? tooOldFeed = null,
        ApiKeyPrincipal? sender = null)
    {
        if (!BinaryContentMode.IsJson(mediaType))
        {
            return IngestAttempt.Fail(415, "Unsupported media type",
                $"In binary content mode the body is the event's data and must be JSON: send Content-Type application/json, not {mediaType}.");
        }
        ReadOnlyMemory<byte> structured;
        try
        {
            structured = BinaryContentMode.ToStructured(headers, body);
        }
        catch (JsonException e)
        {
            return IngestAttempt.Fail(400, "Malformed JSON", $"The body (the event's data, binary content mode) is not valid JSON: {e.Message}");
        }
        catch (EventRejectedException e)
        {
            metrics.Rejected(1);
            return new IngestAttempt(new IngestResult(0, 0, [new RejectedEvent(0, null, BinaryContentMode.Describe(e.Message))]), null);
        }
        var attempt = await IngestJsonAsync(structured, requireArray: false, tooOldFeed, sender);
        return attempt.Result is { Rejected.Count: > 0 } r
            ? attempt with { Result = r with { Rejected = [.. r.Rejected.Select(x => x with { Error = BinaryContentMode.Describe(x.Error) })] } }
            : attempt;
    }

    private IngestAttempt TooMany(int count) => IngestAttempt.Fail(413, "Too many events",
        $"A request may carry at most {options.Value.MaxBatchEvents:N0} events (this one has at least {count:N0}); split it.");

    /// <summary>Each item: its index, the parsed JSON (or null) and a parse error (or null).</summary>
    /// <param name="tooOldFeed">
    /// When given, events too old to apply are also put on the dead-letter list under this feed (callers that
    /// dead-letter every rejection themselves, and replays, leave it out).
    /// </param>
    /// <param name="rejectedAreDeadLettered">The caller puts every rejected event on the dead-letter list (counted so in the feed's status).</param>
    /// <param name="sender">When given, an event this API key may not send is rejected with the reason (and not dead-lettered).</param>
    public async Task<IngestResult> IngestAsync(IReadOnlyList<(int Index, JsonElement? Json, string? Error)> items, string? tooOldFeed = null,
        bool rejectedAreDeadLettered = false, ApiKeyPrincipal? sender = null)
    {
        var refused = rejectedAreDeadLettered ? Feeds.FeedOutcome.DeadLettered : Feeds.FeedOutcome.Rejected;
        var traffic = feeds is null ? null : new List<(JsonElement?, Feeds.FeedOutcome)>(items.Count);
        var rejected = new List<RejectedEvent>();
        var commands = new List<FoldCommand>(items.Count);
        var commandItem = new List<int>(items.Count);
        var lobbyCommands = new List<LobbyCommand>();
        var lobbyItem = new List<int>();
        for (var item = 0; item < items.Count; item++)
        {
            var (index, json, error) = items[item];
            if (json is not { } e)
            {
                rejected.Add(new RejectedEvent(index, null, error ?? "not an event"));
                traffic?.Add((null, refused));
                continue;
            }
            if (sender?.EventRefusal(StringOf(e, "source"), StringOf(e, "type")) is { } notAllowed)
            {
                // Never dead-lettered (a replay would apply it with another key's rights): a plain rejection in the feed's status.
                rejected.Add(new RejectedEvent(index, IdOf(e), notAllowed));
                traffic?.Add((e, Feeds.FeedOutcome.Rejected));
                continue;
            }
            try
            {
                if (lobby is not null && LobbyEventParser.IsLobbyEvent(e))
                {
                    // The lobby's events take their own lean path: counted, never folded into the profile.
                    var (now, oldestDay) = lobby.Window();
                    lobbyCommands.Add(LobbyEventParser.Parse(e, now, oldestDay));
                    lobbyItem.Add(item);
                    continue;
                }
                commands.Add(parser.Parse(e));
                commandItem.Add(item);
            }
            catch (EventRejectedException ex)
            {
                rejected.Add(new RejectedEvent(index, IdOf(e), ex.Message));
                traffic?.Add((e, refused));
            }
            catch (InvalidOperationException ex)
            {
                // A string the parser had no precise check for holds bytes that are not UTF-8 or a lone surrogate escape.
                rejected.Add(new RejectedEvent(index, null, $"field event: holds a string that is not valid text ({ex.Message})"));
            }
        }
        var counting = lobby is null ? Task.FromResult<LobbyOutcome[]>([]) : lobby.CountAsync(lobbyCommands);
        var outcomes = await writer.ApplyAsync(commands);
        int accepted = 0, duplicates = 0;
        var counted = await counting;
        for (var i = 0; i < counted.Length; i++)
        {
            switch (counted[i])
            {
                case LobbyOutcome.Counted: accepted++; traffic?.Add((items[lobbyItem[i]].Json, Feeds.FeedOutcome.Accepted)); break;
                case LobbyOutcome.Duplicate: duplicates++; traffic?.Add((items[lobbyItem[i]].Json, Feeds.FeedOutcome.Duplicate)); break;
                default:
                    var (index, json, _) = items[lobbyItem[i]];
                    traffic?.Add((json, refused));
                    rejected.Add(new RejectedEvent(index, IdOf(json!.Value), lobby!.ClosedReason(lobbyCommands[i])));
                    break;
            }
        }
        List<Task>? letters = null;
        for (var i = 0; i < outcomes.Length; i++)
        {
            switch (outcomes[i])
            {
                case FoldOutcome.Applied or FoldOutcome.Superseded: accepted++; traffic?.Add((items[commandItem[i]].Json, Feeds.FeedOutcome.Accepted)); break;
                case FoldOutcome.Duplicate or FoldOutcome.Conflict: duplicates++; traffic?.Add((items[commandItem[i]].Json, Feeds.FeedOutcome.Duplicate)); break;
                case FoldOutcome.Erased:
                    traffic?.Add((items[commandItem[i]].Json, refused));
                    // Not dead-lettered: an erased player's data is not kept anywhere.
                    var (erasedIndex, _, _) = items[commandItem[i]];
                    rejected.Add(new RejectedEvent(erasedIndex, commands[i].EventId,
                        $"field subject: player {commands[i].PlayerId} was erased; events for them are refused and not kept"));
                    break;
                default:
                    var reason = TooOld(tooOldFeed);
                    var (index, json, _) = items[commandItem[i]];
                    rejected.Add(new RejectedEvent(index, commands[i].EventId, reason));
                    if (tooOldFeed is not null) (letters ??= []).Add(deadLetters.AddAsync(tooOldFeed, reason, json!.Value.GetRawText()));
                    traffic?.Add((json, tooOldFeed is not null ? Feeds.FeedOutcome.DeadLettered : refused));
                    break;
            }
        }
        if (letters is not null) await Task.WhenAll(letters);
        if (traffic is not null) await feeds!.RecordAsync(traffic);
        if (rejected.Count > 0) metrics.Rejected(rejected.Count);
        rejected.Sort((a, b) => a.Index.CompareTo(b.Index));
        return new IngestResult(accepted, duplicates, rejected);
    }

    private string TooOld(string? feed) =>
        $"field time: {options.Value.BucketRetentionDays} days or more before this player's newest activity, beyond the retention " +
        $"(Ingestion:BucketRetentionDays); not applied{(feed is null ? "" : $", kept on the dead-letter list (feed {feed}) to replay after raising the retention")}";

    private static string? IdOf(JsonElement e) => StringOf(e, "id");

    /// <summary>The string, or null when absent, not a string, or not text (a lone surrogate): the parser names that problem.</summary>
    private static string? StringOf(JsonElement e, string name)
    {
        if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(name, out var v) || v.ValueKind != JsonValueKind.String) return null;
        try
        {
            return v.GetString();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }
}
