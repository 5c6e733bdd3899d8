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

    public static readonly FeatureSet Set = new("vip-v3",
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
        // The first days one by one: how fast a depositor commits.
        new("depositAmount1", v => $"Deposited {Money(Unlog(v))} on the first deposit day"),
        new("depositAmount3", v => $"Deposited {Money(Unlog(v))} in the first 3 days"),
        new("depositAmount7", v => $"Deposited {Money(Unlog(v))} in the first 7 days"),
        new("stake1", v => $"Staked {Money(Unlog(v))} on the first deposit day"),
        new("stake3", v => $"Staked {Money(Unlog(v))} in the first 3 days"),
        new("stake7", v => $"Staked {Money(Unlog(v))} in the first 7 days"),
        new("stakeGrowth", v => v >= 1.25f ? $"Daily stake rising: {v.ToString("0.#", Inv)}× the first days'" : v <= 0.8f ? "Daily stake falling after the first days" : "Daily stake steady"),
        new("daysToSecondDeposit", v => v < 1 ? "Deposited again on the first day" : $"Deposited again after {Count(v, "day", "days")}"),
        new("depositDays", v => $"Deposited on {Count(v, "day", "days")}"),
        new("largestDeposit", v => $"Largest deposit day {Money(Unlog(v))}"),
        new("stakeGrowthLate", v => v >= 1.25f ? $"Daily stake in the second week {v.ToString("0.#", Inv)}× the first week's" : v <= 0.8f ? "Daily stake lower in the second week" : "Daily stake steady into the second week"),
        new("peakStakeDay", v => $"Busiest day staked {v.ToString("0.#", Inv)}× their average day"),
        new("declinedDeposits", v => $"{Count(v, "declined deposit", "declined deposits")} since the first deposit"),
        new("paymentMethods", v => $"Paid with {Count(v, "method", "methods")} since the first deposit"),
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
            .. FirstDays(h, f, end),
            ChurnFeatures.Declined(w),
            System.Numerics.BitOperations.PopCount((ulong)w[DayField.PaymentMethods]),
        ];
    }

    /// <summary>depositAmount1/3/7, stake1/3/7, stakeGrowth, daysToSecondDeposit, depositDays, largestDeposit, stakeGrowthLate, peakStakeDay over days [f, end).</summary>
    private static float[] FirstDays(PlayerHistory h, long f, long end)
    {
        static double M(long units) => (double)ProfileReader.Money(units);
        long[] Until(int n) => h.Sum(f, Math.Min(end, f + n));
        var (d1, d3, d7) = (Until(1), Until(3), Until(7));
        var observed = end - f;
        // Stake a day over days 4–7 against days 1–3; 1 (steady) until there is a fourth day to compare.
        var growth = observed >= 4 ? (float)((M(d7[DayField.Stake] - d3[DayField.Stake]) / Math.Min(4, observed - 3) + 1) / (M(d3[DayField.Stake]) / 3 + 1)) : 1f;
        // Stake a day over days 8–14 against days 1–7: a player who steps up in the second week.
        var d14 = Until(14);
        var growthLate = observed >= 8 ? (float)((M(d14[DayField.Stake] - d7[DayField.Stake]) / Math.Min(7, observed - 7) + 1) / (M(d7[DayField.Stake]) / 7 + 1)) : 1f;
        float? second = null;
        var depositDays = 0;
        long largest = 0, peakStake = 0, stakeDays = 0;
        var deposits = 0L;
        for (var i = h.IndexOf(f); i < h.DayNumbers.Length && h.DayNumbers[i] < end; i++)
        {
            var v = h.Days[i].V;
            if (v[DayField.Stake] > 0)
            {
                stakeDays++;
                peakStake = Math.Max(peakStake, v[DayField.Stake]);
            }
            if (v[DayField.Deposits] == 0) continue;
            depositDays++;
            largest = Math.Max(largest, v[DayField.DepositAmount]);
            deposits += v[DayField.Deposits];
            if (second is null && deposits >= 2) second = h.DayNumbers[i] - f;
        }
        return
        [
            Log(M(d1[DayField.DepositAmount])), Log(M(d3[DayField.DepositAmount])), Log(M(d7[DayField.DepositAmount])),
            Log(M(d1[DayField.Stake])), Log(M(d3[DayField.Stake])), Log(M(d7[DayField.Stake])),
            Math.Min(10, growth),
            second ?? observed + 1,
            depositDays,
            Log(M(largest)),
            Math.Min(10, growthLate),
            stakeDays == 0 ? 0 : (float)Math.Min(14, peakStake * stakeDays / (double)Math.Max(1, d14[DayField.Stake])),
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
