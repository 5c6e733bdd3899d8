using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Lobby.Console;

/// <summary>
/// Slows password guessing at the console's sign-in: after <see cref="ConsoleOptions.MaxFailuresPerUser"/> failed
/// attempts for one name, or <see cref="ConsoleOptions.MaxFailuresPerAddress"/> from one client address, within
/// <see cref="ConsoleOptions.LockoutWindow"/>, further attempts for that name or from that address are refused without
/// checking the password (which also spares the CPU a password hash costs) until the oldest failure leaves the window.
/// A successful sign-in clears its name's failures. Kept per instance, in memory, and bounded.
/// </summary>
public sealed class ConsoleSignInThrottle(IOptions<ConsoleOptions> options, TimeProvider clock)
{
    /// <summary>At most this many names and addresses are tracked; beyond it the stalest are forgotten.</summary>
    internal const int MaxTracked = 20_000;

    private readonly ConcurrentDictionary<string, Failures> _failures = new(StringComparer.Ordinal);

    /// <summary>How long the name or address must wait before its next attempt; null when it may try now.</summary>
    public TimeSpan? LockedFor(string? name, string? address)
    {
        var o = options.Value;
        var now = clock.GetUtcNow();
        var wait = Wait(UserKey(name), o.MaxFailuresPerUser, o.LockoutWindow, now);
        var byAddress = Wait(AddressKey(address), o.MaxFailuresPerAddress, o.LockoutWindow, now);
        if (wait is null) return byAddress;
        return byAddress is { } a && a > wait.Value ? a : wait;
    }

    public void Failed(string? name, string? address)
    {
        var now = clock.GetUtcNow();
        Record(UserKey(name), now);
        Record(AddressKey(address), now);
        if (_failures.Count > MaxTracked) Forget(now);
    }

    /// <summary>Names and addresses with failures held (for tests and diagnostics).</summary>
    internal int Tracked => _failures.Count;

    public void Succeeded(string? name) => _failures.TryRemove(UserKey(name), out _);

    private static string UserKey(string? name) => "u:" + (name ?? "").Trim().ToLowerInvariant();

    private static string AddressKey(string? address) => "a:" + (address ?? "unknown");

    private TimeSpan? Wait(string key, int max, TimeSpan window, DateTimeOffset now)
    {
        if (!_failures.TryGetValue(key, out var failures)) return null;
        lock (failures)
        {
            failures.Prune(now - window);
            if (failures.Times.Count < max) return null;
            // The attempt that would bring the count under the limit leaves the window first.
            return failures.Times.ElementAt(failures.Times.Count - max) + window - now;
        }
    }

    private void Record(string key, DateTimeOffset now)
    {
        var failures = _failures.GetOrAdd(key, _ => new Failures());
        lock (failures)
        {
            failures.Prune(now - options.Value.LockoutWindow);
            failures.Times.Enqueue(now);
            // Never more than needed to decide: the largest limit's worth.
            while (failures.Times.Count > Math.Max(options.Value.MaxFailuresPerUser, options.Value.MaxFailuresPerAddress)) failures.Times.Dequeue();
        }
    }

    private void Forget(DateTimeOffset now)
    {
        var cutoff = now - options.Value.LockoutWindow;
        foreach (var (key, failures) in _failures)
        {
            lock (failures)
            {
                failures.Prune(cutoff);
                if (failures.Times.Count == 0) _failures.TryRemove(key, out _);
            }
        }
        // Still over under a wide attack: forget the stalest tenth, keeping the map bounded (and sorting it rarely).
        var over = _failures.Count - MaxTracked * 9 / 10;
        if (over <= 0) return;
        var stalest = _failures.Select(kv => { lock (kv.Value) return (kv.Key, kv.Value.Newest); }).OrderBy(e => e.Newest).Take(over).ToList();
        foreach (var (key, _) in stalest) _failures.TryRemove(key, out _);
    }

    private sealed class Failures
    {
        public Queue<DateTimeOffset> Times { get; } = new();

        public DateTimeOffset Newest => Times.Count == 0 ? DateTimeOffset.MinValue : Times.Last();

        public void Prune(DateTimeOffset cutoff)
        {
            while (Times.Count > 0 && Times.Peek() <= cutoff) Times.Dequeue();
        }
    }
}
