using StackExchange.Redis;

namespace Shared.Store;

/// <summary>An item claimed from a <see cref="LeaseSchedule"/>: its id, its fields in the queue's order (empty where absent), and the due time the claim set.</summary>
/// <param name="Lease">The claim's end in Unix milliseconds: steps checked with <see cref="LeaseSchedule.LeaseHeld"/> only act while the item is still due then.</param>
public sealed record LeasedItem(string Id, IReadOnlyList<RedisValue> Fields, long Lease);

/// <summary>
/// A durable work queue with leases (the lease queue of PAM look-ups and webhook deliveries): a sorted set of item ids scored by when each is due (Unix ms) and a hash of the items'
/// fields, each named by the id and a suffix (<c>""</c> for one field named by the id itself). A claim takes the due items
/// and moves their due time to the end of the lease, so two workers never hold one item at once and a worker that dies
/// gives it back when the lease runs out. Sorted sets, hashes and small Lua scripts only (no Streams): it runs unchanged on
/// Redis, Garnet and Redis Cluster, where both keys must share one hash tag. Owners add their own scripts over the same
/// two keys (KEYS[1] the due set, KEYS[2] the fields) for what is theirs: how an item is queued, retried or given up.
/// </summary>
public sealed class LeaseSchedule
{
    private readonly IConnectionMultiplexer _redis;
    private readonly TimeProvider _clock;
    private readonly RedisValue[] _fields;

    /// <param name="fields">The suffixes of each item's fields; the first is always written, so an id without it has no item and is dropped when due.</param>
    public LeaseSchedule(IConnectionMultiplexer redis, RedisKey due, RedisKey items, TimeProvider clock, params string[] fields)
    {
        if (fields.Length == 0) throw new ArgumentException("a lease schedule needs at least one field per item", nameof(fields));
        _redis = redis;
        _clock = clock;
        Due = due;
        Items = items;
        _fields = [.. fields.Select(f => (RedisValue)f)];
    }

    /// <summary>Item id → when it is due (Unix ms): waiting, backing off, or leased until then.</summary>
    public RedisKey Due { get; }

    /// <summary>The items' fields.</summary>
    public RedisKey Items { get; }

    /// <summary>
    /// A script's opening that returns 0 unless the item ARGV[1] is still due at the lease ARGV[2] its claim set: a claim
    /// whose lease ran out (and was claimed again, or removed) can then no longer act.
    /// </summary>
    public const string LeaseHeld = """
        local s = redis.call('ZSCORE', KEYS[1], ARGV[1])
        if not s or tonumber(s) ~= tonumber(ARGV[2]) then return 0 end
        """;

    // ARGV: now, the lease's end, the limit, then the field suffixes. Per claimed item: its id, then each field ('' when absent).
    private const string ClaimScript = """
        local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
        local out = {}
        for i = 1, #due do
          local id = due[i]
          local first = redis.call('HGET', KEYS[2], id .. ARGV[4])
          if first then
            redis.call('ZADD', KEYS[1], ARGV[2], id)
            out[#out + 1] = id
            out[#out + 1] = first
            for f = 5, #ARGV do out[#out + 1] = redis.call('HGET', KEYS[2], id .. ARGV[f]) or '' end
          else
            redis.call('ZREM', KEYS[1], id)
          end
        end
        return out
        """;

    private const string RemoveScript = """
        redis.call('ZREM', KEYS[1], ARGV[1])
        for f = 2, #ARGV do redis.call('HDEL', KEYS[2], ARGV[1] .. ARGV[f]) end
        return 1
        """;

    private const string ReleaseScript = LeaseHeld + "\n" + """
        redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
        return 1
        """;

    public RedisKey[] Keys => [Due, Items];

    /// <summary>Leases up to <paramref name="limit"/> items due now (due time at or before now), oldest due first, until now + <paramref name="lease"/>.</summary>
    public async Task<IReadOnlyList<LeasedItem>> ClaimDueAsync(int limit, TimeSpan lease)
    {
        var now = _clock.GetUtcNow();
        var until = Ms(now + lease);
        var args = new RedisValue[3 + _fields.Length];
        args[0] = Ms(now);
        args[1] = until;
        args[2] = limit;
        _fields.CopyTo(args, 3);
        var result = (RedisResult[])(await _redis.GetDatabase().ScriptEvaluateAsync(ClaimScript, Keys, args))!;
        var width = 1 + _fields.Length;
        var claimed = new List<LeasedItem>(result.Length / width);
        for (var i = 0; i + width - 1 < result.Length; i += width)
        {
            var fields = new RedisValue[_fields.Length];
            for (var f = 0; f < fields.Length; f++) fields[f] = (RedisValue)result[i + 1 + f];
            claimed.Add(new LeasedItem((string)result[i]!, fields, until));
        }
        return claimed;
    }

    /// <summary>Forgets the item, waiting or leased, with all its fields, in one step.</summary>
    public async Task RemoveAsync(string id) =>
        await _redis.GetDatabase().ScriptEvaluateAsync(RemoveScript, Keys, [id, .. _fields]);

    /// <summary>Hands a claim back, due at <paramref name="dueAt"/>. False when its lease was lost (the item is another's, or gone).</summary>
    public async Task<bool> ReleaseAsync(string id, long lease, DateTimeOffset dueAt) =>
        (int)await _redis.GetDatabase().ScriptEvaluateAsync(ReleaseScript, Keys, [id, lease, Ms(dueAt)]) == 1;

    /// <summary>When the item is due next (or its lease ends), or null when it is not queued.</summary>
    public async Task<DateTimeOffset?> DueAtAsync(string id) =>
        await _redis.GetDatabase().SortedSetScoreAsync(Due, id) is { } score ? DateTimeOffset.FromUnixTimeMilliseconds((long)score) : null;

    /// <summary>Items waiting, backing off or leased.</summary>
    public async Task<long> CountAsync() => await _redis.GetDatabase().SortedSetLengthAsync(Due);

    /// <summary>The queue's time unit: Unix milliseconds.</summary>
    public static long Ms(DateTimeOffset t) => t.ToUnixTimeMilliseconds();
}
