using System.Globalization;
using Microsoft.Extensions.Options;
using Shared.Store;
using StackExchange.Redis;

namespace Ingestion.Adapters.FastTrack;

/// <summary>A player waiting for a PAM look-up, as claimed by a worker.</summary>
/// <param name="Sequence">Bumped by every new request for this player; completing only removes the job if it is unchanged.</param>
/// <param name="Trigger">The time of the newest message that asked for the look-up.</param>
/// <param name="Attempts">Failed look-ups so far.</param>
public sealed record PamJob(string PlayerId, long Sequence, DateTimeOffset Trigger, int Attempts);

/// <summary>
/// The durable set of players waiting for a PAM look-up: a sorted set of player ids scored by when they are due, and a
/// hash of each one's sequence, trigger time and failed attempts: a <see cref="LeaseSchedule"/>, whose claim leases a job
/// (moves its due time past the lease), so a worker that dies gives it back. Queuing, completing and retrying are this
/// set's own small Lua scripts over the same two keys.
/// </summary>
public sealed class PamPendingSet(IConnectionMultiplexer redis, StoreKeys keys, IOptions<PamOptions> options, TimeProvider clock)
{
    // '|' cannot occur in a player id (PlayerIds), so it separates the id from the field's name: sequence, trigger, attempts.
    private readonly LeaseSchedule _queue = new(redis, $"{keys.Prefix}{{pam}}:pending", $"{keys.Prefix}{{pam}}:jobs", clock, "|s", "|t", "|a");

    // One hash tag for both keys, so the scripts' keys share a slot on Redis Cluster too.
    public RedisKey Pending => _queue.Due;

    public RedisKey Jobs => _queue.Items;

    /// <summary>Drops a player's look-up, waiting or leased (an erasure: a look-up would bring the player back).</summary>
    public Task ForgetAsync(string playerId) => _queue.RemoveAsync(playerId);

    /// <summary>Whether the connector is on; when off, nothing is queued.</summary>
    public bool Enabled => options.Value.Enabled;

    private const string EnqueueScript = """
        redis.call('ZADD', KEYS[1], 'NX', ARGV[2], ARGV[1])
        redis.call('HINCRBY', KEYS[2], ARGV[1] .. '|s', 1)
        local t = redis.call('HGET', KEYS[2], ARGV[1] .. '|t')
        if not t or tonumber(t) < tonumber(ARGV[3]) then redis.call('HSET', KEYS[2], ARGV[1] .. '|t', ARGV[3]) end
        return 1
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

    /// <summary>Asks for a look-up of the player (no-op when the connector is off). An already pending player keeps its due time.</summary>
    public async Task EnqueueAsync(string playerId, DateTimeOffset trigger)
    {
        if (!Enabled) return;
        await redis.GetDatabase().ScriptEvaluateAsync(EnqueueScript, [Pending, Jobs],
            [playerId, Ms(clock.GetUtcNow()), Ms(trigger)]);
    }

    /// <summary>Leases up to <paramref name="limit"/> due look-ups for <see cref="PamOptions.Lease"/>.</summary>
    public async Task<IReadOnlyList<PamJob>> ClaimDueAsync(int limit) =>
        [.. (await _queue.ClaimDueAsync(limit, options.Value.Lease)).Select(c =>
            new PamJob(c.Id, Long(c.Fields[0]), DateTimeOffset.FromUnixTimeMilliseconds(Long(c.Fields[1])), (int)Long(c.Fields[2])))];

    /// <summary>True when the job is done; false when a newer request arrived meanwhile and the player is due again.</summary>
    public async Task<bool> CompleteAsync(PamJob job) =>
        (int)await redis.GetDatabase().ScriptEvaluateAsync(CompleteScript, [Pending, Jobs],
            [job.PlayerId, job.Sequence, Ms(clock.GetUtcNow())]) == 1;

    /// <summary>Records a failed attempt and makes the job due again after <paramref name="backoff"/>.</summary>
    public async Task RetryAsync(PamJob job, int attempts, TimeSpan backoff) =>
        await redis.GetDatabase().ScriptEvaluateAsync(RetryScript, [Pending, Jobs],
            [job.PlayerId, Ms(clock.GetUtcNow() + backoff), attempts]);

    /// <summary>Forgets the job (once it is on the dead-letter list).</summary>
    public Task DropAsync(PamJob job) => _queue.RemoveAsync(job.PlayerId);

    public Task<long> CountAsync() => _queue.CountAsync();

    /// <summary>When the player is due next, or null when not pending.</summary>
    public Task<DateTimeOffset?> DueAsync(string playerId) => _queue.DueAtAsync(playerId);

    private static long Ms(DateTimeOffset t) => LeaseSchedule.Ms(t);

    private static long Long(RedisValue v) => long.TryParse((string?)v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : 0;
}
