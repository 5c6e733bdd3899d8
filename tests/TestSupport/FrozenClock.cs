namespace TestSupport;

/// <summary>
/// A clock that always reads the same instant, while timers and delays still run in real time (the base
/// <see cref="TimeProvider"/> makes system timers): for services whose answers depend on "now" (recency, trending),
/// so two calls a moment apart give the same answer on any day.
/// </summary>
public sealed class FrozenClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
