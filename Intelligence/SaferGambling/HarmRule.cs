using Shared.Contracts;

namespace Intelligence.SaferGambling;

/// <summary>
/// The transparent harm-risk rule: each marker's strength (0–1) times its weight, summed with a bias, through the
/// logistic function. The drivers are the weighted strengths, largest first. It serves until outcomes (later
/// self-exclusions, closures, safer-gambling case outcomes) are enough to train a model.
/// </summary>
public static class HarmRule
{
    public const string Version = "harm-rule-v1";
    public const string Description = "weighted behavioural markers of harm";
    public const double Bias = -4;

    /// <summary>Weights by marker: chasing, night play, deposits in quick succession and loosened limits weigh most.</summary>
    public static readonly IReadOnlyDictionary<string, double> Weights = new Dictionary<string, double>(StringComparer.Ordinal)
    {
        ["depositFrequency"] = 1.5, ["depositAmount"] = 1.25, ["depositsWithinAnHour"] = 1.5, ["declinedDeposits"] = 1.0,
        ["reversedWithdrawals"] = 1.0, ["chasing"] = 2.0, ["stakeAfterLoss"] = 0.75, ["sessionLength"] = 0.75,
        ["nightPlay"] = 1.75, ["stakeEscalation"] = 1.25, ["bonusShareFalling"] = 0.5, ["lossesToDeposits"] = 0.5,
        ["limitLoosening"] = 1.5, ["paymentMethods"] = 0.75,
    };

    public static (double Probability, IReadOnlyList<ScoreDriver> Drivers) Score(IReadOnlyList<HarmMarker> markers, int topDrivers = 5)
    {
        var z = Bias;
        var drivers = new List<ScoreDriver>(markers.Count);
        foreach (var m in markers)
        {
            var c = Weights.GetValueOrDefault(m.Name) * m.Strength;
            z += c;
            if (c > 0) drivers.Add(new ScoreDriver(m.Name, Math.Round(c, 3), m.Description));
        }
        var ordered = drivers.OrderByDescending(d => d.Contribution).ThenBy(d => d.Feature, StringComparer.Ordinal).Take(topDrivers).ToList();
        if (ordered.Count == 0) ordered.Add(new ScoreDriver("markers", 0, "No marker of harm in the player's recent play"));
        return (1 / (1 + Math.Exp(-z)), ordered);
    }
}
