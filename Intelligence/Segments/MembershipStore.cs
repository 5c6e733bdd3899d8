using System.Globalization;
using Shared.Store;
using StackExchange.Redis;

namespace Intelligence.Segments;

/// <summary>One player's memberships as decided from their data of <paramref name="Version"/>: one flag per segment given.</summary>
public sealed record MembershipDecision(string PlayerId, long Version, bool[] Member);

/// <summary>What the store holds for a player after a decision: their segments, and which they entered and left.</summary>
/// <param name="Skipped">A decision on fresher data was stored already; <see cref="Segments"/> is that one's.</param>
public sealed record PlayerMembership(string PlayerId, bool Skipped, IReadOnlyList<string> Segments, IReadOnlyList<string> Entered, IReadOnlyList<string> Exited);

/// <summary>Players who entered and left one segment in a bulk change, and those left alone because fresher data decided them.</summary>
public sealed record SegmentDiff(List<string> Entered, List<string> Exited, List<string> Skipped);

/// <summary>
/// Segment memberships in the store, all under the <c>{segments}</c> hash tag: per segment a sorted set of member ids
/// (score 0, so pages follow the ids) and a hash of when each entered, and per player a record
/// <c>version|seg,seg…</c> of the segments they are in and the data version that was decided on. Every change is one
/// script that first checks the segment definitions it was decided under are still current, and never lets a decision
/// on older data overwrite one on newer data.
/// </summary>
public sealed class MembershipStore(IConnectionMultiplexer redis, StoreKeys keys)
{
    /// <summary>A version above any scoring time: for players who are no longer held, whose leaving nothing may hold back.</summary>
    public const long Forced = 1L << 52;

    private const string ParseRecord = """
        local function record(rec)
          if not rec then return -1, '' end
          local bar = string.find(rec, '|', 1, true)
          return tonumber(string.sub(rec, 1, bar - 1)), string.sub(rec, bar + 1), string.sub(rec, 1, bar - 1)
        end
        """;

    // KEYS: versions, players, then members and entered of segment i at 1 + 2i and 2 + 2i, then the announcements. ARGV:
    // now, n, when to announce if not acknowledged by then, n × "id:version", then per player: id, data version, one
    // '0'/'1' per segment. Returns {'stale'} when the definitions moved on, else {'ok', then per player: id, 'ok'|'skip',
    // segments, changes ('+id' entered, '-id' left)}. Every change is also journalled until it is announced.
    private const string ApplyPlayersScript = ParseRecord + "\n" + """
        local n = tonumber(ARGV[2])
        local journal = KEYS[#KEYS]
        local current = redis.call('HGETALL', KEYS[1])
        if #current ~= 2 * n then return {'stale'} end
        local live = {}
        for i = 1, #current, 2 do live[current[i]] = current[i + 1] end
        local ids = {}
        for i = 1, n do
          local spec = ARGV[3 + i]
          local colon = string.find(spec, ':', 1, true)
          local id = string.sub(spec, 1, colon - 1)
          if live[id] ~= string.sub(spec, colon + 1) then return {'stale'} end
          ids[i] = id
        end
        local out = {'ok'}
        for a = 4 + n, #ARGV, 3 do
          local player, version, bits = ARGV[a], tonumber(ARGV[a + 1]), ARGV[a + 2]
          local oldv, olds = record(redis.call('HGET', KEYS[2], player))
          if oldv > version then
            out[#out + 1] = player; out[#out + 1] = 'skip'; out[#out + 1] = olds; out[#out + 1] = ''
          else
            local had = {}
            for s in string.gmatch(olds, '[^,]+') do had[s] = true end
            local final, changes = {}, {}
            for i = 1, n do
              local id = ids[i]
              local want = string.sub(bits, i, i) == '1'
              if want and not had[id] then
                redis.call('ZADD', KEYS[1 + 2 * i], 0, player)
                redis.call('HSET', KEYS[2 + 2 * i], player, ARGV[1])
                redis.call('ZADD', journal, ARGV[3], player .. '|' .. id .. '|+|' .. ARGV[a + 1])
                changes[#changes + 1] = '+' .. id
              elseif had[id] and not want then
                redis.call('ZREM', KEYS[1 + 2 * i], player)
                redis.call('HDEL', KEYS[2 + 2 * i], player)
                redis.call('ZADD', journal, ARGV[3], player .. '|' .. id .. '|-|' .. ARGV[a + 1])
                changes[#changes + 1] = '-' .. id
              end
              if want then final[#final + 1] = id end
            end
            local set = table.concat(final, ',')
            redis.call('HSET', KEYS[2], player, ARGV[a + 1] .. '|' .. set)
            out[#out + 1] = player; out[#out + 1] = 'ok'; out[#out + 1] = set; out[#out + 1] = table.concat(changes, ',')
          end
        end
        return out
        """;

    // KEYS: versions, players, members, entered, announcements. ARGV: segment id, its version, now, when to announce if not
    // acknowledged by then, then per player: id, data version, '1' (member) or '0'. Returns {'stale'}, or {'ok', then
    // '+id' entered, '-id' left, '?id' skipped (fresher data decided)}. Every change is also journalled until announced.
    private const string ApplySegmentScript = ParseRecord + "\n" + """
        if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return {'stale'} end
        local seg = ARGV[1]
        local out = {'ok'}
        for a = 5, #ARGV, 3 do
          local player, version, want = ARGV[a], tonumber(ARGV[a + 1]), ARGV[a + 2] == '1'
          local oldv, olds, oldvs = record(redis.call('HGET', KEYS[2], player))
          if oldv > version then
            out[#out + 1] = '?' .. player
          else
            local had = redis.call('ZSCORE', KEYS[3], player) ~= false
            if want ~= had then
              local list = {}
              for s in string.gmatch(olds, '[^,]+') do
                if s ~= seg then list[#list + 1] = s end
              end
              if want then
                redis.call('ZADD', KEYS[3], 0, player)
                redis.call('HSET', KEYS[4], player, ARGV[3])
                redis.call('ZADD', KEYS[5], ARGV[4], player .. '|' .. seg .. '|+|' .. ARGV[a + 1])
                list[#list + 1] = seg
                out[#out + 1] = '+' .. player
              else
                redis.call('ZREM', KEYS[3], player)
                redis.call('HDEL', KEYS[4], player)
                redis.call('ZADD', KEYS[5], ARGV[4], player .. '|' .. seg .. '|-|' .. ARGV[a + 1])
                out[#out + 1] = '-' .. player
              end
              if oldv < 0 then oldvs = ARGV[a + 1] end
              if #list == 0 and version >= 4503599627370496 then
                redis.call('HDEL', KEYS[2], player)
              else
                redis.call('HSET', KEYS[2], player, oldvs .. '|' .. table.concat(list, ','))
              end
            end
          end
        end
        return out
        """;

    // KEYS: players, then members and entered of segment i at 2i and 2i + 1. ARGV: player, segment ids. Returns the segments left.
    private const string ForgetScript = """
        redis.call('HDEL', KEYS[1], ARGV[1])
        local out = {}
        for i = 2, #ARGV do
          if redis.call('ZREM', KEYS[2 * i - 2], ARGV[1]) == 1 then
            redis.call('HDEL', KEYS[2 * i - 1], ARGV[1])
            out[#out + 1] = ARGV[i]
          end
        end
        return out
        """;

    // KEYS: announcements. ARGV: now (ms), lease end (ms), limit. Claims announcements due (their maker did not acknowledge
    // them in time) by moving them past the lease; returns them.
    private const string ClaimAnnouncementsScript = """
        local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
        for i = 1, #due do redis.call('ZADD', KEYS[1], ARGV[2], due[i]) end
        return due
        """;

    // KEYS: sizes. ARGV: bucket start (ms), point, oldest kept (ms).
    private const string SizeScript = """
        redis.call('ZREMRANGEBYSCORE', KEYS[1], ARGV[1], ARGV[1])
        redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[3])
        return 1
        """;

    private IDatabase Db => redis.GetDatabase();

    /// <summary>
    /// Stores the players' memberships of <paramref name="segments"/> (every segment there is, at the versions decided
    /// under). Null when the segment definitions changed meanwhile: reload them and decide again.
    /// </summary>
    /// <param name="announceByMs">When another instance announces the changes if this one has not acknowledged them by then.</param>
    public async Task<IReadOnlyList<PlayerMembership>?> ApplyPlayersAsync(IReadOnlyList<(string Id, int Version)> segments,
        IReadOnlyList<MembershipDecision> decisions, long nowMs, long announceByMs)
    {
        var keyList = new List<RedisKey>(3 + 2 * segments.Count) { keys.SegmentDefinitionVersions, keys.SegmentsOfPlayers };
        var args = new List<RedisValue>(3 + segments.Count + 3 * decisions.Count) { nowMs, segments.Count, announceByMs };
        foreach (var (id, version) in segments)
        {
            keyList.Add(keys.SegmentMembers(id));
            keyList.Add(keys.SegmentEnteredAt(id));
            args.Add($"{id}:{version.ToString(CultureInfo.InvariantCulture)}");
        }
        keyList.Add(keys.SegmentAnnouncements);
        var bits = new char[segments.Count];
        foreach (var d in decisions)
        {
            for (var i = 0; i < bits.Length; i++) bits[i] = d.Member[i] ? '1' : '0';
            args.Add(d.PlayerId);
            args.Add(d.Version);
            args.Add(new string(bits));
        }
        var r = (RedisResult[])(await Db.ScriptEvaluateAsync(ApplyPlayersScript, [.. keyList], [.. args]))!;
        if ((string)r[0]! == "stale") return null;
        var result = new List<PlayerMembership>(decisions.Count);
        for (var i = 1; i + 3 < r.Length; i += 4)
        {
            var changes = Split((string)r[i + 3]!);
            result.Add(new PlayerMembership((string)r[i]!, (string)r[i + 1]! == "skip", Split((string)r[i + 2]!),
                [.. changes.Where(c => c[0] == '+').Select(c => c[1..])], [.. changes.Where(c => c[0] == '-').Select(c => c[1..])]));
        }
        return result;
    }

    /// <summary>
    /// Applies a bulk decision for one segment (at <paramref name="version"/> of its definition). Null when the
    /// definition changed meanwhile.
    /// </summary>
    public async Task<SegmentDiff?> ApplySegmentAsync(string segmentId, int version, IReadOnlyList<(string PlayerId, long Version, bool Member)> decisions, long nowMs,
        long announceByMs)
    {
        var args = new RedisValue[4 + 3 * decisions.Count];
        args[0] = segmentId;
        args[1] = version;
        args[2] = nowMs;
        args[3] = announceByMs;
        for (var i = 0; i < decisions.Count; i++)
        {
            args[4 + 3 * i] = decisions[i].PlayerId;
            args[5 + 3 * i] = decisions[i].Version;
            args[6 + 3 * i] = decisions[i].Member ? "1" : "0";
        }
        var r = (RedisResult[])(await Db.ScriptEvaluateAsync(ApplySegmentScript,
            [keys.SegmentDefinitionVersions, keys.SegmentsOfPlayers, keys.SegmentMembers(segmentId), keys.SegmentEnteredAt(segmentId), keys.SegmentAnnouncements], args))!;
        if ((string)r[0]! == "stale") return null;
        var diff = new SegmentDiff([], [], []);
        for (var i = 1; i < r.Length; i++)
        {
            var s = (string)r[i]!;
            (s[0] == '+' ? diff.Entered : s[0] == '-' ? diff.Exited : diff.Skipped).Add(s[1..]);
        }
        return diff;
    }

    /// <summary>Announcements whose maker did not acknowledge them in time, leased to this instance until <paramref name="leaseUntilMs"/>.</summary>
    public async Task<string[]> ClaimAnnouncementsAsync(long nowMs, long leaseUntilMs, int limit) =>
        [.. ((RedisResult[])(await Db.ScriptEvaluateAsync(ClaimAnnouncementsScript, [keys.SegmentAnnouncements], [nowMs, leaseUntilMs, limit]))!).Select(r => (string)r!)];

    /// <summary>The changes are announced: they leave the journal.</summary>
    public Task AcknowledgeAsync(IReadOnlyList<string> journal) =>
        journal.Count == 0 ? Task.CompletedTask : Db.SortedSetRemoveAsync(keys.SegmentAnnouncements, [.. journal.Select(j => (RedisValue)j)]);

    /// <summary>Removes an erased player from every segment; returns the segments they were in.</summary>
    public async Task<IReadOnlyList<string>> ForgetAsync(string playerId, IReadOnlyList<string> segmentIds)
    {
        var keyList = new List<RedisKey>(1 + 2 * segmentIds.Count) { keys.SegmentsOfPlayers };
        foreach (var id in segmentIds)
        {
            keyList.Add(keys.SegmentMembers(id));
            keyList.Add(keys.SegmentEnteredAt(id));
        }
        var r = (RedisResult[])(await Db.ScriptEvaluateAsync(ForgetScript, [.. keyList], [playerId, .. segmentIds.Select(s => (RedisValue)s)]))!;
        return [.. r.Select(x => (string)x!)];
    }

    /// <summary>The segment's member ids, a page at a time in id order (so a large segment is never held whole).</summary>
    public async IAsyncEnumerable<RedisValue[]> MemberPagesAsync(string segmentId, int pageSize = 5000)
    {
        RedisValue after = default;
        while (true)
        {
            var page = after.IsNull
                ? await Db.SortedSetRangeByValueAsync(keys.SegmentMembers(segmentId), default, default, Exclude.None, Order.Ascending, 0, pageSize)
                : await Db.SortedSetRangeByValueAsync(keys.SegmentMembers(segmentId), after, default, Exclude.Start, Order.Ascending, 0, pageSize);
            if (page.Length == 0) yield break;
            yield return page;
            if (page.Length < pageSize) yield break;
            after = page[^1];
        }
    }

    /// <summary>Every member id of the segment.</summary>
    public async Task<string[]> MembersAsync(string segmentId) =>
        [.. (await Db.SortedSetRangeByRankAsync(keys.SegmentMembers(segmentId))).Select(v => v.ToString())];

    public Task<long> CountAsync(string segmentId) => Db.SortedSetLengthAsync(keys.SegmentMembers(segmentId));

    /// <summary>Up to <paramref name="limit"/> members after <paramref name="after"/> (by id), with when they entered.</summary>
    public async Task<IReadOnlyList<(string PlayerId, DateTimeOffset? EnteredAt)>> PageAsync(string segmentId, string? after, int limit)
    {
        var db = Db;
        var ids = after is null
            ? await db.SortedSetRangeByValueAsync(keys.SegmentMembers(segmentId), default, default, Exclude.None, Order.Ascending, 0, limit)
            : await db.SortedSetRangeByValueAsync(keys.SegmentMembers(segmentId), after, default, Exclude.Start, Order.Ascending, 0, limit);
        if (ids.Length == 0) return [];
        var entered = await db.HashGetAsync(keys.SegmentEnteredAt(segmentId), ids);
        return [.. ids.Select((id, i) => (id.ToString(), entered[i].HasValue && long.TryParse(entered[i].ToString(), CultureInfo.InvariantCulture, out var ms)
            ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : (DateTimeOffset?)null))];
    }

    /// <summary>The segments the player is in, as stored (may name segments deleted since).</summary>
    public async Task<IReadOnlyList<string>> SegmentsOfAsync(string playerId)
    {
        var rec = await Db.HashGetAsync(keys.SegmentsOfPlayers, playerId);
        if (rec.IsNull) return [];
        var s = rec.ToString();
        return Split(s[(s.IndexOf('|', StringComparison.Ordinal) + 1)..]);
    }

    /// <summary>The stored segments of each player, in the order asked.</summary>
    public async Task<IReadOnlyList<string>[]> SegmentsOfAsync(IReadOnlyList<string> playerIds)
    {
        var records = await Db.HashGetAsync(keys.SegmentsOfPlayers, [.. playerIds.Select(id => (RedisValue)id)]);
        return [.. records.Select(r =>
        {
            if (r.IsNull) return (IReadOnlyList<string>)[];
            var s = r.ToString();
            return Split(s[(s.IndexOf('|', StringComparison.Ordinal) + 1)..]);
        })];
    }

    /// <summary>Player ids with a membership record, a page at a time (for removing records of players erased while no instance ran).</summary>
    public IAsyncEnumerable<HashEntry> RecordsAsync() => Db.HashScanAsync(keys.SegmentsOfPlayers, pageSize: 1000);

    public Task DropRecordsAsync(RedisValue[] playerIds) => Db.HashDeleteAsync(keys.SegmentsOfPlayers, playerIds);

    /// <summary>Records the segment's size for the time bucket of <paramref name="bucketMs"/> (a later write in the same bucket replaces it).</summary>
    public Task RecordSizeAsync(string segmentId, long bucketMs, long members, long oldestKeptMs) =>
        Db.ScriptEvaluateAsync(SizeScript, [keys.SegmentSizes(segmentId)],
            [bucketMs, $"{bucketMs.ToString(CultureInfo.InvariantCulture)}|{members.ToString(CultureInfo.InvariantCulture)}", oldestKeptMs]);

    public async Task<IReadOnlyList<(long AtMs, long Members)>> SizesAsync(string segmentId, long fromMs)
    {
        var values = await Db.SortedSetRangeByScoreAsync(keys.SegmentSizes(segmentId), fromMs);
        return [.. values.Select(v =>
        {
            var s = v.ToString();
            var bar = s.IndexOf('|', StringComparison.Ordinal);
            return (long.Parse(s.AsSpan(0, bar), CultureInfo.InvariantCulture), long.Parse(s.AsSpan(bar + 1), CultureInfo.InvariantCulture));
        })];
    }

    private static string[] Split(string csv) => csv.Length == 0 ? [] : csv.Split(',');
}
