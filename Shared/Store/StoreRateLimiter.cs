using StackExchange.Redis;

namespace Shared.Store;

/// <summary>
/// Rate limits counted in the store, so N instances allow what one would, not N times it. A window opens at a subject's
/// first request and lasts <c>window</c>; within it at most <c>permits</c> pass, and a refused caller is told when the
/// window ends (for <c>Retry-After</c>). One key per limit and subject, expiring with its window: nothing to clean up.
/// </summary>
public sealed class StoreRateLimiter(IConnectionMultiplexer redis, StoreKeys keys)
{
    // INCR and the expiry in one step: a counter can never be left without one (and so never lock a subject out for good).
    private const string Script = """
        local n = redis.call('INCR', KEYS[1])
        if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
        local ttl = redis.call('PTTL', KEYS[1])
        if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) ttl = tonumber(ARGV[1]) end
        return {n, ttl}
        """;

    /// <summary>Counts one request of <paramref name="subject"/>; null when it may pass, else how long until the window ends.</summary>
    public async Task<TimeSpan?> HitAsync(string limit, string subject, int permits, TimeSpan window)
    {
        var result = (RedisResult[])(await redis.GetDatabase().ScriptEvaluateAsync(Script,
            [keys.RateLimit(limit, subject)], [(long)window.TotalMilliseconds]))!;
        var count = (long)result[0];
        return count <= permits ? null : TimeSpan.FromMilliseconds(Math.Max(1, (long)result[1]));
    }
}
