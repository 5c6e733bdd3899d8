using Intelligence.Experiments;

namespace Intelligence.Tests.Experiments;

/// <summary>
/// The report's statistics find a lift that is there and do not find one that is not: casino-like deposits (a spend level
/// per player, skewed; days with no deposit at all; the same player before and after), the treatment's after-period
/// multiplied by 1 + lift, compared as the report compares them (Welch on CUPED-adjusted outcomes, relative by the delta
/// method). Fixed seeds: the same figures on every run.
/// </summary>
public sealed class PlantedLiftTests
{
    private const int Seeds = 400;

    /// <summary>
    /// Seeds whose 95% interval misses, out of 400, when the true rate is 5%: mean 20, σ = √(400 · 0.05 · 0.95) ≈ 4.36;
    /// 99.9% of runs fall within 3.29σ, so outside [6, 34] the interval is not the 95% it says it is.
    /// </summary>
    private const int MinMisses = 6, MaxMisses = 34;

    [Fact]
    public void APlantedFivePercentLift_IsInsideTheInterval_AndTheIntervalExcludesZero()
    {
        var (treatment, control) = Experiment(seed: 5, perGroup: 100_000, lift: 0.05);

        var u = UpliftStatistics.Compare(treatment, control);

        TestContext.Current.TestOutputHelper?.WriteLine($"relative uplift {u.Relative:P2}, 95% CI {u.RelativeLow:P2} to {u.RelativeHigh:P2}");
        Assert.InRange(0.05, u.RelativeLow!.Value, u.RelativeHigh!.Value);
        Assert.True(u.RelativeLow > 0, $"the interval {u.RelativeLow:P2}..{u.RelativeHigh:P2} should exclude no lift");
        Assert.True(u.Significant);
    }

    [Fact]
    public void OverManySeeds_TheIntervalCoversThePlantedLift_95PercentOfTheTime()
    {
        var misses = Enumerable.Range(0, Seeds).Count(seed =>
        {
            var (t, c) = Experiment(seed, perGroup: 2_000, lift: 0.05);
            var u = UpliftStatistics.Compare(t, c);
            return u.RelativeLow > 0.05 || u.RelativeHigh < 0.05;
        });
        TestContext.Current.TestOutputHelper?.WriteLine($"{misses} of {Seeds} intervals missed the planted lift");
        Assert.InRange(misses, MinMisses, MaxMisses);
    }

    [Fact]
    public void WithNoLift_TheFalsePositiveRateIsTheStated5Percent()
    {
        var positives = Enumerable.Range(0, Seeds).Count(seed =>
        {
            var (t, c) = Experiment(1_000 + seed, perGroup: 2_000, lift: 0);
            var u = UpliftStatistics.Compare(t, c);
            // Both the absolute and the relative interval: a marketer reads either.
            Assert.Equal(u.Low > 0 || u.High < 0, u.Significant);
            return u.Significant || u.RelativeLow > 0 || u.RelativeHigh < 0;
        });
        TestContext.Current.TestOutputHelper?.WriteLine($"{positives} of {Seeds} experiments with no lift reported one");
        Assert.InRange(positives, MinMisses, MaxMisses);
    }

    /// <summary>
    /// Deposits over a horizon before and after assignment: each player has a spend level (lognormal, σ = 1) and a chance
    /// of depositing at all in a period (uniform 0.1 to 0.9); a period's amount is the level times a mean-one lognormal
    /// (σ = 0.5). The treatment multiplies the after-period by 1 + <paramref name="lift"/>, so the true relative lift is
    /// exactly <paramref name="lift"/>.
    /// </summary>
    internal static (Observation[] Treatment, Observation[] Control) Experiment(int seed, int perGroup, double lift)
    {
        var random = new Random(seed);
        Observation Player(double factor)
        {
            var level = Math.Exp(3 + UpliftStatisticsTests.Normal(random));
            var chance = 0.1 + 0.8 * random.NextDouble();
            double Period() => random.NextDouble() < chance ? level * Math.Exp(0.5 * UpliftStatisticsTests.Normal(random) - 0.125) : 0;
            var before = Period();
            return new Observation(Period() * factor, before);
        }
        var treatment = new Observation[perGroup];
        var control = new Observation[perGroup];
        for (var i = 0; i < perGroup; i++)
        {
            treatment[i] = Player(1 + lift);
            control[i] = Player(1);
        }
        return (treatment, control);
    }
}
