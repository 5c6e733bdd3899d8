using CsCheck;
using Intelligence.Features;
using Intelligence.Training;
using Shared.Store;

namespace Intelligence.Tests.Training;

/// <summary>Point-in-time sets: features see only days before the cut-off, labels only days from it, and the holdout is later than all training.</summary>
public sealed class TrainingSetTests
{
    private const long Today = 20_000;

    /// <summary>A random history: days with random activity between <paramref name="from"/> and <paramref name="to"/>.</summary>
    private static Gen<PlayerHistory> Histories(long from = Today - 200, long to = Today) =>
        Gen.Select(Gen.Int[0, 60], Gen.Long[from, to], Gen.Int[1940, 2010], Gen.Int[0, int.MaxValue])
            .Select((n, reg, by, seed) =>
            {
                var rng = new Random(seed);
                var days = new SortedDictionary<long, Bucket>();
                for (var i = 0; i < n; i++)
                {
                    var day = rng.NextInt64(reg, to);
                    days[day] = RandomBucket(rng);
                }
                var fd = days.FirstOrDefault(d => d.Value.V[DayField.Deposits] > 0).Key;
                return new PlayerHistory("p-" + seed, reg, fd == 0 ? null : fd, by > 2005 ? null : by, "web", days);
            });

    private static Bucket RandomBucket(Random rng)
    {
        var v = new long[Bucket.Length];
        v[DayField.Deposits] = rng.Next(0, 3);
        v[DayField.DepositAmount] = v[DayField.Deposits] * rng.Next(10_000, 5_000_000);
        v[DayField.Withdrawals] = rng.Next(0, 2);
        v[DayField.WithdrawalAmount] = v[DayField.Withdrawals] * rng.Next(10_000, 2_000_000);
        v[DayField.Bets] = rng.Next(0, 200);
        v[DayField.Stake] = v[DayField.Bets] * rng.Next(1_000, 200_000);
        v[DayField.Win] = (long)(v[DayField.Stake] * rng.NextDouble() * 1.5);
        v[DayField.BonusStake] = rng.Next(0, 4) == 0 ? v[DayField.Stake] / 2 : 0;
        v[DayField.BonusGranted] = rng.Next(0, 10) == 0 ? 100_000 : 0;
        v[DayField.Sessions] = rng.Next(0, 5);
        v[DayField.Logins] = rng.Next(0, 5);
        v[DayField.Active] = 1;
        return new Bucket(v);
    }

    /// <summary>The same history with everything from <paramref name="from"/> on replaced by random days.</summary>
    private static PlayerHistory WithFutureRewritten(PlayerHistory h, long from, int seed, bool keepFirstDeposit = true)
    {
        var rng = new Random(seed);
        var days = new SortedDictionary<long, Bucket>();
        for (var i = 0; i < h.DayNumbers.Length; i++)
        {
            if (h.DayNumbers[i] < from) days[h.DayNumbers[i]] = h.Days[i];
        }
        for (var i = 0; i < 30; i++) days[from + rng.Next(0, 120)] = RandomBucket(rng);
        // The profile's first deposit is the first ever: a later rewrite cannot move it before the cut-off.
        var fd = h.FirstDepositDay is { } f && f < from ? f : days.FirstOrDefault(d => d.Value.V[DayField.Deposits] > 0).Key is var k && k != 0 ? k : (long?)null;
        return new PlayerHistory(h.PlayerId, h.RegisteredDay, keepFirstDeposit ? fd : null, h.BirthYear, h.Channel, days);
    }

    [Fact]
    public void ChurnFeatures_DoNotChange_WhateverHappensFromTheCutoffOn()
    {
        Gen.Select(Histories(), Gen.Long[Today - 150, Today], Gen.Int).Sample((h, cutoff, seed) =>
        {
            var later = WithFutureRewritten(h, cutoff, seed);
            Assert.Equal(ChurnFeatures.At(h, cutoff), ChurnFeatures.At(later, cutoff));
        }, iter: 300);
    }

    [Fact]
    public void ChurnLabel_DependsOnlyOnTheHorizonAfterTheCutoff()
    {
        var d = new ChurnDefinition();
        Gen.Select(Histories(), Gen.Long[Today - 150, Today - 30]).Sample((h, cutoff) =>
        {
            if (TrainingSets.ChurnExample(h, cutoff, d) is not { } e) return;
            var expected = !Enumerable.Range(0, d.HorizonDays).Any(i =>
            {
                var at = Array.IndexOf(h.DayNumbers, cutoff + i);
                return at >= 0 && (PlayerHistory.RealMoneyBet(h.Days[at]) || PlayerHistory.Deposited(h.Days[at]));
            });
            Assert.Equal(expected, e.Label);
        }, iter: 300);
    }

    [Fact]
    public void ChurnSet_TrainingLabelsEndByTheHoldoutCutoff()
    {
        var d = new ChurnDefinition { HorizonDays = 30, TrainingCutoffs = 4, CutoffSpacingDays = 7 };
        var histories = Histories().List[200].Single();
        var set = TrainingSets.Churn(histories, Today, d);
        var holdout = Assert.Single(set.Window.HoldoutCutoffs);
        Assert.Equal(Today - 30, holdout);
        Assert.All(set.Train, e => Assert.True(e.Cutoff + d.HorizonDays <= holdout, $"training row at {e.Cutoff} sees labels after the holdout cut-off {holdout}"));
        Assert.All(set.Holdout, e => Assert.Equal(holdout, e.Cutoff));
        Assert.NotEmpty(set.Train);
    }

    [Fact]
    public void VipFeatures_SeeOnlyTheObservedDaysAfterTheFirstDeposit()
    {
        Gen.Select(Histories(), Gen.Int).Sample((h, seed) =>
        {
            if (VipFeatures.FirstDeposit(h) is not { } f) return;
            var end = f + VipFeatures.ObservedDays;
            var later = WithFutureRewritten(h, end, seed);
            Assert.Equal(VipFeatures.At(h, end), VipFeatures.At(later, end));
        }, iter: 300);
    }

    [Fact]
    public void VipFeatures_AreNull_ForAPlayerWhoseFirstDepositIsAfterTheCutoff()
    {
        var h = new PlayerHistory("p", Today - 50, Today - 10, null, null,
            new SortedDictionary<long, Bucket> { [Today - 10] = new(new long[] { 1, 100_000, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }) });
        Assert.Null(VipFeatures.At(h, Today - 10));
        Assert.NotNull(VipFeatures.At(h, Today - 9));
    }

    [Fact]
    public void VipSet_HoldsOutTheNewestCohorts_AndDrawsTheVipLineOnTrainingCohortsOnly()
    {
        var d = new VipDefinition { OutcomeDays = 90, TopShare = 0.1, HoldoutShare = 0.25 };
        var histories = Histories(Today - 300, Today).List[400].Single();
        var set = TrainingSets.Vip(histories, Today, Today - 400, d);
        Assert.NotEmpty(set.Train);
        Assert.NotEmpty(set.Holdout);
        Assert.True(set.Window.TrainCutoffs.Max() < set.Window.HoldoutCutoffs.Min(), "every training cohort is older than every held-out one");
        var byId = histories.ToDictionary(h => h.PlayerId);
        var trainNgr = set.Train.Select(e => byId[e.PlayerId]).Distinct().Select(h => VipFeatures.Ngr(h, VipFeatures.FirstDeposit(h)!.Value, VipFeatures.FirstDeposit(h)!.Value + 90)).ToList();
        var line = TrainingSets.Threshold(trainNgr, 0.1);
        Assert.All(set.Holdout, e =>
        {
            var h = byId[e.PlayerId];
            var f = VipFeatures.FirstDeposit(h)!.Value;
            var ngr = VipFeatures.Ngr(h, f, f + 90);
            Assert.Equal(ngr >= line && ngr > 0, e.Label);
            Assert.True(f + 90 <= Today, "only complete outcome windows are labelled");
        });
    }

    [Fact]
    public void ChurnFolds_RollBackAWeekEach_AndEachTrainsOnlyOnLabelsEndingByItsOwnHoldout()
    {
        var d = new ChurnDefinition { HorizonDays = 30, TrainingCutoffs = 5, CutoffSpacingDays = 2, Holdouts = 3, HoldoutSpacingDays = 7 };
        var histories = Histories().List[300].Single();
        var folds = TrainingSets.ChurnFolds(histories, Today, d);
        Assert.Equal([Today - 30, Today - 37, Today - 44], folds.Select(f => Assert.Single(f.Window.HoldoutCutoffs)));
        foreach (var fold in folds)
        {
            var holdout = fold.Window.HoldoutCutoffs[0];
            Assert.All(fold.Train, e => Assert.True(e.Cutoff + d.HorizonDays <= holdout, $"row at {e.Cutoff} sees labels after its fold's holdout {holdout}"));
            Assert.Equal(5, fold.Window.TrainCutoffs.Count);
            Assert.All(fold.Holdout, e => Assert.Equal(holdout, e.Cutoff));
        }
        // A row is the same whichever fold holds it.
        Assert.Equal(TrainingSets.ChurnExample(histories[0], Today - 37, d)?.Features, folds[1].Holdout.FirstOrDefault(e => e.PlayerId == histories[0].PlayerId)?.Features);
    }

    [Fact]
    public void VipFolds_HoldOutSuccessiveCohorts_EachTrainedOnlyOnOlderOnes()
    {
        var d = new VipDefinition { OutcomeDays = 90, TopShare = 0.1, HoldoutShare = 0.2, Holdouts = 3 };
        var histories = Histories(Today - 300, Today).List[400].Single();
        var folds = TrainingSets.VipFolds(histories, Today, Today - 400, d);
        Assert.Equal(3, folds.Count);
        for (var k = 0; k < folds.Count; k++)
        {
            var w = folds[k].Window;
            Assert.NotEmpty(folds[k].Holdout);
            Assert.True(w.TrainCutoffs.Count == 0 || w.TrainCutoffs.Max() < w.HoldoutCutoffs.Min(), $"fold {k}: a training cohort is not older than every held-out one");
            if (k > 0) Assert.True(w.HoldoutCutoffs.Max() < folds[k - 1].Window.HoldoutCutoffs.Min(), $"fold {k} overlaps the fold after it");
        }
        var held = folds.SelectMany(f => f.Holdout.Select(e => e.PlayerId)).ToList();
        Assert.Equal(held.Count, held.Distinct().Count());
    }

    [Fact]
    public void Threshold_IsTheValueAtTheTopShare()
    {
        Assert.Equal(96m, TrainingSets.Threshold(Enumerable.Range(1, 100).Select(i => (decimal)i), 0.05));
        Assert.Equal(3m, TrainingSets.Threshold([1m, 2m, 3m], 0.05));
        Assert.Equal(decimal.MaxValue, TrainingSets.Threshold([], 0.05));
    }
}
