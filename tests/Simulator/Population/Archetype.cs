namespace Simulator.Population;

/// <summary>
/// What a kind of player does, as a handful of explainable parameters. Money is in EUR before the VIP multiplier
/// (converted to the player's currency when played); rates are per day or per week as named.
/// </summary>
public sealed record Archetype(
    string Name,
    double Share,
    IReadOnlyDictionary<string, double> Categories,
    double SessionsPerWeek,
    double RoundsPerSession,
    decimal Stake,
    decimal Deposit,
    double ReloadChance,
    double ChurnPerDay,
    double VipChance,
    double BonusAffinity,
    double Habit)
{
    public static readonly IReadOnlyList<Archetype> All =
    [
        new("casual_slots", 0.42, new Dictionary<string, double> { ["slots"] = 0.8, ["bingo"] = 0.1, ["instant"] = 0.1 },
            2.5, 30, 0.5m, 20m, 0.3, 0.006, 0.01, 0.1, 0.6),
        new("live_high_roller", 0.08, new Dictionary<string, double> { ["live"] = 0.85, ["table"] = 0.15 },
            3, 15, 25m, 500m, 0.6, 0.002, 0.25, 0.05, 0.75),
        new("table_regular", 0.14, new Dictionary<string, double> { ["table"] = 0.75, ["live"] = 0.2, ["slots"] = 0.05 },
            4, 25, 5m, 100m, 0.4, 0.002, 0.04, 0.05, 0.8),
        new("thrill_seeker", 0.20, new Dictionary<string, double> { ["crash"] = 0.55, ["instant"] = 0.35, ["slots"] = 0.1 },
            5, 40, 1m, 30m, 0.5, 0.008, 0.02, 0.15, 0.5),
        new("bonus_hunter", 0.16, new Dictionary<string, double> { ["slots"] = 0.9, ["bingo"] = 0.1 },
            2, 25, 0.4m, 20m, 0.1, 0.015, 0.005, 0.9, 0.3),
    ];

    public static Archetype Named(string name) => All.First(a => a.Name == name);
}
