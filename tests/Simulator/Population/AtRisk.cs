using Shared.Contracts;

namespace Simulator.Population;

/// <summary>
/// The at-risk archetype: an ordinary player whose behaviour drifts towards harm for a few weeks before they
/// self-exclude. Over the drift (intensity 0 → 1) they play more often and longer, more and more at night
/// (02:00–05:00 their time), chase losses (reload again and again within a session), stake and deposit more, see
/// more deposits declined and may raise a deposit limit they had set. About 3% of players with a month of play
/// behind them (problem and at-risk gambling is a few per cent of online players); drawn on a stream of its own, so
/// every other player's history is what it was.
/// </summary>
/// <param name="DriftFrom">When the drift starts.</param>
/// <param name="ExcludeAt">When the player self-excludes (possibly after the end of history: still drifting then).</param>
public sealed record AtRiskPlan(DateTimeOffset DriftFrom, DateTimeOffset ExcludeAt, bool SetsLimit)
{
    public const double Share = 0.03;
    public const int MinTenureDays = 30;

    /// <summary>The plan of a player, or null for the ~97% who are not at risk (or are VIPs, whose pace is their own).</summary>
    public static AtRiskPlan? Draw(Random rng, Player player, DateTimeOffset end)
    {
        if (rng.NextDouble() >= Share || player.VipAfterDays is not null) return null;
        var earliest = player.RegisteredAt.AddDays(MinTenureDays);
        if (earliest >= end) return null;
        // The drift starts somewhere in the player's tenure after a first month, lasts two to five weeks.
        var from = earliest.AddDays(Math.Floor(rng.NextDouble() * Math.Max(1, (end - earliest).TotalDays)));
        var exclude = from.AddDays(14 + rng.Next(0, 22)).AddHours(rng.Next(0, 24));
        return new AtRiskPlan(from, exclude, rng.NextDouble() < 0.4);
    }

    /// <summary>How far the drift has gone at <paramref name="t"/>: 0 before it, rising to 1 at the self-exclusion.</summary>
    public double Intensity(DateTimeOffset t) => t < DriftFrom ? 0 : Math.Min(1, (t - DriftFrom).TotalDays / Math.Max(1, (ExcludeAt - DriftFrom).TotalDays));

    /// <summary>A UTC start time for a night session (02:00–05:59 in the player's zone) on the day starting at <paramref name="day"/>.</summary>
    public static DateTimeOffset NightStart(Random rng, Player player, DateTimeOffset day)
    {
        var zone = PlayerTimeZones.Of(player.Country);
        var localMidnight = new DateTimeOffset(day.Year, day.Month, day.Day, 0, 0, 0, zone.GetUtcOffset(day));
        return localMidnight.AddHours(2 + rng.NextDouble() * 3.5).ToUniversalTime();
    }
}
