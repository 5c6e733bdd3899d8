using Intelligence.Features;
using Intelligence.SaferGambling;
using Intelligence.Scoring;
using Intelligence.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Shared.Store;
using Simulator;
using Simulator.Population;
using TestSupport;

namespace Intelligence.Tests.SaferGambling;

/// <summary>
/// The harm-risk rule against the simulator's planted truth: at-risk players (tests/Simulator AtRisk.cs) drift for two
/// to five weeks and then self-exclude. Scored as known a week before their self-exclusion, they rank above the other
/// active players (AUC), and their score crosses <c>elevated</c> days before they exclude (lead time). The rule's
/// weights were set looking at seed 101; seed 202 is the evaluation.
/// </summary>
[Trait("Category", "Slow")]
public sealed class HarmScoreEvaluationTests(ITestOutputHelper output)
{
    private const int Players = 3000;

    [Theory]
    [InlineData(202)]
    public async Task AtRiskPlayers_RankAboveOthers_AWeekBeforeTheySelfExclude(int seed)
    {
        var (auc, medianLead, positives, negatives, flaggedShare) = await EvaluateAsync(seed);
        output.WriteLine($"seed {seed}: {positives} at-risk players who self-excluded, {negatives} others active; AUC 7 days before = {auc:0.000}; " +
            $"median lead time (first day at elevated or above → self-exclusion) = {medianLead} days; others at elevated or above: {flaggedShare:P1}");
        Assert.True(positives >= 10, $"only {positives} at-risk players self-excluded");
        Assert.True(auc >= 0.8, $"AUC {auc:0.000}");
        Assert.True(medianLead >= 3, $"median lead time {medianLead} days");
        Assert.True(flaggedShare <= 0.15, $"{flaggedShare:P1} of other players flagged");
    }

    internal static async Task<(double Auc, double MedianLead, int Positives, int Negatives, double FlaggedShare)> EvaluateAsync(int seed)
    {
        await using var casino = new SimulatedCasino(AnchoredClock.Anchor, Players, seed, null);
        await casino.InitializeAsync();
        var world = World.Create(seed, Players, SimulatedCasino.Days, casino.Clock.Day);
        var sims = new PlayerSimulation[Players];
        Parallel.For(0, Players, i => sims[i] = world.Simulate(i, 0.002));

        await using var app = casino.Intelligence();
        var reader = app.Services.GetRequiredService<HistoryReader>();
        var scorer = app.Services.GetRequiredService<PlayerScorer>();
        var elevated = app.Services.GetRequiredService<IOptions<SaferGamblingOptions>>().Value.Elevated;
        var snapshots = await reader.ReadAsync([.. sims.Select(s => s.Player.Id)]);

        var positives = new List<(int Index, long ExcludedDay)>();
        for (var i = 0; i < Players; i++)
        {
            if (sims[i].AtRisk is { } plan && sims[i].State.SelfExcludedAt == plan.ExcludeAt && snapshots[i] is not null
                && ProfileReader.DayOf(plan.ExcludeAt) - 7 > ProfileReader.DayOf(world.Start) + 30)
            {
                positives.Add((i, ProfileReader.DayOf(plan.ExcludeAt)));
            }
        }
        var positiveScores = positives.Select(p => scorer.Harm(snapshots[p.Index]!, p.ExcludedDay - 7).Probability).ToList();

        // Others, each scored at a positive's cut-off in turn (the same calendar), if active in the two weeks before it.
        var negativeScores = new List<double>();
        var k = 0;
        for (var i = 0; i < Players && positives.Count > 0; i++)
        {
            if (sims[i].AtRisk is not null || sims[i].State.SelfExcludedAt is not null || snapshots[i] is not { } s) continue;
            var cutoff = positives[k++ % positives.Count].ExcludedDay - 7;
            if (s.History.CountDays(cutoff - 14, cutoff, PlayerHistory.Active) == 0) continue;
            negativeScores.Add(scorer.Harm(s, cutoff).Probability);
        }

        // Lead time: from the first day in the 60 before the exclusion whose score is at elevated or above.
        var leads = positives.Select(p =>
        {
            for (var d = p.ExcludedDay - 60; d <= p.ExcludedDay; d++)
            {
                if (scorer.Harm(snapshots[p.Index]!, d).Probability >= elevated) return (double)(p.ExcludedDay - d);
            }
            return 0;
        }).Order().ToList();
        var median = leads.Count == 0 ? 0 : leads.Count % 2 == 1 ? leads[leads.Count / 2] : (leads[leads.Count / 2 - 1] + leads[leads.Count / 2]) / 2;
        return (Auc(positiveScores, negativeScores), median, positives.Count, negativeScores.Count,
            negativeScores.Count == 0 ? 0 : negativeScores.Count(p => p >= elevated) / (double)negativeScores.Count);
    }

    /// <summary>The chance a random positive scores above a random negative (ties count half): Mann–Whitney.</summary>
    internal static double Auc(IReadOnlyList<double> positives, IReadOnlyList<double> negatives)
    {
        if (positives.Count == 0 || negatives.Count == 0) return double.NaN;
        double wins = 0;
        foreach (var p in positives)
        {
            foreach (var n in negatives) wins += p > n ? 1 : p == n ? 0.5 : 0;
        }
        return wins / ((double)positives.Count * negatives.Count);
    }
}
