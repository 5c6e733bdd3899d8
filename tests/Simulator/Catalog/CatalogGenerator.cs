using Shared.Contracts;

namespace Simulator.Catalog;

/// <summary>
/// A game catalogue of a few hundred games from a few dozen fictional providers, deterministic for a seed. Providers
/// specialise (a live studio, a crash studio, slot houses), which gives players' provider taste something to stick to.
/// </summary>
public static class CatalogGenerator
{
    public static readonly IReadOnlyList<string> Themes =
    [
        "egyptian", "fruit", "mythology", "adventure", "asian", "irish", "animals", "space", "horror", "classic",
        "vikings", "candy", "western", "ocean", "gems", "music", "sports", "fantasy",
    ];

    public static readonly IReadOnlyList<string> Features =
        ["megaways", "cluster-pays", "buy-bonus", "sticky-wilds", "free-spins", "multipliers", "hold-and-win"];

    public static readonly IReadOnlyList<string> Markets = ["MT", "DE", "FI", "IE", "NL", "SE", "NO", "CA", "BR", "GB"];

    private static readonly string[] NameStart = ["Red", "Blue", "Iron", "Nova", "Lucky", "Wild", "Silver", "Golden", "Polar", "Neon", "Stone", "Swift"];
    private static readonly string[] NameEnd = ["fox", "peak", "forge", "wave", "star", "leaf", "gate", "works", "spark", "tide"];
    private static readonly string[] TitleStart =
        ["Book of", "Rise of", "Legend of", "Temple of", "Fortune", "Mega", "Crystal", "Lucky", "Wild", "Golden", "Mystic", "Royal", "Thunder", "Jade", "Sugar"];
    private static readonly string[] TitleEnd =
        ["Ra", "Odin", "Dragons", "Riches", "Fruits", "Gems", "Bandits", "Tides", "Stars", "Wolves", "Pharaoh", "Clovers", "Rockets", "Pearls", "Sweets", "Nights"];

    /// <summary>Provider specialities: the share of each category in a provider's games.</summary>
    private static readonly (string Kind, Dictionary<string, double> Categories)[] Studios =
    [
        ("slots", new() { ["slots"] = 0.9, ["instant"] = 0.05, ["bingo"] = 0.05 }),
        ("slots", new() { ["slots"] = 0.95, ["table"] = 0.05 }),
        ("live", new() { ["live"] = 0.8, ["table"] = 0.2 }),
        ("table", new() { ["table"] = 0.6, ["slots"] = 0.3, ["live"] = 0.1 }),
        ("crash", new() { ["crash"] = 0.5, ["instant"] = 0.4, ["slots"] = 0.1 }),
        ("bingo", new() { ["bingo"] = 0.6, ["instant"] = 0.2, ["slots"] = 0.2 }),
    ];

    public static IReadOnlyList<string> ProviderNames(int count)
    {
        var names = new List<string>(count);
        for (var i = 0; i < count; i++)
        {
            names.Add($"{NameStart[i % NameStart.Length]}{NameEnd[i / NameStart.Length % NameEnd.Length]} Gaming");
        }
        return names;
    }

    /// <param name="end">The end of the simulated time; a few games are released in the last months, so players discover them.</param>
    public static IReadOnlyList<Game> Generate(int seed, DateTimeOffset end, int providers = 36)
    {
        var rng = new Random(Seeds.Mix(seed, -1));
        var games = new List<Game>();
        var providerNames = ProviderNames(providers);
        for (var p = 0; p < providers; p++)
        {
            var studio = Studios[p % 3 == 0 ? rng.Next(Studios.Length) : p % Studios.Length];
            var slug = providerNames[p].Split(' ')[0].ToLowerInvariant();
            var count = rng.Next(6, 15);
            for (var n = 0; n < count; n++)
            {
                var category = Sampling.Pick(rng, studio.Categories);
                var title = category switch
                {
                    "live" => $"{Pick(rng, ["Live", "Speed", "VIP", "Lightning", "Salon"])} {Pick(rng, ["Roulette", "Blackjack", "Baccarat", "Poker", "Dice", "Wheel"])} {n + 1}",
                    "table" => $"{Pick(rng, ["European", "American", "Classic", "Multihand", "French"])} {Pick(rng, ["Roulette", "Blackjack", "Baccarat", "Poker"])}",
                    "crash" => $"{Pick(rng, ["Aviator", "Rocket", "Jet", "Comet", "Balloon"])} {Pick(rng, ["X", "Rush", "Blast", "Up"])}",
                    "instant" => $"{Pick(rng, ["Plinko", "Mines", "Scratch", "Keno", "Hi-Lo"])} {Pick(rng, ["Go", "Deluxe", "Pro", "Mania"])}",
                    "bingo" => $"{Pick(rng, ["Bingo", "Lotto", "Bingo Bash"])} {Pick(rng, ["75", "90", "Party", "Night"])}",
                    _ => $"{Pick(rng, TitleStart)} {Pick(rng, TitleEnd)}",
                };
                var tags = new List<string> { Pick(rng, Themes) };
                if (rng.NextDouble() < 0.4) tags.Add(Pick(rng, Themes));
                if (category == "slots") tags.Add(Pick(rng, Features));
                var (rtp, volatility, minBet, maxBet) = category switch
                {
                    "live" => (Dec(rng, 97.0, 98.8), Pick(rng, ["low", "medium"]), 0.5m, 5000m),
                    "table" => (Dec(rng, 97.3, 99.5), "low", 0.1m, 1000m),
                    "crash" => (Dec(rng, 96.0, 97.5), Pick(rng, ["high", "very_high"]), 0.1m, 200m),
                    "instant" => (Dec(rng, 95.0, 97.5), Pick(rng, ["medium", "high"]), 0.1m, 100m),
                    "bingo" => (Dec(rng, 90.0, 95.0), "low", 0.05m, 20m),
                    _ => (Dec(rng, 94.0, 97.2), Pick(rng, ["low", "medium", "medium", "high", "high", "very_high"]), 0.1m, 100m),
                };
                IReadOnlyList<string> markets = rng.NextDouble() < 0.8
                    ? ["*"]
                    : ["MT", .. Markets.Skip(1).Where(_ => rng.NextDouble() < 0.5)];
                // Most games are years old; about one in eight is released during the last four months.
                var released = rng.NextDouble() < 0.12
                    ? end.AddDays(-rng.Next(0, 120)).AddHours(-rng.Next(0, 24))
                    : end.AddDays(-rng.Next(120, 4 * 365));
                released = new DateTimeOffset(released.Year, released.Month, released.Day, 0, 0, 0, TimeSpan.Zero);
                games.Add(new Game($"g-{slug}-{n + 1:00}", title, providerNames[p], category, tags.Distinct().ToList(),
                    rtp, volatility, minBet, maxBet, category == "slots" && rng.NextDouble() < 0.12, markets, released, true));
            }
        }
        return UniqueTitles(games);
    }

    /// <summary>
    /// Titles as a lobby needs them: no two games alike. A title already taken is replaced by the first free one of its
    /// category's alternatives, starting at a place set by the game's position; no random draw, so the rest of the casino
    /// (every id, every player's choices) is the same as without this pass.
    /// </summary>
    internal static List<Game> UniqueTitles(List<Game> games)
    {
        var taken = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < games.Count; i++)
        {
            if (taken.Add(games[i].Title)) continue;
            var alternatives = Alternatives(games[i].Category);
            var title = Enumerable.Range(0, alternatives.Count).Select(k => alternatives[(i * 7 + k) % alternatives.Count]).FirstOrDefault(taken.Add);
            for (var edition = 2; title is null; edition++)
            {
                var numbered = $"{games[i].Title} {edition}";
                if (taken.Add(numbered)) title = numbered;
            }
            games[i] = games[i] with { Title = title };
        }
        return games;
    }

    private static List<string> Alternatives(string category) => category switch
    {
        "live" => Combine(["Live", "Speed", "VIP", "Lightning", "Salon", "Grand", "Immersive", "Power", "Golden", "First Person", "Royal", "Turbo"],
            ["Roulette", "Blackjack", "Baccarat", "Poker", "Dice", "Wheel", "Sic Bo", "Dragon Tiger", "Hold'em", "Andar Bahar"]),
        "table" => Combine(["European", "American", "Classic", "Multihand", "French", "Vegas", "Atlantic City", "Double Deck", "Royal", "Premier"],
            ["Roulette", "Blackjack", "Baccarat", "Poker", "Hold'em", "Red Dog"]),
        "crash" => Combine(["Aviator", "Rocket", "Jet", "Comet", "Balloon", "Zeppelin", "Meteor", "Spaceman", "Kite", "Satellite"],
            ["X", "Rush", "Blast", "Up", "Dash", "Boom"]),
        "instant" => Combine(["Plinko", "Mines", "Scratch", "Keno", "Hi-Lo", "Limbo", "Tower", "Coin Flip", "Dice Duel", "Goal", "Chicken Cross", "Penalty"],
            ["Go", "Deluxe", "Pro", "Mania", "Twist", "Blitz", "Max", "Gold"]),
        "bingo" => Combine(["Bingo", "Lotto", "Bingo Bash", "Bingo Blitz", "Lucky Balls", "Pub Bingo", "Bingo Hall", "Big Ball", "Bingo Royale", "Daub"],
            ["75", "90", "Party", "Night", "Live", "Jackpot", "Rooms", "Express", "Social", "Club"]),
        _ => Combine([.. TitleStart, "Quest for", "Secrets of", "Tales of", "Queen of", "Empire of"],
            [.. TitleEnd, "Atlantis", "Fire", "Thunder", "Jewels", "Sevens", "Lions"]),
    };

    private static List<string> Combine(IReadOnlyList<string> starts, IReadOnlyList<string> ends) =>
        [.. starts.SelectMany(s => ends.Select(e => $"{s} {e}"))];

    private static string Pick(Random rng, IReadOnlyList<string> items) => items[rng.Next(items.Count)];

    private static decimal Dec(Random rng, double min, double max) => Math.Round((decimal)(min + rng.NextDouble() * (max - min)), 2);
}
