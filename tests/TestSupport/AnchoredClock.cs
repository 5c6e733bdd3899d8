using System.Globalization;
using Shared.ServiceDefaults;

namespace TestSupport;

/// <summary>
/// A clock that reads a fixed instant when it is made and then runs at real speed. Tests that build a history and
/// train on it see the same calendar on any day (what the suite proves does not change with the date), while
/// delays, timers and deadlines still pass. <see cref="Anchor"/> is the suite's default instant; the environment
/// variable <c>TEST_ANCHOR_DATE</c> (<c>yyyy-MM-dd</c>) moves it, to run the whole suite "on another day".
/// </summary>
public sealed class AnchoredClock(DateTimeOffset start) : AsOfClock(start)
{
    /// <summary>10:00 UTC on the anchor day, so a run of the suite never crosses midnight.</summary>
    public static DateTimeOffset Anchor { get; } = AnchorFrom(Environment.GetEnvironmentVariable("TEST_ANCHOR_DATE"));

    public AnchoredClock() : this(Anchor) { }

    /// <summary>The day the clock started on, at 00:00 UTC: where a simulated history built for it ends.</summary>
    public DateTimeOffset Day { get; } = new(start.UtcDateTime.Date, TimeSpan.Zero);

    public static DateTimeOffset AnchorFrom(string? date)
    {
        if (string.IsNullOrWhiteSpace(date)) return new DateTimeOffset(2026, 11, 2, 10, 0, 0, TimeSpan.Zero);
        if (!DateTime.TryParseExact(date, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
            throw new ArgumentException($"TEST_ANCHOR_DATE must be a date like 2028-02-29, got '{date}'", nameof(date));
        return new DateTimeOffset(day.Date.AddHours(10), TimeSpan.Zero);
    }
}
