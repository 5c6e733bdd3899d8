using Intelligence.Recommendations.Model;
using Shared.Contracts;

namespace Intelligence.Tests.Recommendations;

/// <summary>
/// A small world with two tastes: "egyptian" slots from Ra Studio and "space" crash games from Orbit Works, plus
/// filler. Group A players play the egyptian games, group B the space ones.
/// </summary>
internal static class TestCatalogue
{
    public static readonly DateTimeOffset Now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    public static Game Game(string id, string provider, string category, string tag, bool jackpot = false, string[]? markets = null,
        DateTimeOffset? released = null, bool enabled = true) =>
        new(id, $"Title {id}", provider, category, [tag], 96m, "medium", 0.1m, 100m, jackpot, markets ?? ["*"], released ?? Now.AddYears(-1), enabled);

    public static List<Game> Games()
    {
        var games = new List<Game>();
        for (var i = 0; i < 8; i++) games.Add(Game($"g-ra-{i}", "Ra Studio", "slots", "egyptian"));
        for (var i = 0; i < 8; i++) games.Add(Game($"g-orbit-{i}", "Orbit Works", "crash", "space"));
        for (var i = 0; i < 8; i++) games.Add(Game($"g-misc-{i}", $"Misc {i % 4}", "table", "classic"));
        return games;
    }

    /// <summary>Players of group A play three to five egyptian games, group B three to five space games; many rounds, recently.</summary>
    public static List<TrainingPlayer> Players(int perGroup = 40, int seed = 3)
    {
        var rng = new Random(seed);
        var players = new List<TrainingPlayer>();
        for (var i = 0; i < 2 * perGroup; i++)
        {
            var group = i < perGroup ? "ra" : "orbit";
            var plays = Enumerable.Range(0, 8).OrderBy(_ => rng.Next()).Take(rng.Next(3, 6))
                .Select(n => new GameInteraction($"g-{group}-{n}", rng.Next(5, 200), 10m, Now.AddDays(-rng.Next(0, 20))))
                .ToList();
            if (rng.NextDouble() < 0.3) plays.Add(new GameInteraction($"g-misc-{rng.Next(8)}", rng.Next(1, 10), 1m, Now.AddDays(-5)));
            players.Add(new TrainingPlayer($"p-{i}", group == "ra" ? "MT" : "DE", group == "ra" ? "seg-a" : "seg-b", plays));
        }
        return players;
    }

    public static RecommenderModel Train(List<Game>? games = null, List<TrainingPlayer>? players = null) =>
        ModelBuilder.Train(players ?? Players(), games ?? Games(), new ModelSettings(Factors: 8, Iterations: 10), Now, "test-v1");
}
