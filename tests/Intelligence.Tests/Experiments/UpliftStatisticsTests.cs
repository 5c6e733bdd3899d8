using Intelligence.Experiments;

namespace Intelligence.Tests.Experiments;

/// <summary>The report's statistics against hand-computed references, and CUPED's narrowing on correlated pre-period data.</summary>
public sealed class UpliftStatisticsTests
{
    private static Observation[] Plain(params double[] outcomes) => [.. outcomes.Select(y => new Observation(y, 0))];

    [Fact]
    public void WelchInterval_MatchesTheHandComputedReference()
    {
        // Reference (scipy): se = sqrt(s²t/nt + s²c/nc), Welch–Satterthwaite df = 18.588, t.ppf(0.975, df) × se around the difference.
        var treatment = Plain(12, 15, 9, 20, 14, 11, 18, 16, 13, 17, 10, 19);
        var control = Plain(10, 12, 8, 14, 11, 9, 13, 7, 12, 10);

        var u = UpliftStatistics.Compare(treatment, control);

        Assert.Equal(12, u.Treatment);
        Assert.Equal(10, u.Control);
        Assert.Equal(14.5, u.TreatmentMean!.Value, 9);
        Assert.Equal(10.6, u.ControlMean!.Value, 9);
        Assert.Equal(3.9, u.Absolute!.Value, 9);
        Assert.Equal(1.267940378219099, u.Low!.Value, 4);
        Assert.Equal(6.532059621780902, u.High!.Value, 4);
        Assert.True(u.Significant);
        // A pre-period that does not vary explains nothing: no adjustment, no reduction claimed.
        Assert.Null(u.VarianceReduction);
        // Relative: 3.9 / 10.6, its interval by the delta method: var ≈ var(mT)/mC² + mT² var(mC)/mC⁴.
        var relSe = Math.Sqrt(Var(treatment) / 12 / (10.6 * 10.6) + 14.5 * 14.5 * (Var(control) / 10) / Math.Pow(10.6, 4));
        Assert.Equal(3.9 / 10.6, u.Relative!.Value, 9);
        Assert.Equal(3.9 / 10.6 - UpliftStatistics.TQuantile975(18.588240378861823) * relSe, u.RelativeLow!.Value, 4);
        Assert.Equal(3.9 / 10.6 + UpliftStatistics.TQuantile975(18.588240378861823) * relSe, u.RelativeHigh!.Value, 4);
    }

    private static double Var(Observation[] o)
    {
        var m = o.Average(x => x.Outcome);
        return o.Sum(x => (x.Outcome - m) * (x.Outcome - m)) / (o.Length - 1);
    }

    [Theory]
    [InlineData(1, 12.706204736432095)]
    [InlineData(1.5, 6.016663107990447)]
    [InlineData(2, 4.302652729911275)]
    [InlineData(2.5, 3.5746548420118773)]
    [InlineData(3, 3.182446305284263)]
    [InlineData(3.5, 2.9400886379827775)]
    [InlineData(4, 2.7764451051977987)]
    [InlineData(4.5, 2.6589123472044034)]
    [InlineData(5, 2.5705818366147395)]
    [InlineData(7.3, 2.345066736150929)]
    [InlineData(10, 2.2281388519649385)]
    [InlineData(30, 2.0422724563012373)]
    [InlineData(100, 1.9839715184496334)]
    [InlineData(1000, 1.9623390808264074)]
    public void TQuantile_IsStudentsToSixDecimals_AtAnyDegreesOfFreedom(double df, double exact) =>
        Assert.True(Math.Abs(UpliftStatistics.TQuantile975(df) - exact) <= 1e-6, $"t(0.975, {df}) = {UpliftStatistics.TQuantile975(df)}, exact (scipy) {exact}");

    [Fact]
    public void Cuped_NarrowsTheInterval_OnCorrelatedPrePeriodData_AndStillCoversTheTruth()
    {
        var random = new Random(20261206);
        // Each player spends at their own level before and after; the treatment adds 5 to the after-period.
        Observation Player(double lift)
        {
            var level = 100 + 30 * Normal(random);
            return new Observation(level + 10 * Normal(random) + lift, level + 10 * Normal(random));
        }
        var treatment = Enumerable.Range(0, 2000).Select(_ => Player(5)).ToArray();
        var control = Enumerable.Range(0, 2000).Select(_ => Player(0)).ToArray();

        var plain = UpliftStatistics.Compare(treatment, control, adjust: false);
        var cuped = UpliftStatistics.Compare(treatment, control);

        var plainWidth = plain.High!.Value - plain.Low!.Value;
        var cupedWidth = cuped.High!.Value - cuped.Low!.Value;
        // var(Y|X)/var(Y) = 1 − ρ², ρ² = 900² / (1000 · 1000) = 0.81: the width about √0.19 ≈ 0.44 of the plain one (with X's own noise).
        Assert.True(cupedWidth < 0.6 * plainWidth, $"CUPED width {cupedWidth} vs plain {plainWidth}");
        Assert.InRange(cuped.VarianceReduction!.Value, 0.4, 0.7);
        Assert.Equal(1 - cupedWidth / plainWidth, cuped.VarianceReduction!.Value, 9);
        Assert.InRange(5.0, cuped.Low!.Value, cuped.High!.Value);
        Assert.True(cuped.Significant, $"CUPED interval {cuped.Low}..{cuped.High} should exclude 0");
        // The raw means are what each group did; the uplift is the adjusted difference.
        Assert.Equal(treatment.Average(o => o.Outcome), cuped.TreatmentMean!.Value, 9);
        Assert.Equal(control.Average(o => o.Outcome), cuped.ControlMean!.Value, 9);
    }

    [Fact]
    public void AnEmptyGroup_GivesMeansButNoUplift()
    {
        var u = UpliftStatistics.Compare(Plain(1, 2, 3), []);
        Assert.Equal(2, u.TreatmentMean!.Value, 9);
        Assert.Null(u.ControlMean);
        Assert.Null(u.Absolute);
        Assert.Null(u.Low);
        Assert.False(u.Significant);
    }

    [Fact]
    public void AGroupOfOne_HasNoInterval()
    {
        var u = UpliftStatistics.Compare(Plain(1, 2, 3), Plain(1));
        Assert.Equal(1, u.Absolute!.Value, 9);
        Assert.Null(u.Low);
        Assert.Null(u.High);
        Assert.False(u.Significant);
    }

    internal static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
