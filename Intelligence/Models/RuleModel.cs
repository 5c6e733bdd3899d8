using Shared.Contracts;
using System.Text.Json;
using System.Text.Json.Serialization;
using Intelligence.Features;

namespace Intelligence.Models;

/// <summary>
/// A one-number rule an operator already keeps in a spreadsheet ("days since the last real-money bet"), turned into a
/// probability by isotonic regression on labelled rows: the rule's ranking is kept as it is, and the probability at a
/// value is the observed outcome rate of players around that value. It scores whenever no trained model is served,
/// so a score is never missing, and bands keep their meaning because both are calibrated probabilities.
/// </summary>
/// <param name="Kind">churn or vip.</param>
/// <param name="RuleName">The rule (<see cref="RuleDefinition.Name"/>) whose value it turns into a probability.</param>
/// <param name="Uppers">Ascending upper bounds of the value steps (the last one is +∞).</param>
/// <param name="Rates">The probability of each step, non-decreasing.</param>
/// <param name="BaseRate">The outcome rate over all the calibration rows: a driver's contribution is measured from it.</param>
/// <param name="CalibratedOn">Where the calibration came from, in words.</param>
public sealed record RuleModel(string Kind, string RuleName, double[] Uppers, double[] Rates, double BaseRate, string CalibratedOn)
{
    /// <summary>The probability at a value of the rule.</summary>
    public double Probability(double value)
    {
        var i = Array.BinarySearch(Uppers, value);
        if (i < 0) i = ~i;
        return Rates[Math.Min(i, Rates.Length - 1)];
    }

    [JsonIgnore] public RuleDefinition Rule => RuleDefinition.Named(Kind, RuleName) ?? RuleDefinition.Default(Kind);

    /// <summary>The probability of a row of the kind's features and its one driver: the rule's value, in words, and how far it moves the player from the average.</summary>
    public (double Probability, IReadOnlyList<Driver> Drivers) Predict(float[] features)
    {
        var rule = Rule;
        var value = rule.ValueIn(features);
        var p = Probability(value);
        return (p, [new Driver(rule.Feature, Math.Round(p - BaseRate, 4), rule.Describe(value))]);
    }

    /// <summary>Probabilities for many rows (evaluation, export).</summary>
    public double[] PredictAll(IReadOnlyList<Example> rows)
    {
        var rule = Rule;
        return [.. rows.Select(e => Probability(rule.ValueIn(e.Features)))];
    }

    /// <summary>
    /// Fits the non-decreasing step function (pool-adjacent-violators) of outcome rate on the rule's value, smoothed
    /// towards the overall rate so a step of a few rows does not claim certainty.
    /// </summary>
    public static RuleModel Fit(RuleDefinition rule, IReadOnlyList<Example> rows, string calibratedOn) =>
        Fit(rule, [.. rows.Select(e => ((double)rule.ValueIn(e.Features), e.Label))], calibratedOn);

    public static RuleModel Fit(RuleDefinition rule, IReadOnlyList<(double Value, bool Label)> rows, string calibratedOn)
    {
        var kind = rule.Kind;
        if (rows.Count == 0) return Default(kind);
        var sorted = rows.OrderBy(r => r.Value).ToList();
        var overall = (sorted.Count(r => r.Label) + 1.0) / (sorted.Count + 2.0);
        const double prior = 2.0;
        // Blocks of equal values first: one value maps to one probability.
        var blocks = new List<(double Upper, double Positives, double Count)>();
        foreach (var (value, label) in sorted)
        {
            if (blocks.Count > 0 && blocks[^1].Upper == value) blocks[^1] = (value, blocks[^1].Positives + (label ? 1 : 0), blocks[^1].Count + 1);
            else blocks.Add((value, label ? 1 : 0, 1));
        }
        var stack = new List<(double Upper, double Positives, double Count)>();
        foreach (var b in blocks)
        {
            var cur = b;
            while (stack.Count > 0 && Rate(stack[^1]) >= Rate(cur))
            {
                var top = stack[^1];
                stack.RemoveAt(stack.Count - 1);
                cur = (cur.Upper, top.Positives + cur.Positives, top.Count + cur.Count);
            }
            stack.Add(cur);
        }
        double Rate((double Upper, double Positives, double Count) s) => (s.Positives + prior * overall) / (s.Count + prior);
        var uppers = stack.Select(s => s.Upper).ToArray();
        uppers[^1] = double.PositiveInfinity;
        // Smoothing can make a later step fall below an earlier one by a hair: keep the steps non-decreasing.
        var rates = stack.Select(Rate).ToArray();
        for (var i = 1; i < rates.Length; i++) rates[i] = Math.Max(rates[i], rates[i - 1]);
        return new RuleModel(kind, rule.Name, uppers, [.. rates.Select(r => Math.Round(r, 6))], Math.Round(sorted.Count(r => r.Label) / (double)sorted.Count, 6), calibratedOn);
    }

    /// <summary>
    /// Before any labelled history exists (a fresh install), the rule scores with a fixed curve: stated in README,
    /// not learnt. It orders players exactly as the rule does; the first training run with outcomes replaces it.
    /// </summary>
    public static RuleModel Default(string kind) => kind switch
    {
        // Days since the last real-money bet: 0 → 0.10, 7 → 0.33, 14 → 0.52, 30 → 0.80, 60+ → 0.95.
        ModelKinds.Churn => new RuleModel(kind, RuleDefinition.Default(kind).Name, [0, 1, 3, 7, 14, 21, 30, 45, 60, double.PositiveInfinity], [0.10, 0.12, 0.18, 0.33, 0.52, 0.66, 0.80, 0.90, 0.95, 0.97], 0.35, DefaultCurve),
        // log(1 + deposits in the first 7 days, base currency): under 50 → 0.01, 100 → 0.03, 500 → 0.12, 2,000 → 0.35, 5,000+ → 0.6.
        ModelKinds.Vip => new RuleModel(kind, RuleDefinition.Default(kind).Name, [Math.Log(51), Math.Log(101), Math.Log(251), Math.Log(501), Math.Log(1001), Math.Log(2001), Math.Log(5001), double.PositiveInfinity],
            [0.01, 0.03, 0.06, 0.12, 0.22, 0.35, 0.50, 0.60], 0.05, DefaultCurve),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "only churn and vip have rules"),
    };

    public const string DefaultCurve = "default curve (no labelled history yet)";

    public byte[] Save() => JsonSerializer.SerializeToUtf8Bytes(this, RuleJsonContext.Default.RuleModel);

    public static RuleModel Load(byte[] bytes) => JsonSerializer.Deserialize(bytes, RuleJsonContext.Default.RuleModel)
        ?? throw new InvalidDataException("a rule model's bytes are empty");
}

/// <summary>
/// A rule an operator keeps for a kind: its name in their words and the model input it reads (every rule is also a
/// feature of the kind's model, so a model starts from the rule's signal and can only add to it).
/// </summary>
public sealed record RuleDefinition(string Kind, string Name, string Feature)
{
    public static readonly RuleDefinition ChurnSinceRealMoneyBet = new(ModelKinds.Churn, "days since the last real-money bet", "daysSinceLastRealMoneyBet");
    public static readonly RuleDefinition ChurnSinceVisit = new(ModelKinds.Churn, "days since the last visit", "daysSinceLastActive");
    public static readonly RuleDefinition VipFirstWeek = new(ModelKinds.Vip, "deposits in the first 7 days", "depositAmount7");
    public static readonly RuleDefinition VipFirstFortnight = new(ModelKinds.Vip, "deposits in the first 14 days", "depositAmount");

    /// <summary>The harm rule (<see cref="SaferGambling.HarmRule"/>): judged by its probability, and served as it is, not recalibrated.</summary>
    public static readonly RuleDefinition HarmMarkersRule = new(ModelKinds.Harm, SaferGambling.HarmRule.Description, SaferGambling.HarmFeatures.RuleFeature);

    /// <summary>The rules a kind is judged against; a training run serves and compares with the one that ranks its training rows best.</summary>
    public static IReadOnlyList<RuleDefinition> For(string kind) => kind switch
    {
        ModelKinds.Churn => [ChurnSinceRealMoneyBet, ChurnSinceVisit],
        ModelKinds.Vip => [VipFirstWeek, VipFirstFortnight],
        ModelKinds.Harm => [HarmMarkersRule],
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "only churn, vip and harm have rules"),
    };

    /// <summary>The rule served before any training run has outcomes.</summary>
    public static RuleDefinition Default(string kind) => For(kind)[0];

    public static RuleDefinition? Named(string kind, string? name) => For(kind).FirstOrDefault(r => r.Name == name);

    public FeatureSet Features => Kind switch { ModelKinds.Churn => ChurnFeatures.Set, ModelKinds.Harm => SaferGambling.HarmFeatures.Set, _ => VipFeatures.Set };

    /// <summary>The rule's value in a row of the kind's features.</summary>
    public float ValueIn(float[] features) => features[Features.IndexOf(Feature)];

    public string Describe(float value) => Features.Features[Features.IndexOf(Feature)].Describe(value);
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(RuleModel))]
internal sealed partial class RuleJsonContext : JsonSerializerContext;
