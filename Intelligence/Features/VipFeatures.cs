using System.Globalization;
using Shared.Store;
using static Intelligence.Features.Words;

namespace Intelligence.Features;

/// <summary>
/// A depositor's first days, from the day of their first deposit: how much, how often, how big. Rows are built
/// for 3, 7 and 14 observed days so a player can be scored from their third day on; the issue's definition
/// (and the holdout metrics) use 14.
/// </summary>
public static class VipFeatures
{
    public const int ObservedDays = 14;
    public static readonly IReadOnlyList<int> TrainingObservations = [3, 7, ObservedDays];
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static readonly FeatureSet Set = new("vip-v1",
    [
        new("daysObserved", v => $"{Count(v, "day", "days")} since the first deposit"),
        new("deposits", v => $"{Count(v, "deposit", "deposits")} since the first deposit"),
        new("depositAmount", v => $"Deposited {Money(Unlog(v))} since the first deposit"),
        new("firstDayDepositAmount", v => $"Deposited {Money(Unlog(v))} on the first deposit day"),
        new("activeDays", v => $"Active on {Count(v, "day", "days")} since the first deposit"),
        new("bets", v => $"{Count((float)Unlog(v), "bet", "bets")} since the first deposit"),
        new("stake", v => $"Staked {Money(Unlog(v))} since the first deposit"),
        new("averageStake", v => v <= 0 ? "No bets since the first deposit" : $"Average stake {Money(Unlog(v))}"),
        new("maxDailyStake", v => $"Staked up to {Money(Unlog(v))} in a day"),
        new("ggr", v => UnlogSigned(v) >= 0 ? $"Lost {Money(UnlogSigned(v))} net since the first deposit" : $"Won {Money(-UnlogSigned(v))} net since the first deposit"),
        new("bonusShare", v => $"{Percent(v)} of stake was bonus money"),
        new("sessions", v => $"{Count(v, "game session", "game sessions")} since the first deposit"),
        new("withdrawalAmount", v => $"Withdrew {Money(Unlog(v))} since the first deposit"),
        new("daysToFirstDeposit", v => v < 0 ? "Registration day unknown" : v < 1 ? "Deposited on the day they registered" : $"First deposit {Count(v, "day", "days")} after registering"),
        new("age", v => v < 0 ? "Age unknown" : $"Aged {v.ToString("0", Inv)}"),
    ]);

    /// <summary>
    /// Features over days [first deposit, first deposit + <paramref name="observed"/>), cut at
    /// <paramref name="cutoff"/> (exclusive) too; null when the player had not deposited before the cut-off.
    /// </summary>
    public static float[]? At(PlayerHistory h, long cutoff, int observed = ObservedDays)
    {
        if (FirstDeposit(h) is not { } f || f >= cutoff) return null;
        var end = Math.Min(f + observed, cutoff);
        var w = h.Sum(f, end);
        static double M(long units) => (double)ProfileReader.Money(units);
        var firstDay = h.Sum(f, f + 1);
        var maxDaily = 0L;
        for (var i = h.IndexOf(f); i < h.DayNumbers.Length && h.DayNumbers[i] < end; i++) maxDaily = Math.Max(maxDaily, h.Days[i].V[DayField.Stake]);
        var stake = M(w[DayField.Stake]);
        var year = DateTimeOffset.UnixEpoch.AddDays(f).Year;
        return
        [
            end - f,
            w[DayField.Deposits],
            Log(M(w[DayField.DepositAmount])),
            Log(M(firstDay[DayField.DepositAmount])),
            w[DayField.Active],
            Log(w[DayField.Bets]),
            Log(stake),
            w[DayField.Bets] > 0 ? Log(stake / w[DayField.Bets]) : 0,
            Log(M(maxDaily)),
            SignedLog(M(w[DayField.Stake] - w[DayField.Win])),
            stake > 0 ? (float)(M(w[DayField.BonusStake]) / stake) : 0,
            w[DayField.Sessions],
            Log(M(w[DayField.WithdrawalAmount])),
            h.RegisteredDay is { } r && r <= f ? f - r : -1,
            h.BirthYear is { } by && by > 1900 && by < year ? year - by : -1,
        ];
    }

    /// <summary>The first deposit day: the profile's (it outlives the buckets), else the first bucket with a deposit.</summary>
    public static long? FirstDeposit(PlayerHistory h) => h.FirstDepositDay ?? h.FirstDay(long.MinValue, PlayerHistory.Deposited);

    /// <summary>Net gaming revenue over days [from, to): stake − wins − bonuses granted, in base currency.</summary>
    public static decimal Ngr(PlayerHistory h, long from, long to)
    {
        var w = h.Sum(from, to);
        return ProfileReader.Money(w[DayField.Stake] - w[DayField.Win] - w[DayField.BonusGranted]);
    }
}
