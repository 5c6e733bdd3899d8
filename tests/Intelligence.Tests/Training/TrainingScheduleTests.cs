using Shared.Contracts;
using Intelligence.Models;
using Intelligence.Training;

namespace Intelligence.Tests.Training;

/// <summary>When training starts: on its schedule, and for a kind still without a model with a back-off that doubles up to the schedule.</summary>
public sealed class TrainingScheduleTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 2, 10, 0, 0, TimeSpan.Zero);
    private static readonly string[] Churn = [ModelKinds.Churn];

    [Fact]
    public void AKindStillWithoutAModel_IsRetriedAfter5_10_20_MinutesAndSoOn_UpToTheInterval()
    {
        var o = new TrainingOptions { Interval = TimeSpan.FromHours(2), MissingRetry = TimeSpan.FromMinutes(5) };
        var schedule = new TrainingSchedule(o, Start);
        var tries = new List<double>();
        for (var t = Start; t < Start.AddHours(2).AddMinutes(-1); t = t.AddSeconds(15))
        {
            if (schedule.Next(t, Churn, hasPlayers: true) is { } next)
            {
                Assert.Equal(Churn, next.Kinds);
                tries.Add((t - Start).TotalMinutes);
            }
        }
        // 0, +5, +10, +20, +40, then the back-off is capped at the two-hour interval (the schedule runs at 120).
        Assert.Equal([0, 5, 15, 35, 75], tries);
        Assert.Equal(o.Interval, schedule.BackOff);
    }

    [Fact]
    public void TheBackOffStartsAgain_OnceNothingIsMissing_AndNothingIsTriedWithoutPlayers()
    {
        var o = new TrainingOptions { Interval = TimeSpan.FromDays(1), MissingRetry = TimeSpan.FromMinutes(5) };
        var schedule = new TrainingSchedule(o, Start);
        Assert.Null(schedule.Next(Start, Churn, hasPlayers: false));
        Assert.NotNull(schedule.Next(Start, Churn, hasPlayers: true));
        Assert.NotNull(schedule.Next(Start.AddMinutes(5), Churn, hasPlayers: true));
        Assert.Equal(TimeSpan.FromMinutes(20), schedule.BackOff);
        Assert.Null(schedule.Next(Start.AddMinutes(6), [], hasPlayers: true));
        Assert.Equal(TimeSpan.FromMinutes(5), schedule.BackOff);
    }

    [Fact]
    public void OnSchedule_EveryKindTrains_AndTrainWhenMissingFalse_OnlyFollowsTheSchedule()
    {
        var o = new TrainingOptions { Interval = TimeSpan.FromHours(1), TrainWhenMissing = false };
        var schedule = new TrainingSchedule(o, Start);
        Assert.Null(schedule.Next(Start.AddMinutes(59), Churn, hasPlayers: true));
        var next = schedule.Next(Start.AddMinutes(60), Churn, hasPlayers: true);
        Assert.Equal(ModelKinds.All, next!.Value.Kinds);
        Assert.Null(schedule.Next(Start.AddMinutes(61), Churn, hasPlayers: true));
    }
}
