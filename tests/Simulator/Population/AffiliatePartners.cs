namespace Simulator.Population;

/// <summary>
/// The affiliates players come through, with cohorts of distinct quality, so the affiliate report has something to
/// tell apart: <see cref="BonusHunters"/> sends most of the affiliated bonus hunters (little deposited, much bonus),
/// <see cref="SelfExcluders"/> sends players who later self-exclude far more often than others; the rest are ordinary.
/// </summary>
public static class AffiliatePartners
{
    public const string BonusHunters = "aff-bonus-bazaar";
    public const string SelfExcluders = "aff-spin-blitz";

    /// <summary>The daily chance of self-excluding: the usual one, or forty times it for <see cref="SelfExcluders"/>' players.</summary>
    public static double SelfExclusionPerDay(Player p) => p.AffiliateId == SelfExcluders ? 0.004 : 0.0001;

    /// <summary>A new player's affiliate (null: none), drawing from <paramref name="rng"/> exactly as before partners had a quality.</summary>
    public static string? Pick(Random rng, Archetype archetype)
    {
        if (rng.NextDouble() >= 0.35) return null;
        var n = rng.Next(1, 25);
        if (archetype.Name == "bonus_hunter" && n <= 18) return BonusHunters;
        return n <= 2 ? SelfExcluders : $"aff-{n:00}";
    }
}
