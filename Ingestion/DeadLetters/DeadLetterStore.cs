using System.Text.Json;
using System.Text.Json.Serialization;
using Shared.Store;
using StackExchange.Redis;

namespace Ingestion.DeadLetters;

/// <summary>A message a feed could not get applied, kept with the reason so it can be fixed and replayed.</summary>
/// <param name="Feed">The adapter or connector, e.g. <c>fasttrack</c>, <c>hub88</c>, <c>pam</c>, <c>canonical</c>.</param>
/// <param name="Reason">Why it failed, naming the field where there is one.</param>
/// <param name="Payload">The canonical event JSON (replayable through the events pipeline) or the vendor message.</param>
/// <param name="PayloadBytes">The payload's size when it was larger than <see cref="DeadLetterStore.MaxPayloadBytes"/> and
/// only its beginning was kept (the letter says what failed, but cannot be replayed); null when kept whole.</param>
public sealed record DeadLetter(string Id, string Feed, string Reason, string Payload, DateTimeOffset At, int Attempts = 1, int? PayloadBytes = null);

/// <summary>A page of the dead-letter list: how many letters there are in all, and some of them, newest first.</summary>
public sealed record DeadLetterPage(long Total, IReadOnlyList<DeadLetter> Items);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(DeadLetter))]
[JsonSerializable(typeof(DeadLetterPage))]
internal sealed partial class DeadLetterJsonContext : JsonSerializerContext;

/// <summary>
/// The dead-letter list: a capped Redis list, newest first, plus a counter for the metric. Only list commands,
/// so it works on Redis and Garnet alike.
/// </summary>
public sealed class DeadLetterStore(IConnectionMultiplexer redis, StoreKeys keys, TimeProvider clock)
{
    public const int Capacity = 100_000;

    public RedisKey Key => keys.Prefix + "deadletters";

    /// <summary>
    /// The most of a payload kept (UTF-8 bytes): a sender can fail whole 10 MB bodies, and 100,000 of them would fill the
    /// store. A canonical event is far smaller; a larger payload keeps its first 64 KiB and its size.
    /// </summary>
    public const int MaxPayloadBytes = 64 * 1024;

    public async Task AddAsync(string feed, string reason, string payload, int attempts = 1)
    {
        int? bytes = null;
        if (payload.Length > MaxPayloadBytes / 3 && System.Text.Encoding.UTF8.GetByteCount(payload) is var size && size > MaxPayloadBytes)
        {
            bytes = size;
            var keep = MaxPayloadBytes;
            // Cut on a character: never half of a surrogate pair.
            while (System.Text.Encoding.UTF8.GetByteCount(payload.AsSpan(0, Math.Min(keep, payload.Length))) > MaxPayloadBytes) keep -= 1024;
            if (keep < payload.Length && char.IsHighSurrogate(payload[keep - 1])) keep--;
            payload = payload[..Math.Min(keep, payload.Length)];
        }
        var letter = new DeadLetter(Guid.NewGuid().ToString("n"), feed, reason, payload, clock.GetUtcNow(), attempts, bytes);
        var db = redis.GetDatabase();
        await db.ListLeftPushAsync(Key, JsonSerializer.Serialize(letter, DeadLetterJsonContext.Default.DeadLetter));
        await db.ListTrimAsync(Key, 0, Capacity - 1);
    }

    public async Task<long> CountAsync() => await redis.GetDatabase().ListLengthAsync(Key);

    public async Task<IReadOnlyList<DeadLetter>> ListAsync(long start = 0, long count = 100)
    {
        var values = await redis.GetDatabase().ListRangeAsync(Key, start, start + count - 1);
        return values.Select(v => JsonSerializer.Deserialize(v.ToString(), DeadLetterJsonContext.Default.DeadLetter)!).ToList();
    }

    /// <summary>Newest first: up to <paramref name="limit"/> letters, only those of <paramref name="feed"/> when given.</summary>
    public async Task<IReadOnlyList<DeadLetter>> FindAsync(string? feed, int limit)
    {
        const int page = 1_000;
        var found = new List<DeadLetter>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (long start = 0; found.Count < limit; start += page)
        {
            var letters = await ListAsync(start, page);
            // Letters pushed meanwhile shift the list: the id check keeps one that moved into the next page from showing twice.
            found.AddRange(letters.Where(l => (feed is null || l.Feed == feed) && seen.Add(l.Id)).Take(limit - found.Count));
            if (letters.Count < page) break;
        }
        return found;
    }

    /// <summary>Removes one letter (after a successful replay). True if it was there.</summary>
    public async Task<bool> RemoveAsync(DeadLetter letter) =>
        await redis.GetDatabase().ListRemoveAsync(Key, JsonSerializer.Serialize(letter, DeadLetterJsonContext.Default.DeadLetter), 1) > 0;
}
