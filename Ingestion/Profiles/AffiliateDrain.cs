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
    // KEYS: 1 day totals, 2 applied marks, 3 FTDs to announce, then one player-day row key per line.
    // ARGV: 1 player, 2 seconds a day's rows are kept after the day, then per line: number, btag, day, metrics.
    private const string ApplyScript = """
        local player = ARGV[1]
        local seen = tonumber(redis.call('HGET', KEYS[2], player) or '0')
        local top, line = seen, 0
        for i = 3, #ARGV, 4 do
          line = line + 1
          local seq = tonumber(ARGV[i])
          if seq > seen then
            local btag, d, text = ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
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
              redis.call('EXPIREAT', rk, string.format('%d', (tonumber(d) + 1) * 86400 + tonumber(ARGV[2])))
            end
            if v[2] > 0 and redis.call('HSETNX', KEYS[2], 'f:' .. player, d) == 1 then
              redis.call('RPUSH', KEYS[3], player .. '\t' .. d .. '\t' .. string.format('%d', v[3]) .. '\t' .. btag)
            end
            if seq > top then top = seq end
          end
        end
        if top > seen then redis.call('HSET', KEYS[2], player, string.format('%d', top)) end
        return top
        """;

    // Removes the outbox lines numbered up to ARGV[1] (the fold may have added later ones meanwhile).
    private const string ClearScript = """
        local s = redis.call('HGET', KEYS[1], 'Ao')
        if not s then return 0 end
        local top, keep = tonumber(ARGV[1]), {}
        for line in string.gmatch(s, '[^\n]+') do
          if tonumber(string.match(line, '^(%d+)')) > top then keep[#keep + 1] = line .. '\n' end
        end
        if #keep == 0 then redis.call('HDEL', KEYS[1], 'Ao') else redis.call('HSET', KEYS[1], 'Ao', table.concat(keep)) end
        return 1
        """;

    /// <summary>One outbox line: its number, the affiliate and btag it is for, the UTC day and the metrics' changes (text).</summary>
    internal readonly record struct Line(long Seq, string Affiliate, string Btag, long Day, string Metrics);

    public async Task DrainAsync(IReadOnlyCollection<string> players)
    {
        if (players.Count == 0) return;
        var db = redis.GetDatabase();
        var list = players.ToList();
        var outboxes = await Task.WhenAll(list.Select(p => db.HashGetAsync(keys.Profile(p), "Ao")));
        var keep = (long)retentionDays * 86_400;
        var applied = new List<Task>();
        var drained = new List<(string Player, long Top)>();
        var affiliates = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < list.Count; i++)
        {
            var lines = Parse(outboxes[i]);
            if (lines.Count == 0) continue;
            drained.Add((list[i], lines.Max(l => l.Seq)));
            foreach (var group in lines.GroupBy(l => l.Affiliate, StringComparer.Ordinal))
            {
                var a = group.Key;
                affiliates.Add(a);
                var own = group.OrderBy(l => l.Seq).ToList();
                var k = new RedisKey[3 + own.Count];
                k[0] = keys.AffiliateDayTotals(a);
                k[1] = keys.AffiliateApplied(a);
                k[2] = keys.AffiliateFtds(a);
                var args = new RedisValue[2 + 4 * own.Count];
                args[0] = list[i];
                args[1] = keep;
                for (var j = 0; j < own.Count; j++)
                {
                    k[3 + j] = keys.AffiliatePlayerDay(a, own[j].Day);
                    args[2 + 4 * j] = own[j].Seq;
                    args[3 + 4 * j] = own[j].Btag;
                    args[4 + 4 * j] = own[j].Day;
                    args[5 + 4 * j] = own[j].Metrics;
                }
                applied.Add(db.ScriptEvaluateAsync(ApplyScript, k, args));
            }
        }
        if (drained.Count == 0) return;
        applied.Add(db.SetAddAsync(keys.Affiliates, [.. affiliates.Select(a => (RedisValue)a)]));
        await Task.WhenAll(applied);
        await Task.WhenAll(drained.Select(d => db.ScriptEvaluateAsync(ClearScript, [keys.Profile(d.Player)], [d.Top])));
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
