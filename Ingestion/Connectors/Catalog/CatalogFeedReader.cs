using System.Buffers;
using System.Text.Json;
using Ingestion.Catalog;
using Shared.Contracts;

namespace Ingestion.Connectors.Catalog;

/// <summary>One pulled list: the valid games, every id the feed named (valid or not), and what was wrong with the rest.</summary>
public sealed record CatalogFeed(IReadOnlyList<Game> Games, IReadOnlySet<string> SeenIds, int ItemCount, IReadOnlyList<string> Errors);

/// <summary>The body was not a game list at all (not JSON, or no array where the items should be).</summary>
public sealed class CatalogFeedFormatException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Reads an aggregator's game list. Accepted: the catalogue's own <see cref="Game"/> array (docs/contract.md, as
/// <c>PUT /v1/catalog/games</c> takes it), or any list of objects whose fields are renamed through
/// <see cref="CatalogFeedOptions.Fields"/>, optionally wrapped (<see cref="CatalogFeedOptions.ItemsPath"/>).
/// A game without <c>enabled</c> is enabled: being in the feed is what makes it live. Pure; no I/O.
/// </summary>
public static class CatalogFeedReader
{
    public static readonly IReadOnlyList<string> FieldNames =
        ["id", "title", "provider", "category", "tags", "rtp", "volatility", "minBet", "maxBet", "jackpot", "markets", "releasedAt", "enabled"];

    public static CatalogFeed Read(ReadOnlyMemory<byte> body, string itemsPath, IReadOnlyDictionary<string, string> fields)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(body);
        }
        catch (JsonException e)
        {
            throw new CatalogFeedFormatException($"the game list is not valid JSON: {e.Message}", e);
        }
        using (doc)
        {
            var items = Find(doc.RootElement, itemsPath);
            if (items is not { ValueKind: JsonValueKind.Array } array)
            {
                throw new CatalogFeedFormatException(string.IsNullOrEmpty(itemsPath)
                    ? "the game list must be a JSON array of games (or set CatalogFeed:ItemsPath to where the array is)"
                    : $"no JSON array at '{itemsPath}' (CatalogFeed:ItemsPath) in the game list");
            }

            string FeedName(string field) => fields.TryGetValue(field, out var name) && !string.IsNullOrWhiteSpace(name) ? name : field;
            var errors = new List<string>();
            var games = new List<Game>();
            var itemOf = new List<int>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var buffer = new ArrayBufferWriter<byte>(1024);
            var index = -1;
            foreach (var item in array.EnumerateArray())
            {
                index++;
                if (item.ValueKind != JsonValueKind.Object)
                {
                    errors.Add($"item {index}: must be a game object");
                    continue;
                }
                if (Find(item, FeedName("id")) is { ValueKind: JsonValueKind.String } id && id.GetString() is { Length: > 0 } idText)
                {
                    seen.Add(idText);
                }

                // Rename into the catalogue's shape, then let the contract's own deserializer read it.
                buffer.ResetWrittenCount();
                using (var writer = new Utf8JsonWriter(buffer))
                {
                    writer.WriteStartObject();
                    foreach (var field in FieldNames)
                    {
                        if (Find(item, FeedName(field)) is not { } value) continue;
                        writer.WritePropertyName(field);
                        value.WriteTo(writer);
                    }
                    if (Find(item, FeedName("enabled")) is null) writer.WriteBoolean("enabled", true);
                    writer.WriteEndObject();
                }
                try
                {
                    var game = JsonSerializer.Deserialize(buffer.WrittenSpan, ContractsJsonContext.Default.Game);
                    if (game is null) { errors.Add($"item {index}: must be a game object"); continue; }
                    games.Add(game);
                    itemOf.Add(index);
                }
                catch (JsonException e)
                {
                    var field = e.Path is { Length: > 2 } p ? p[2..] : "?";
                    errors.Add($"item {index}: field {Describe(field, FeedName(field))}: has the wrong type");
                }
            }

            // The catalogue's own rules (the same as PUT /v1/catalog/games), reported per item with the feed's field names.
            var invalid = new HashSet<int>();
            foreach (var (key, problems) in CatalogValidator.Validate(games).OrderBy(e => e.Key, StringComparer.Ordinal))
            {
                var close = key.IndexOf(']', StringComparison.Ordinal);
                var i = int.Parse(key.AsSpan(1, close - 1), System.Globalization.CultureInfo.InvariantCulture);
                invalid.Add(i);
                var field = key.Length > close + 2 ? key[(close + 2)..] : "";
                errors.Add($"item {itemOf[i]}" + (field.Length > 0 ? $": field {Describe(field, FeedName(field))}" : "") + $": {string.Join("; ", problems)}");
            }
            var valid = games.Where((_, i) => !invalid.Contains(i)).ToList();
            return new CatalogFeed(valid, seen, index + 1, errors);
        }
    }

    private static string Describe(string field, string feedName) =>
        string.Equals(field, feedName, StringComparison.Ordinal) ? field : $"{field} (feed: {feedName})";

    /// <summary>The element at a dotted path (<c>meta.rtp</c>); the element itself for an empty path; null if absent or null.</summary>
    private static JsonElement? Find(JsonElement e, string path)
    {
        if (string.IsNullOrEmpty(path)) return e;
        foreach (var part in path.Split('.'))
        {
            if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(part, out e)) return null;
        }
        return e.ValueKind == JsonValueKind.Null ? null : e;
    }
}
