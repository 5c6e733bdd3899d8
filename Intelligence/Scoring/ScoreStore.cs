using System.Globalization;
using System.Text.Json;
using Shared.Contracts;
using Shared.Store;
using StackExchange.Redis;

namespace Intelligence.Scoring;

/// <summary>The bands a player had before a rescoring, to tell a band change.</summary>
public sealed record StoredBands(string? Churn, string? Vip, string? Segment, string? Harm = null);

/// <summary>
/// Scores live in the player's <c>s:{id}</c> hash: the API's JSON, plus plain fields segment rules and other
/// readers use (<c>churn</c>, <c>cb</c>, <c>vip</c>, <c>vb</c>, <c>seg</c>, <c>segn</c>, <c>harm</c>, <c>hb</c>, <c>at</c>).
/// </summary>
public sealed class ScoreStore(IConnectionMultiplexer redis, StoreKeys keys)
{
    private static readonly RedisValue[] BandFields = ["cb", "vb", "seg", "hb"];

    // An erasure between reading a player and storing their scores must not leave scores behind. Returns the bands the
    // write replaced, read in the same step: two rescorings of one player at once (live and a sweep) each see the other's
    // bands, so a band change is told once, by the write that made it.
    private const string WriteIfHeld = """
        local unpack = table.unpack or unpack
        if redis.call('EXISTS', KEYS[1]) == 0 then return false end
        local before = redis.call('HMGET', KEYS[2], 'cb', 'vb', 'seg', 'hb')
        redis.call('HSET', KEYS[2], unpack(ARGV))
        return before
        """;

    private static readonly RedisValue[] JsonFields = ["json", "mv"];

    // Only while the stored scores are the ones read (same scoring time): a rescoring in between wrote fresher ones.
    private const string ReplaceIfSame = "if redis.call('HGET', KEYS[1], 'at') == ARGV[1] then redis.call('HSET', KEYS[1], 'json', ARGV[2]) return 1 end return 0";

    /// <summary>
    /// The stored scores' JSON, or null where none is stored or it was made by other model versions than
    /// <paramref name="versions"/> (see <see cref="VersionsKey"/>), so a caller never serves scores of a replaced model.
    /// </summary>
    public async Task<string?[]> ReadJsonAsync(IReadOnlyList<string> playerIds, string? versions = null)
    {
        var batch = redis.GetDatabase().CreateBatch();
        var reads = playerIds.Select(id => batch.HashGetAsync(keys.Scores(id), JsonFields)).ToList();
        batch.Execute();
        await Task.WhenAll(reads);
        return [.. reads.Select(r => r.Result[0].HasValue && (versions is null || r.Result[1] == versions) ? r.Result[0].ToString() : null)];
    }

    /// <summary>The model versions scores were made with, as one comparable string.</summary>
    public static string VersionsKey(IReadOnlyDictionary<string, string> versions) => string.Join(',', versions.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Value));

    public async Task<StoredBands[]> ReadBandsAsync(IReadOnlyList<string> playerIds)
    {
        var batch = redis.GetDatabase().CreateBatch();
        var reads = playerIds.Select(id => batch.HashGetAsync(keys.Scores(id), BandFields)).ToList();
        batch.Execute();
        await Task.WhenAll(reads);
        return [.. reads.Select(r => new StoredBands(S(r.Result[0]), S(r.Result[1]), S(r.Result[2]), S(r.Result[3])))];
        static string? S(RedisValue v) => v.HasValue ? v.ToString() : null;
    }

    /// <summary>
    /// Stores the scores and announces each on <see cref="StoreKeys.ScoresChanged"/>. Returns, per player, the bands the
    /// write replaced (null where the player is no longer held and nothing was written).
    /// </summary>
    public async Task<StoredBands?[]> WriteAsync(IReadOnlyList<PlayerScores> scores)
    {
        if (scores.Count == 0) return [];
        var db = redis.GetDatabase();
        var batch = db.CreateBatch();
        var writes = new List<Task<RedisResult>>(scores.Count);
        var announcements = new List<Task>(scores.Count);
        foreach (var s in scores)
        {
            var fields = new List<HashEntry>(8)
            {
                new("json", JsonSerializer.Serialize(s, ContractsJsonContext.Default.PlayerScores)),
                new("at", s.ScoredAt.ToUnixTimeMilliseconds()),
                new("mv", VersionsKey(s.ModelVersions)),
            };
            if (s.Churn is { } c) { fields.Add(new("churn", c.Probability.ToString("R", CultureInfo.InvariantCulture))); fields.Add(new("cb", c.Band)); }
            if (s.Vip is { } v) { fields.Add(new("vip", v.Probability.ToString("R", CultureInfo.InvariantCulture))); fields.Add(new("vb", v.Band)); }
            if (s.Segment is { } g) { fields.Add(new("seg", g.Id)); fields.Add(new("segn", g.Name)); }
            if (s.Harm is { } h) { fields.Add(new("harm", h.Probability.ToString("R", CultureInfo.InvariantCulture))); fields.Add(new("hb", h.Band)); }
            var args = new RedisValue[fields.Count * 2];
            for (var i = 0; i < fields.Count; i++) { args[2 * i] = fields[i].Name; args[2 * i + 1] = fields[i].Value; }
            writes.Add(batch.ScriptEvaluateAsync(WriteIfHeld, [keys.Profile(s.PlayerId), keys.Scores(s.PlayerId)], args));
            announcements.Add(batch.PublishAsync(keys.ScoresChanged, $"{s.PlayerId}|{s.ScoredAt.ToUnixTimeMilliseconds()}"));
        }
        batch.Execute();
        await Task.WhenAll(writes);
        await Task.WhenAll(announcements);
        return [.. writes.Select(w => w.Result.IsNull ? null : Bands((RedisValue[])w.Result!))];
        static StoredBands Bands(RedisValue[] v) => new(S(v[0]), S(v[1]), S(v[2]), S(v[3]));
        static string? S(RedisValue v) => v.HasValue ? v.ToString() : null;
    }

    /// <summary>
    /// Sets the <c>segments</c> list of the players' stored scores, after a segment was created, edited or deleted
    /// changed memberships without rescoring them. Returns how many were rewritten.
    /// </summary>
    public async Task<int> ReplaceSegmentsAsync(IReadOnlyDictionary<string, IReadOnlyList<SegmentRef>> segments)
    {
        if (segments.Count == 0) return 0;
        var db = redis.GetDatabase();
        var ids = segments.Keys.ToList();
        var batch = db.CreateBatch();
        var reads = ids.Select(id => batch.HashGetAsync(keys.Scores(id), [(RedisValue)"json", "at"])).ToList();
        batch.Execute();
        await Task.WhenAll(reads);
        var writes = new List<Task<RedisResult>>();
        batch = db.CreateBatch();
        for (var i = 0; i < ids.Count; i++)
        {
            var (json, at) = (reads[i].Result[0], reads[i].Result[1]);
            if (json.IsNull || at.IsNull) continue;
            var scores = JsonSerializer.Deserialize(json.ToString(), ContractsJsonContext.Default.PlayerScores)!;
            var wanted = segments[ids[i]];
            if (scores.Segments.SequenceEqual(wanted)) continue;
            writes.Add(batch.ScriptEvaluateAsync(ReplaceIfSame, [keys.Scores(ids[i])],
                [at, JsonSerializer.Serialize(scores with { Segments = wanted }, ContractsJsonContext.Default.PlayerScores)]));
        }
        batch.Execute();
        await Task.WhenAll(writes);
        return writes.Count(w => (long)w.Result == 1);
    }
}
