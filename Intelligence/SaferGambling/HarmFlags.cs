using Shared.Contracts;
using Shared.Store;
using StackExchange.Redis;

namespace Intelligence.SaferGambling;

/// <summary>
/// Keeps each player's harm flag in their profile hash (<see cref="HarmFlag.Field"/>), where every marketing path
/// already reads restrictions, and opens a safer-gambling case (<see cref="StoreKeys.HarmCases"/>) when a player
/// reaches <c>elevated</c> or <c>high</c>.
/// </summary>
public sealed class HarmFlags(IConnectionMultiplexer redis, StoreKeys keys)
{
    // KEYS: profile. ARGV: flag ('' to remove). Only while the profile is held: an erasure in between must not leave a
    // flag behind. The case set is another key (another hash slot on a cluster), written after.
    private const string Write = """
        if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
        if ARGV[1] == '' then redis.call('HDEL', KEYS[1], 'hr') else redis.call('HSET', KEYS[1], 'hr', ARGV[1]) end
        return 1
        """;

    /// <summary>Writes the players' new flags (null: none), opening a case for every flagged one.</summary>
    public async Task WriteAsync(IReadOnlyList<(string PlayerId, HarmFlag? Flag, ProbabilityScore? Score)> changes)
    {
        if (changes.Count == 0) return;
        var db = redis.GetDatabase();
        var batch = db.CreateBatch();
        var writes = changes.Select(c => batch.ScriptEvaluateAsync(Write, [keys.Profile(c.PlayerId)], [c.Flag?.Stored ?? ""])).ToList();
        batch.Execute();
        await Task.WhenAll(writes);
        var opened = changes.Where((c, i) => c.Flag is not null && (long)writes[i].Result == 1)
            .Select(c => new SortedSetEntry(c.PlayerId, c.Score?.Probability ?? 0)).ToArray();
        // A case already open keeps its place until the team records an outcome; only its probability may rise.
        if (opened.Length > 0) await db.SortedSetAddAsync(keys.HarmCases, opened, SortedSetWhen.NotExists);
    }

    /// <summary>Open cases, highest probability first.</summary>
    public async Task<IReadOnlyList<(string PlayerId, double Probability)>> OpenCasesAsync(int limit)
    {
        var entries = await redis.GetDatabase().SortedSetRangeByRankWithScoresAsync(keys.HarmCases, 0, limit - 1, Order.Descending);
        return [.. entries.Select(e => (e.Element.ToString(), e.Score))];
    }
}
