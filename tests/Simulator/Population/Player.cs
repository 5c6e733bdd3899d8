using Simulator.Catalog;

namespace Simulator.Population;

/// <summary>
/// A simulated player's fixed traits: who they are, and their latent taste (weights over themes and providers that
/// their game choices stick to). Drawn from the player's own seeded stream, so the same seed gives the same people.
/// </summary>
public sealed record Player(
    int Index,
    string Id,
    Archetype Archetype,
    string Country,
    string Currency,
    decimal ExchangeRate,
    int BirthYear,
    string Device,
    string Channel,
    string? AffiliateId,
    string? Campaign,
    DateTimeOffset RegisteredAt,
    IReadOnlyDictionary<string, double> ThemeTaste,
    IReadOnlyDictionary<string, double> ProviderTaste,
    bool Drifter,
    int? VipAfterDays,
    bool EmailConsent,
    bool SmsConsent)
{
    public const string IdPrefix = "p-";

    private static readonly (string Country, string Currency, decimal Rate, double Weight)[] Countries =
    [
        ("MT", "EUR", 1m, 5), ("DE", "EUR", 1m, 20), ("FI", "EUR", 1m, 12), ("IE", "EUR", 1m, 8), ("NL", "EUR", 1m, 10),
        ("SE", "SEK", 0.087m, 12), ("NO", "NOK", 0.086m, 8), ("CA", "CAD", 0.68m, 12), ("BR", "BRL", 0.17m, 8), ("GB", "GBP", 1.17m, 5),
    ];

    public static string IdOf(int index) => IdPrefix + (100_000 + index).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <param name="registeredFrom">Registrations spread over [registeredFrom, registeredTo), more of them early, so the
    /// population has both long-standing and new players.</param>
    public static Player Create(int seed, int index, IReadOnlyList<string> providers, DateTimeOffset registeredFrom, DateTimeOffset registeredTo)
    {
        var rng = new Random(Seeds.Mix(seed, index, 1));
        var archetype = Archetype.All[Sampling.Pick(rng, Archetype.All.Select(a => a.Share).ToArray())];
        var country = Countries[Sampling.Pick(rng, Countries.Select(c => c.Weight).ToArray())];
        var span = (registeredTo - registeredFrom).TotalSeconds;
        var u = rng.NextDouble();
        var registeredAt = registeredFrom.AddSeconds(Math.Floor(span * (u < 0.4 ? u / 0.4 * 0.1 : 0.1 + (u - 0.4) / 0.6 * 0.9)));

        // Taste: two or three favourite themes and providers carry most of the weight; everything else a little.
        var themes = new Dictionary<string, double>();
        foreach (var theme in CatalogGenerator.Themes) themes[theme] = 0.05;
        for (var i = rng.Next(2, 4); i > 0; i--) themes[CatalogGenerator.Themes[rng.Next(CatalogGenerator.Themes.Count)]] += Sampling.Exponential(rng) + 0.5;
        var favouriteProviders = new Dictionary<string, double>();
        for (var i = rng.Next(2, 4); i > 0; i--) favouriteProviders[providers[rng.Next(providers.Count)]] = Sampling.Exponential(rng) + 0.5;

        var vip = rng.NextDouble() < archetype.VipChance ? rng.Next(10, 60) : (int?)null;
        var affiliate = AffiliatePartners.Pick(rng, archetype);
        var campaign = rng.NextDouble() < 0.5 ? $"{(affiliate is null ? "ppc" : "aff")}-{Sampling.Pick(rng, new Dictionary<string, double> { ["welcome"] = 3, ["free-spins"] = 2, ["cashback"] = 1, ["live-launch"] = 1 })}" : null;
        return new Player(index, IdOf(index), archetype, country.Country, country.Currency, country.Rate,
            1950 + rng.Next(0, 55), rng.NextDouble() < 0.62 ? "mobile" : rng.NextDouble() < 0.9 ? "desktop" : "tablet",
            rng.NextDouble() < 0.6 ? "mobile" : "web", affiliate, campaign, registeredAt, themes, favouriteProviders,
            rng.NextDouble() < 0.3, vip, rng.NextDouble() < 0.7, rng.NextDouble() < 0.4);
    }
}
