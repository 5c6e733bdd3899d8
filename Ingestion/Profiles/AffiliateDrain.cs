using System.Globalization;
using Shared.Store;
using StackExchange.Redis;

namespace Ingestion.Profiles;

/// <summary>
/// Moves what the fold left in players' affiliate outboxes (profile field <c>Ao</c>, see fold.lua's affiliate block) to
/// the affiliates' per-day counters, their players' daily export rows and their queue of first-time depositors to
/// announce. A player's outbox and the affiliate's counters have different hash tags, so on Redis Cluster they cannot
/// change in one script: each outbox line carries a number, the affiliate remembers per player the last number applied,
/// and only then is the line removed from the outbox. A retry, a crash between the two steps or two instances draining
/// the same player apply every line exactly once.
/// </summary>
internal sealed class AffiliateDrain(IConnectionMultiplexer redis, StoreKeys keys, int retentionDays)
{
    // One affiliate's lines of many players (a request's players, in one call: a call per player and affiliate cost Redis
    // more to run than the lines themselves). KEYS: 1 day totals, 2 applied marks, 3 FTDs to announce, then one player-day
    // row key per line, in the order of the lines. ARGV: 1 seconds a day's rows are kept after the day, then per player:
    // player, number of lines, then per line: number, btag, day, metrics.
    private const string ApplyScript = """
        local keep = tonumber(ARGV[1])
        local a, line = 2, 0
        while a <= #ARGV do
          local player, n = ARGV[a], tonumber(ARGV[a + 1])
          a = a + 2
          local seen = tonumber(redis.call('HGET', KEYS[2], player) or '0')
          local top = seen
          for _ = 1, n do
            line = line + 1
            local seq, btag, d, text = tonumber(ARGV[a]), ARGV[a + 1], ARGV[a + 2], ARGV[a + 3]
            a = a + 4
            if seq > seen then
              local v, m = {}, 0
              for x in string.gmatch(text, '%-?%d+') do
                m = m + 1
                v[m] = tonumber(x)
                if x ~= '0' then redis.call('HINCRBY', KEYS[1], d .. ':' .. m, x) end
              end
              local rk = KEYS[3 + line]
              local row = redis.call('HGET', rk, player)
              local sum, j = {}, 0
              if row then
                for x in string.gmatch(string.match(row, '\t(.*)$'), '%-?%d+') do j = j + 1; sum[j] = tonumber(x) end
              end
              local zero = true
              for k = 1, m do
                sum[k] = (sum[k] or 0) + v[k]
                if sum[k] ~= 0 then zero = false end
                sum[k] = string.format('%d', sum[k])
              end
              if zero then
                redis.call('HDEL', rk, player)
              else
                redis.call('HSET', rk, player, btag .. '\t' .. table.concat(sum, ' '))
                redis.call('EXPIREAT', rk, string.format('%d', (tonumber(d) + 1) * 86400 + keep))
              end
              if v[2] > 0 and redis.call('HSETNX', KEYS[2], 'f:' .. player, d) == 1 then
                redis.call('RPUSH', KEYS[3], player .. '\t' .. d .. '\t' .. string.format('%d', v[3]) .. '\t' .. btag)
              end
              if seq > top then top = seq end
            end
          end
          if top > seen then redis.call('HSET', KEYS[2], player, string.format('%d', top)) end
        end
        return 0
        """;

    // Removes, per player (KEYS[i], the profile), the outbox lines numbered up to ARGV[i] (the fold may have added later
    // ones meanwhile). The players of one call share a node: all of them on a single Redis, one hash slot's on a cluster.
    private const string ClearScript = """
        for i = 1, #KEYS do
          local s = redis.call('HGET', KEYS[i], 'Ao')
          if s then
            local top, keep = tonumber(ARGV[i]), {}
            for line in string.gmatch(s, '[^\n]+') do
              if tonumber(string.match(line, '^(%d+)')) > top then keep[#keep + 1] = line .. '\n' end
            end
            if #keep == 0 then redis.call('HDEL', KEYS[i], 'Ao') else redis.call('HSET', KEYS[i], 'Ao', table.concat(keep)) end
          end
        end
        return 0
        """;

    /// <summary>Players (with their lines) per apply call, and per clear call: bounds how long one call holds Redis.</summary>
    internal const int PlayersPerCall = 200;

    /// <summary>One outbox line: its number, the affiliate and btag it is for, the UTC day and the metrics' changes (text).</summary>
    internal readonly record struct Line(long Seq, string Affiliate, string Btag, long Day, string Metrics);

    public async Task DrainAsync(IReadOnlyCollection<string> players)
    {
        if (players.Count == 0) return;
        var db = redis.GetDatabase();
        var list = players.ToList();
        var outboxes = await Task.WhenAll(list.Select(p => db.HashGetAsync(keys.Profile(p), "Ao")));
        var keep = (long)retentionDays * 86_400;
        var drained = new List<(string Player, long Top)>();
        // Per affiliate, its players' lines in the order of their numbers.
        var byAffiliate = new Dictionary<string, List<(string Player, List<Line> Lines)>>(StringComparer.Ordinal);
        for (var i = 0; i < list.Count; i++)
        {
            var lines = Parse(outboxes[i]);
            if (lines.Count == 0) continue;
            drained.Add((list[i], lines.Max(l => l.Seq)));
            foreach (var group in lines.GroupBy(l => l.Affiliate, StringComparer.Ordinal))
            {
                if (!byAffiliate.TryGetValue(group.Key, out var own)) byAffiliate[group.Key] = own = [];
                own.Add((list[i], group.OrderBy(l => l.Seq).ToList()));
            }
        }
        if (drained.Count == 0) return;
        var applied = new List<Task> { db.SetAddAsync(keys.Affiliates, [.. byAffiliate.Keys.Select(a => (RedisValue)a)]) };
        foreach (var (a, own) in byAffiliate)
        {
            foreach (var chunk in own.Chunk(PlayersPerCall))
            {
                var lineCount = chunk.Sum(p => p.Lines.Count);
                var k = new RedisKey[3 + lineCount];
                k[0] = keys.AffiliateDayTotals(a);
                k[1] = keys.AffiliateApplied(a);
                k[2] = keys.AffiliateFtds(a);
                var args = new RedisValue[1 + 2 * chunk.Length + 4 * lineCount];
                args[0] = keep;
                int at = 1, key = 3;
                foreach (var (player, lines) in chunk)
                {
                    args[at++] = player;
                    args[at++] = lines.Count;
                    foreach (var l in lines)
                    {
                        k[key++] = keys.AffiliatePlayerDay(a, l.Day);
                        args[at++] = l.Seq;
                        args[at++] = l.Btag;
                        args[at++] = l.Day;
                        args[at++] = l.Metrics;
                    }
                }
                applied.Add(db.ScriptEvaluateAsync(ApplyScript, k, args));
            }
        }
        await Task.WhenAll(applied);
        // Only once every line is applied: the outboxes' lines go, per node (a cluster's players grouped by hash slot).
        var cluster = redis.GetServers().Any(s => s.ServerType == ServerType.Cluster);
        var groups = cluster ? drained.GroupBy(d => redis.HashSlot(keys.Profile(d.Player))).Select(g => g.ToList()) : [drained];
        await Task.WhenAll(groups.SelectMany(g => g.Chunk(PlayersPerCall)).Select(chunk =>
            db.ScriptEvaluateAsync(ClearScript, [.. chunk.Select(d => (RedisKey)keys.Profile(d.Player))], [.. chunk.Select(d => (RedisValue)d.Top)])));
    }

    /// <summary>
    /// The affiliates that hold something of the player: the one credited (<c>A</c>) and any named in the outbox. Read
    /// before an erasure removes the profile.
    /// </summary>
    internal static async Task<IReadOnlyList<string>> AffiliatesOfAsync(IDatabase db, StoreKeys keys, string playerId)
    {
        var held = await db.HashGetAsync(keys.Profile(playerId), ["A", "Ao"]);
        return [.. Parse(held[1]).Select(l => l.Affiliate).Append(held[0].IsNullOrEmpty ? null : held[0].ToString()).OfType<string>().Distinct(StringComparer.Ordinal)];
    }

    /// <summary>
    /// Removes what names the player under their affiliates (erasure): the applied mark, the FTD mark and queued postback,
    /// and the export rows of every day within the retention. The affiliates' day totals are sums over players and stay.
    /// </summary>
    internal static async Task ForgetAsync(IDatabase db, StoreKeys keys, string playerId, IReadOnlyList<string> affiliates, long today, int retentionDays)
    {
        var work = new List<Task>();
        foreach (var a in affiliates)
        {
            work.Add(db.HashDeleteAsync(keys.AffiliateApplied(a), [playerId, "f:" + playerId]));
            for (var day = today - retentionDays; day <= today + 1; day++) work.Add(db.HashDeleteAsync(keys.AffiliatePlayerDay(a, day), playerId));
            var queued = await db.ListRangeAsync(keys.AffiliateFtds(a));
            foreach (var entry in queued.Where(e => e.ToString().StartsWith(playerId + "\t", StringComparison.Ordinal))) work.Add(db.ListRemoveAsync(keys.AffiliateFtds(a), entry));
        }
        await Task.WhenAll(work);
    }

    internal static List<Line> Parse(RedisValue outbox)
    {
        var lines = new List<Line>();
        if (outbox.IsNullOrEmpty) return lines;
        foreach (var text in outbox.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var f = text.Split('\t');
            lines.Add(new Line(long.Parse(f[0], CultureInfo.InvariantCulture), f[1], f[2], long.Parse(f[3], CultureInfo.InvariantCulture), f[4]));
        }
        return lines;
    }
}
