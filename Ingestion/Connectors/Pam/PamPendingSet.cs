using System.Globalization;
using Microsoft.Extensions.Options;
using Shared.Store;
using StackExchange.Redis;

namespace Ingestion.Connectors.Pam;

/// <summary>A player waiting for a PAM look-up, as claimed by a worker.</summary>
/// <param name="Sequence">Bumped by every new request for this player; completing only removes the job if it is unchanged.</param>
/// <param name="Trigger">The time of the newest message that asked for the look-up.</param>
/// <param name="Attempts">Failed look-ups so far.</param>
public sealed record PamJob(string PlayerId, long Sequence, DateTimeOffset Trigger, int Attempts);

/// <summary>
/// The durable set of players waiting for a PAM look-up: a sorted set of player ids scored by when they are due, and a
/// hash of each one's sequence, trigger time and failed attempts. A claim leases a job (moves its due time past the
/// lease), so a worker that dies gives it back. Small Lua scripts over sorted sets and hashes keep each step atomic;
/// they run unchanged on Redis and Garnet (no Streams).
/// </summary>
public sealed class PamPendingSet(IConnectionMultiplexer redis, StoreKeys keys, IOptions<PamOptions> options, TimeProvider clock)
{
    // One hash tag for both keys, so the scripts' keys share a slot on Redis Cluster too.
    public RedisKey Pending => $"{keys.Prefix}{{pam}}:pending";

    public RedisKey Jobs => $"{keys.Prefix}{{pam}}:jobs";

    /// <summary>Drops a player's look-up, waiting or leased (an erasure: a look-up would bring the player back).</summary>
    public async Task ForgetAsync(string playerId)
    {
        var db = redis.GetDatabase();
        await Task.WhenAll(db.SortedSetRemoveAsync(Pending, playerId), db.HashDeleteAsync(Jobs, [playerId + "|s", playerId + "|t", playerId + "|a"]));
    }

    /// <summary>Whether the connector is on; when off, nothing is queued.</summary>
    public bool Enabled => options.Value.Enabled;

    // '|' cannot occur in a player id (PlayerIds), so it separates the id from the field's name.
    private const string EnqueueScript = """
        redis.call('ZADD', KEYS[1], 'NX', ARGV[2], ARGV[1])
        redis.call('HINCRBY', KEYS[2], ARGV[1] .. '|s', 1)
        local t = redis.call('HGET', KEYS[2], ARGV[1] .. '|t')
        if not t or tonumber(t) < tonumber(ARGV[3]) then redis.call('HSET', KEYS[2], ARGV[1] .. '|t', ARGV[3]) end
        return 1
        """;

    private const string ClaimScript = """
        local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
        local out = {}
        for i = 1, #due do
          local p = due[i]
          redis.call('ZADD', KEYS[1], ARGV[2], p)
          out[#out + 1] = p
          out[#out + 1] = redis.call('HGET', KEYS[2], p .. '|s') or '0'
          out[#out + 1] = redis.call('HGET', KEYS[2], p .. '|t') or '0'
          out[#out + 1] = redis.call('HGET', KEYS[2], p .. '|a') or '0'
        end
        return out
        """;

    // Done: remove the job, unless a newer request came while it ran; then it is due again at once.
    private const string CompleteScript = """
        local p = ARGV[1]
        if (redis.call('HGET', KEYS[2], p .. '|s') or '0') == ARGV[2] then
          redis.call('ZREM', KEYS[1], p)
          redis.call('HDEL', KEYS[2], p .. '|s', p .. '|t', p .. '|a')
          return 1
        end
        redis.call('ZADD', KEYS[1], ARGV[3], p)
        redis.call('HDEL', KEYS[2], p .. '|a')
        return 0
        """;

    private const string RetryScript = """
        redis.call('ZADD', KEYS[1], 'XX', ARGV[2], ARGV[1])
        redis.call('HSET', KEYS[2], ARGV[1] .. '|a', ARGV[3])
        return 1
        """;

    private const string DropScript = """
        redis.call('ZREM', KEYS[1], ARGV[1])
        redis.call('HDEL', KEYS[2], ARGV[1] .. '|s', ARGV[1] .. '|t', ARGV[1] .. '|a')
        return 1
        """;

    /// <summary>Asks for a look-up of the player (no-op when the connector is off). An already pending player keeps its due time.</summary>
    public async Task EnqueueAsync(string playerId, DateTimeOffset trigger)
    {
        if (!Enabled) return;
        await redis.GetDatabase().ScriptEvaluateAsync(EnqueueScript, [Pending, Jobs],
            [playerId, Ms(clock.GetUtcNow()), Ms(trigger)]);
    }

    public async Task<IReadOnlyList<PamJob>> ClaimDueAsync(int limit)
    {
        var now = clock.GetUtcNow();
        var result = (RedisResult[])(await redis.GetDatabase().ScriptEvaluateAsync(ClaimScript, [Pending, Jobs],
            [Ms(now), Ms(now + options.Value.Lease), limit]))!;
        var jobs = new List<PamJob>(result.Length / 4);
        for (var i = 0; i + 3 < result.Length; i += 4)
        {
            jobs.Add(new PamJob((string)result[i]!, Long(result[i + 1]),
                DateTimeOffset.FromUnixTimeMilliseconds(Long(result[i + 2])), (int)Long(result[i + 3])));
        }
        return jobs;
    }

    /// <summary>True when the job is done; false when a newer request arrived meanwhile and the player is due again.</summary>
    public async Task<bool> CompleteAsync(PamJob job) =>
        (int)await redis.GetDatabase().ScriptEvaluateAsync(CompleteScript, [Pending, Jobs],
            [job.PlayerId, job.Sequence, Ms(clock.GetUtcNow())]) == 1;

    /// <summary>Records a failed attempt and makes the job due again after <paramref name="backoff"/>.</summary>
    public async Task RetryAsync(PamJob job, int attempts, TimeSpan backoff) =>
        await redis.GetDatabase().ScriptEvaluateAsync(RetryScript, [Pending, Jobs],
            [job.PlayerId, Ms(clock.GetUtcNow() + backoff), attempts]);

    /// <summary>Forgets the job (once it is on the dead-letter list).</summary>
    public async Task DropAsync(PamJob job) =>
        await redis.GetDatabase().ScriptEvaluateAsync(DropScript, [Pending, Jobs], [job.PlayerId]);

    public async Task<long> CountAsync() => await redis.GetDatabase().SortedSetLengthAsync(Pending);

    /// <summary>When the player is due next, or null when not pending.</summary>
    public async Task<DateTimeOffset?> DueAsync(string playerId) =>
        await redis.GetDatabase().SortedSetScoreAsync(Pending, playerId) is { } score
            ? DateTimeOffset.FromUnixTimeMilliseconds((long)score)
            : null;

    private static long Ms(DateTimeOffset t) => t.ToUnixTimeMilliseconds();

    private static long Long(RedisResult r) => long.TryParse((string?)r, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : 0;
}
