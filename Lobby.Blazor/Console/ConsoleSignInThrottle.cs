using Microsoft.Extensions.Options;
using Shared.Store;
using StackExchange.Redis;

namespace Lobby.Console;

/// <summary>
/// Slows password guessing at the console's sign-in: after <see cref="ConsoleOptions.MaxFailuresPerUser"/> failed
/// attempts for one name, or <see cref="ConsoleOptions.MaxFailuresPerAddress"/> from one client address, within
/// <see cref="ConsoleOptions.LockoutWindow"/>, further attempts for that name or from that address are refused without
/// checking the password (which also spares the CPU a password hash costs) until the oldest failure leaves the window.
/// A successful sign-in clears its name's failures.
/// </summary>
public interface IConsoleSignInThrottle
{
    /// <summary>How long the name or address must wait before its next attempt; null when it may try now.</summary>
    Task<TimeSpan?> LockedForAsync(string? name, string? address);

    Task FailedAsync(string? name, string? address);

    Task SucceededAsync(string? name);
}

/// <summary>
/// <see cref="IConsoleSignInThrottle"/> counted in the store, so every lobby instance counts the same failures: an
/// attacker spreading guesses over several instances behind a load balancer gets no more of them. Each name and each
/// address has a sorted set of its failure times (<see cref="StoreKeys.ConsoleSignInFailures"/>) holding at most the
/// larger limit's worth and expiring with the window, so the store holds nothing older than the window and no
/// instance holds anything at all.
/// </summary>
public sealed class ConsoleSignInThrottle(IConnectionMultiplexer redis, StoreKeys keys, IOptions<ConsoleOptions> options, TimeProvider clock) : IConsoleSignInThrottle
{
    // KEYS: one name's or address's failures. ARGV: now (unix ms), window (ms), failures kept, a member unique to this failure.
    private const string RecordScript = """
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[1]) - tonumber(ARGV[2]))
        redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
        local over = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[3])
        if over > 0 then redis.call('ZREMRANGEBYRANK', KEYS[1], 0, over - 1) end
        redis.call('PEXPIRE', KEYS[1], ARGV[2])
        return 1
        """;

    public async Task<TimeSpan?> LockedForAsync(string? name, string? address)
    {
        var o = options.Value;
        var now = clock.GetUtcNow();
        var db = redis.GetDatabase();
        var byName = WaitAsync(db, keys.ConsoleSignInFailures(UserKey(name)), o.MaxFailuresPerUser, o.LockoutWindow, now);
        var byAddress = WaitAsync(db, keys.ConsoleSignInFailures(AddressKey(address)), o.MaxFailuresPerAddress, o.LockoutWindow, now);
        var (wait, other) = (await byName, await byAddress);
        if (wait is null) return other;
        return other is { } a && a > wait.Value ? a : wait;
    }

    public async Task FailedAsync(string? name, string? address)
    {
        var o = options.Value;
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var window = (long)o.LockoutWindow.TotalMilliseconds;
        // Never more than needed to decide: the larger limit's worth.
        var kept = Math.Max(o.MaxFailuresPerUser, o.MaxFailuresPerAddress);
        var member = $"{now}:{Guid.NewGuid():N}";
        var db = redis.GetDatabase();
        await Task.WhenAll(
            db.ScriptEvaluateAsync(RecordScript, [keys.ConsoleSignInFailures(UserKey(name))], [now, window, kept, member]),
            db.ScriptEvaluateAsync(RecordScript, [keys.ConsoleSignInFailures(AddressKey(address))], [now, window, kept, member]));
    }

    public Task SucceededAsync(string? name) => redis.GetDatabase().KeyDeleteAsync(keys.ConsoleSignInFailures(UserKey(name)));

    internal static string UserKey(string? name) => "u:" + (name ?? "").Trim().ToLowerInvariant();

    internal static string AddressKey(string? address) => "a:" + (address ?? "unknown");

    private static async Task<TimeSpan?> WaitAsync(IDatabase db, RedisKey key, int max, TimeSpan window, DateTimeOffset now)
    {
        var cutoff = (now - window).ToUnixTimeMilliseconds();
        var failures = await db.SortedSetRangeByScoreWithScoresAsync(key, cutoff, double.PositiveInfinity, Exclude.Start);
        if (failures.Length < max) return null;
        // The attempt that would bring the count under the limit leaves the window first.
        return DateTimeOffset.FromUnixTimeMilliseconds((long)failures[^max].Score) + window - now;
    }
}
