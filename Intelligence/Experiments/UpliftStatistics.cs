namespace Intelligence.Experiments;

/// <summary>One player's outcome in the horizon after assignment, and the same measure over as long before it (the covariate).</summary>
public readonly record struct Observation(double Outcome, double Before);

/// <summary>The comparison of one metric: group means, the uplift and its 95% interval, absolute and relative.</summary>
/// <param name="VarianceReduction">1 − (CUPED interval width / plain interval width); 0 when the covariate did not help.</param>
public sealed record Uplift(
    long Treatment, long Control, double? TreatmentMean, double? ControlMean, double? Absolute, double? Relative,
    double? Low, double? High, double? RelativeLow, double? RelativeHigh, double? VarianceReduction)
{
    public bool Significant => Low > 0 || High < 0;
}

/// <summary>
/// Fixed-horizon comparison of treatment against control with CUPED (Deng et al. 2013): each outcome Y is adjusted by
/// the player's own pre-period X as Y − θ(X − mean X), θ = cov(X, Y) / var(X) over both groups pooled, which keeps each
/// group's expected mean (assignment is random, so X has the same mean in both) and removes the part of the variance X
/// explains. The interval is Welch's: the difference of the adjusted means ± t(0.975, Welch–Satterthwaite df) × its
/// standard error, each group with its own variance. The relative uplift is the difference over the control's adjusted
/// mean, its interval by the delta method. Pure: no I/O.
/// </summary>
public static class UpliftStatistics
{
    public const double ConfidenceLevel = 0.95;

    /// <summary>z for a two-sided 95% interval.</summary>
    private const double Z975 = 1.959963984540054;

    public static Uplift Compare(IReadOnlyList<Observation> treatment, IReadOnlyList<Observation> control, bool adjust = true)
    {
        long nt = treatment.Count, nc = control.Count;
        if (nt == 0 || nc == 0)
        {
            return new Uplift(nt, nc, nt == 0 ? null : treatment.Average(o => o.Outcome), nc == 0 ? null : control.Average(o => o.Outcome),
                null, null, null, null, null, null, null);
        }
        var theta = adjust ? Theta(treatment, control) : 0;
        var plain = Welch(treatment, control, 0, 0);
        var meanX = (treatment.Sum(o => o.Before) + control.Sum(o => o.Before)) / (nt + nc);
        var cuped = theta == 0 ? plain : Welch(treatment, control, theta, meanX);
        var rawMeanT = treatment.Average(o => o.Outcome);
        var rawMeanC = control.Average(o => o.Outcome);
        if (cuped.Se is not { } se || double.IsNaN(se))
        {
            return new Uplift(nt, nc, rawMeanT, rawMeanC, rawMeanT - rawMeanC, rawMeanC == 0 ? null : (rawMeanT - rawMeanC) / rawMeanC, null, null, null, null, null);
        }
        var t = TQuantile975(cuped.Df);
        var diff = cuped.MeanT - cuped.MeanC;
        double? relative = null, relLow = null, relHigh = null;
        if (cuped.MeanC > 0)
        {
            // r = mT / mC − 1; var r ≈ var(mT) / mC² + mT² var(mC) / mC⁴ (the groups are independent).
            relative = cuped.MeanT / cuped.MeanC - 1;
            var mc2 = cuped.MeanC * cuped.MeanC;
            var relSe = Math.Sqrt(cuped.VarMeanT / mc2 + cuped.MeanT * cuped.MeanT * cuped.VarMeanC / (mc2 * mc2));
            relLow = relative - t * relSe;
            relHigh = relative + t * relSe;
        }
        // How much narrower the adjusted interval is than the plain one: each with its own t quantile.
        double? reduction = plain.Se is { } p && p > 0 ? 1 - t * se / (TQuantile975(plain.Df) * p) : null;
        return new Uplift(nt, nc, rawMeanT, rawMeanC, diff, relative, diff - t * se, diff + t * se, relLow, relHigh,
            theta == 0 ? null : Math.Max(0, reduction ?? 0));
    }

    /// <summary>θ = cov(X, Y) / var(X) over both groups; 0 when X does not vary.</summary>
    internal static double Theta(IReadOnlyList<Observation> a, IReadOnlyList<Observation> b)
    {
        var n = a.Count + b.Count;
        double sx = 0, sy = 0;
        foreach (var o in a.Concat(b)) { sx += o.Before; sy += o.Outcome; }
        double mx = sx / n, my = sy / n, cov = 0, varX = 0;
        foreach (var o in a.Concat(b))
        {
            cov += (o.Before - mx) * (o.Outcome - my);
            varX += (o.Before - mx) * (o.Before - mx);
        }
        return varX <= 0 ? 0 : cov / varX;
    }

    private readonly record struct WelchResult(double MeanT, double MeanC, double VarMeanT, double VarMeanC, double? Se, double Df);

    private static WelchResult Welch(IReadOnlyList<Observation> t, IReadOnlyList<Observation> c, double theta, double meanX)
    {
        var (mt, vt) = MeanVariance(t, theta, meanX);
        var (mc, vc) = MeanVariance(c, theta, meanX);
        if (t.Count < 2 || c.Count < 2) return new WelchResult(mt, mc, double.NaN, double.NaN, null, 0);
        double at = vt / t.Count, ac = vc / c.Count;
        var se = Math.Sqrt(at + ac);
        // Welch–Satterthwaite; with no variance at all the interval is a point.
        var df = at + ac == 0 ? double.PositiveInfinity : (at + ac) * (at + ac) / (at * at / (t.Count - 1) + ac * ac / (c.Count - 1));
        return new WelchResult(mt, mc, at, ac, se, df);
    }

    private static (double Mean, double Variance) MeanVariance(IReadOnlyList<Observation> group, double theta, double meanX)
    {
        if (group.Count == 0) return (double.NaN, double.NaN);
        double sum = 0;
        foreach (var o in group) sum += o.Outcome - theta * (o.Before - meanX);
        var mean = sum / group.Count;
        double ss = 0;
        foreach (var o in group)
        {
            var d = o.Outcome - theta * (o.Before - meanX) - mean;
            ss += d * d;
        }
        return (mean, group.Count < 2 ? double.NaN : ss / (group.Count - 1));
    }

    /// <summary>
    /// The 97.5% quantile of Student's t with <paramref name="df"/> (real, ≥ 1) degrees of freedom: from 30 on by the
    /// Cornish–Fisher expansion around the normal quantile (Abramowitz &amp; Stegun 26.7.5; within 10^-6 there), below
    /// by solving P(T ≤ t) = 0.975 on the exact distribution function (the regularised incomplete beta), to 10^-9.
    /// Welch's df is fractional and small only for tiny groups, where a coarse quantile would misstate the interval most.
    /// </summary>
    public static double TQuantile975(double df)
    {
        if (double.IsPositiveInfinity(df) || df > 1e7) return Z975;
        df = Math.Max(df, 1);
        var cornishFisher = CornishFisher975(df);
        if (df >= 30) return cornishFisher;
        // Bisection on the exact upper tail: it falls as t grows; the answer lies between z and t(1).
        double lo = Z975, hi = 12.706204736174705 * 1.0001;
        for (var i = 0; i < 100 && hi - lo > 1e-12; i++)
        {
            var mid = (lo + hi) / 2;
            if (UpperTail(mid, df) > 0.025) lo = mid;
            else hi = mid;
        }
        return (lo + hi) / 2;
    }

    private static double CornishFisher975(double v)
    {
        var z = Z975;
        double z3 = z * z * z, z5 = z3 * z * z, z7 = z5 * z * z, z9 = z7 * z * z;
        return z
            + (z3 + z) / (4 * v)
            + (5 * z5 + 16 * z3 + 3 * z) / (96 * v * v)
            + (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * v * v * v)
            + (79 * z9 + 776 * z7 + 1482 * z5 - 1920 * z3 - 945 * z) / (92160 * v * v * v * v);
    }

    /// <summary>P(T &gt; t) for t ≥ 0: ½ I_{df/(df+t²)}(df/2, ½).</summary>
    private static double UpperTail(double t, double df) => 0.5 * RegularizedBeta(df / (df + t * t), df / 2, 0.5);

    /// <summary>I_x(a, b) by its continued fraction (Lentz), on the side where it converges fast.</summary>
    private static double RegularizedBeta(double x, double a, double b)
    {
        if (x <= 0) return 0;
        if (x >= 1) return 1;
        var front = Math.Exp(LogGamma(a + b) - LogGamma(a) - LogGamma(b) + a * Math.Log(x) + b * Math.Log(1 - x));
        return x < (a + 1) / (a + b + 2) ? front * BetaFraction(x, a, b) / a : 1 - front * BetaFraction(1 - x, b, a) / b;
    }

    private static double BetaFraction(double x, double a, double b)
    {
        const double tiny = 1e-300;
        double c = 1, d = 1 - (a + b) * x / (a + 1);
        d = 1 / (Math.Abs(d) < tiny ? tiny : d);
        var h = d;
        for (var m = 1; m <= 300; m++)
        {
            for (var step = 0; step < 2; step++)
            {
                var num = step == 0
                    ? m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
                    : -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1));
                d = 1 + num * d;
                d = 1 / (Math.Abs(d) < tiny ? tiny : d);
                c = 1 + num / c;
                if (Math.Abs(c) < tiny) c = tiny;
                h *= d * c;
                if (step == 1 && Math.Abs(d * c - 1) < 1e-15) return h;
            }
        }
        return h;
    }

    /// <summary>ln Γ(x) for x &gt; 0 (Lanczos, g = 7, nine terms: about 15 significant digits).</summary>
    private static double LogGamma(double x)
    {
        ReadOnlySpan<double> c =
        [
            0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
            12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
        ];
        if (x < 0.5) return Math.Log(Math.PI / Math.Sin(Math.PI * x)) - LogGamma(1 - x);
        x -= 1;
        var sum = c[0];
        for (var i = 1; i < 9; i++) sum += c[i] / (x + i);
        var t = x + 7.5;
        return 0.5 * Math.Log(2 * Math.PI) + (x + 0.5) * Math.Log(t) - t + Math.Log(sum);
    }
}
