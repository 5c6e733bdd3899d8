using System.Diagnostics;

namespace Shared.ServiceDefaults;

/// <summary>
/// A clock that reads a given instant when it is made and then runs at real speed: operator commands take it with
/// <c>--as-of</c> to train and export as of a past day (back-testing, reproducible runs), and tests take it to see the
/// same calendar on any day. Timers and delays are the system's.
/// </summary>
public class AsOfClock(DateTimeOffset start) : TimeProvider
{
    private readonly long _started = Stopwatch.GetTimestamp();

    public override DateTimeOffset GetUtcNow() => start + Stopwatch.GetElapsedTime(_started);
}
