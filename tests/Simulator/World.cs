using Shared.Contracts;
using Simulator.Catalog;
using Simulator.Population;

namespace Simulator;

/// <summary>
/// Delivery faults of the time-ordered history, as shares of events: a few hours late at most. The delivery modes
/// (<see cref="Delivery.DeliveryMode"/>) send events weeks and months out of order on top of these.
/// </summary>
public sealed record FaultRates(double Duplicates = 0.01, double OutOfOrder = 0.01, double Late = 0.005, double Rollbacks = 0.002)
{
    public static readonly TimeSpan MaxLateness = TimeSpan.FromHours(36);

    public static readonly FaultRates None = new(0, 0, 0, 0);
}

/// <summary>The simulated casino: its catalogue and its population, all derived from one seed.</summary>
public sealed class World
{
    public const string HistoryIdPrefix = "h";

    private World(int seed, int players, DateTimeOffset start, DateTimeOffset end, IReadOnlyList<Game> games, IReadOnlyList<string> providers)
    {
        Seed = seed;
        PlayerCount = players;
        Start = start;
        End = end;
        Games = games;
        Providers = providers;
    }

    public int Seed { get; }
    public int PlayerCount { get; }
    public DateTimeOffset Start { get; }
    public DateTimeOffset End { get; }
    public IReadOnlyList<Game> Games { get; }
    public IReadOnlyList<string> Providers { get; }

    /// <summary>A planted response to an experiment's treatment (<see cref="WithLift"/>); null: none.</summary>
    public ResponseLift? Lift { get; private init; }

    /// <summary>The same world whose treated players respond to an experiment with <paramref name="lift"/>.</summary>
    public World WithLift(ResponseLift lift) => new(Seed, PlayerCount, Start, End, Games, Providers) { Lift = lift };

    public static World Create(int seed, int players, int days, DateTimeOffset end)
    {
        var games = CatalogGenerator.Generate(seed, end);
        return new World(seed, players, end.AddDays(-days), end, games, games.Select(g => g.Provider).Distinct().ToList());
    }

    /// <summary>Player <paramref name="index"/>; indexes past the population are players who register later (live mode).</summary>
    public Player Player(int index, DateTimeOffset? registeredAt = null)
    {
        var p = Population.Player.Create(Seed, index, Providers, Start, End);
        return registeredAt is { } at ? p with { RegisteredAt = at } : p;
    }

    /// <summary>Simulates one player from registration to the end of history, on the player's own seeded stream.</summary>
    public PlayerSimulation Simulate(int index, double rollbackRate)
    {
        var player = Player(index);
        var sim = new PlayerSimulation(player, Games, rollbackRate, HistoryIdPrefix) { AtRisk = AtRiskPlan.Draw(new Random(Seeds.Mix(Seed, index, 9)), player, End) };
        sim.RunHistory(new Random(Seeds.Mix(Seed, index, 3)), End);
        Lift?.Apply(sim.Player.Id, sim.Activities);
        CashierAndChecks.Apply(new Random(Seeds.Mix(Seed, index, 10)), player, sim.Activities, End);
        return sim;
    }
}
