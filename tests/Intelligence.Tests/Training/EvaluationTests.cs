using Intelligence.Training;

namespace Intelligence.Tests.Training;

public sealed class EvaluationTests
{
    [Fact]
    public void Auc_IsOneForAPerfectRanking_ZeroForAReversedOne_AndHalfForTies()
    {
        bool[] labels = [false, false, true, true];
        Assert.Equal(1.0, Evaluation.Auc(labels, [0.1, 0.2, 0.8, 0.9]));
        Assert.Equal(0.0, Evaluation.Auc(labels, [0.9, 0.8, 0.2, 0.1]));
        Assert.Equal(0.5, Evaluation.Auc(labels, [0.5, 0.5, 0.5, 0.5]));
        Assert.Equal(0.75, Evaluation.Auc(labels, [0.1, 0.6, 0.4, 0.9]));
    }

    [Fact]
    public void AveragePrecision_LogLoss_Calibration_And_Lift_MatchHandComputedValues()
    {
        bool[] labels = [true, false, true, false];
        double[] p = [0.9, 0.8, 0.7, 0.1];
        // Positives at ranks 1 and 3: (1/1 + 2/3) / 2.
        Assert.Equal((1 + 2.0 / 3) / 2, Evaluation.AveragePrecision(labels, p), 12);
        Assert.Equal(-(Math.Log(0.9) + Math.Log(0.2) + Math.Log(0.7) + Math.Log(0.9)) / 4, Evaluation.LogLoss(labels, p), 12);
        // Bins: 0.1 → [0.1]; 0.7 → [0.7]; 0.8 → [0.8]; 0.9 → [0.9]; |0.1-0| + |0.7-1| + |0.8-0| + |0.9-1| over 4.
        Assert.Equal((0.1 + 0.3 + 0.8 + 0.1) / 4, Evaluation.CalibrationError(labels, p), 12);
        // Top 25% is the 0.9 row, a positive; overall rate 0.5: lift 2.
        Assert.Equal(2.0, Evaluation.Lift(labels, p, 0.25));
    }

    [Fact]
    public void RuleBaseline_GivesEachDecileItsTrainingRate_AndRanksLikeTheRule()
    {
        var rows = Enumerable.Range(0, 1000).Select(i => new Example("p" + i, 0, [], i >= 700, i)).ToList();
        var rule = RuleBaseline.Fit(rows);
        Assert.True(rule.Probability(50) < 0.05);
        Assert.True(rule.Probability(950) > 0.95);
        Assert.True(rule.Probability(100) <= rule.Probability(800));
        var m = Evaluation.Evaluate([.. rows.Select(r => r.Label)], [.. rows.Select(r => rule.Probability(r.Baseline))]);
        Assert.Equal(1.0, m.Auc, 3);
    }
}
