using Shared.Contracts;
using Intelligence.Features;
using Intelligence.Models;
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
    public void RuleModel_IsTheObservedRateAroundEachValue_AndRanksLikeTheRule()
    {
        var rows = Enumerable.Range(0, 1000).Select(i => ((double)i, i >= 700)).ToList();
        var rule = RuleModel.Fit(RuleDefinition.ChurnSinceRealMoneyBet, rows, "test rows");
        Assert.True(rule.Probability(50) < 0.05);
        Assert.True(rule.Probability(950) > 0.95);
        Assert.True(rule.Probability(100) <= rule.Probability(800));
        Assert.Equal(0.3, rule.BaseRate, 6);
        var m = Evaluation.Evaluate([.. rows.Select(r => r.Item2)], [.. rows.Select(r => rule.Probability(r.Item1))]);
        Assert.Equal(1.0, m.Auc, 3);
    }

    [Fact]
    public void RuleModel_PoolsValuesWhoseRatesWouldFall_SoAHigherValueNeverScoresLower()
    {
        // Rates by value: 0 → 1/2, 1 → 0/2 (a violation), 2 → 2/2. Pooled: {0, 1} → 1/4 smoothed, 2 → 2/2 smoothed.
        var rows = new List<(double, bool)> { (0, true), (0, false), (1, false), (1, false), (2, true), (2, true) };
        var rule = RuleModel.Fit(RuleDefinition.ChurnSinceRealMoneyBet, rows, "test rows");
        Assert.Equal(rule.Probability(0), rule.Probability(1));
        Assert.True(rule.Probability(2) > rule.Probability(1));
        Assert.Equal(rule.Probability(2), rule.Probability(1_000));
        // Smoothed towards the overall rate (0.5, with one more positive and negative: 4/8): (1 + 2 × 0.5) / (4 + 2).
        Assert.Equal((1 + 2 * 0.5) / 6, rule.Probability(0), 6);
        Assert.True(rule.Rates.Zip(rule.Rates.Skip(1)).All(p => p.First <= p.Second));
    }

    [Fact]
    public void RuleModel_SurvivesTheStoreAndItsDefaultsOrderPlayersLikeTheRule()
    {
        var rule = RuleModel.Fit(RuleDefinition.VipFirstWeek, [(1.0, false), (5.0, true), (3.0, false)], "test rows");
        Assert.Equal(rule.Rates, RuleModel.Load(rule.Save()).Rates);
        Assert.Equal(rule.Uppers, RuleModel.Load(rule.Save()).Uppers);
        foreach (var kind in new[] { ModelKinds.Churn, ModelKinds.Vip })
        {
            var d = RuleModel.Default(kind);
            Assert.True(d.Rates.Zip(d.Rates.Skip(1)).All(p => p.First <= p.Second), kind);
            Assert.Equal(d.Uppers.Length, d.Rates.Length);
        }
        Assert.True(RuleModel.Default(ModelKinds.Churn).Probability(60) > RuleModel.Default(ModelKinds.Churn).Probability(2));
    }

    [Fact]
    public void TheRuleJudgedAgainst_IsTheKindsRuleThatRanksTheTrainingRowsBest()
    {
        var features = ChurnFeatures.Set;
        var sinceBet = features.IndexOf(RuleDefinition.ChurnSinceRealMoneyBet.Feature);
        var sinceVisit = features.IndexOf(RuleDefinition.ChurnSinceVisit.Feature);
        // Churners are the ones long without a visit; days since a real-money bet says nothing here.
        var rows = Enumerable.Range(0, 200).Select(i =>
        {
            var f = new float[features.Count];
            f[sinceVisit] = i % 50;
            f[sinceBet] = (i * 37) % 11;
            return new Example("p" + i, 0, f, i % 50 > 30);
        }).ToList();
        Assert.Equal(RuleDefinition.ChurnSinceVisit, CandidateJudge.ChooseRule(ModelKinds.Churn, rows));
        foreach (var r in rows) (r.Features[sinceVisit], r.Features[sinceBet]) = (r.Features[sinceBet], r.Features[sinceVisit]);
        Assert.Equal(RuleDefinition.ChurnSinceRealMoneyBet, CandidateJudge.ChooseRule(ModelKinds.Churn, rows));
    }
}
