using System.Globalization;
using Shared.Store;
using static Intelligence.Features.Words;

namespace Intelligence.Features;

/// <summary>
/// Recency, frequency, money and trend of a player's play as of a cut-off day: built only from days strictly
/// before the cut-off (and the registration and first-deposit days when they are before it), so the same
/// function builds training rows for past cut-offs and live rows for today (cut-off = tomorrow).
/// </summary>
public static class ChurnFeatures
{
    public const float RecencyCap = 120;
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static readonly FeatureSet Set = new("churn-v3",
    [
        new("daysSinceLastActive", v => Days(v, RecencyCap, "visit")),
        new("daysSinceLastRealMoneyBet", v => Days(v, RecencyCap, "real-money bet")),
        new("daysSinceLastDeposit", v => Days(v, RecencyCap, "deposit")),
        new("activeDays7", v => $"Active on {Count(v, "day", "days")} of the last 7"),
        new("activeDays30", v => $"Active on {Count(v, "day", "days")} of the last 30"),
        new("activeDays90", v => $"Active on {Count(v, "day", "days")} of the last 90"),
        new("bets7", v => $"{Count((float)Unlog(v), "bet", "bets")} in the last 7 days"),
        new("bets30", v => $"{Count((float)Unlog(v), "bet", "bets")} in the last 30 days"),
        new("stake7", v => $"Staked {Money(Unlog(v))} in the last 7 days"),
        new("stake30", v => $"Staked {Money(Unlog(v))} in the last 30 days"),
        new("stake90", v => $"Staked {Money(Unlog(v))} in the last 90 days"),
        new("ggr30", v => UnlogSigned(v) >= 0 ? $"Lost {Money(UnlogSigned(v))} net in the last 30 days" : $"Won {Money(-UnlogSigned(v))} net in the last 30 days"),
        new("deposits30", v => $"{Count(v, "deposit", "deposits")} in the last 30 days"),
        new("depositAmount30", v => $"Deposited {Money(Unlog(v))} in the last 30 days"),
        new("depositAmount90", v => $"Deposited {Money(Unlog(v))} in the last 90 days"),
        new("withdrawalAmount30", v => $"Withdrew {Money(Unlog(v))} in the last 30 days"),
        new("bonusShare30", v => $"{Percent(v)} of the last 30 days' stake was bonus money"),
        new("sessions30", v => $"{Count(v, "game session", "game sessions")} in the last 30 days"),
        new("logins30", v => $"{Count(v, "login", "logins")} in the last 30 days"),
        new("tenureDays", v => $"Registered {Count(v, "day", "days")} ago"),
        new("daysSinceFirstDeposit", v => v < 0 ? "Has never deposited" : $"First deposit {Count(v, "day", "days")} ago"),
        new("stakeTrend", v => Trend(v, "staking")),
        new("activityTrend", v => Trend(v, "visits")),
        new("averageStake30", v => v <= 0 ? "No bets in the last 30 days" : $"Average stake {Money(Unlog(v))} over the last 30 days"),
        new("winRate30", v => $"Won back {Percent(v)} of stakes over the last 30 days"),
        new("netDeposit30", v => UnlogSigned(v) >= 0 ? $"Net deposits of {Money(UnlogSigned(v))} in the last 30 days" : $"Withdrew {Money(-UnlogSigned(v))} more than deposited in the last 30 days"),
        new("age", v => v < 0 ? "Age unknown" : $"Aged {v.ToString("0", Inv)}"),
        // The player's own rhythm: a silence is judged against the gaps they usually leave.
        new("usualGapDays", v => $"Usually {Count(v, "day", "days")} between visits"),
        new("silenceVsUsualGap", v => v >= 1.5 ? $"Silent {v.ToString("0.#", Inv)}× longer than their usual gap between visits" : "Silence within their usual gap between visits"),
        new("visitsMissed", v => v >= 1 ? $"About {Count(v, "visit", "visits")} missed at their usual pace" : "No visit missed at their usual pace"),
        new("silenceVsLongestGap", v => v >= 1 ? $"Silent longer than any gap in the previous 90 days ({v.ToString("0.#", Inv)}×)" : $"Silence {Percent(v)} of their longest gap in 90 days"),
        new("depositsOverdue", v => v >= 1.5 ? $"Next deposit overdue: {v.ToString("0.#", Inv)}× their usual gap between deposits" : "Deposits on their usual rhythm"),
        new("activeDays14", v => $"Active on {Count(v, "day", "days")} of the last 14"),
        new("stakeTrend90", v => Trend(v, "staking", "over the last 30 days", "90-day")),
        new("ggr7", v => UnlogSigned(v) >= 0 ? $"Lost {Money(UnlogSigned(v))} net in the last 7 days" : $"Won {Money(-UnlogSigned(v))} net in the last 7 days"),
        new("losingDaysInARow", v => $"Lost money on their last {Count(v, "active day", "active days")} in a row"),
        new("bonusGranted30", v => $"Granted {Money(Unlog(v))} in bonuses in the last 30 days"),
        new("weekendShare90", v => $"{Percent(v)} of their active days in 90 days were weekends"),
        new("activityTrend90", v => Trend(v, "visits", "over the last 30 days", "90-day")),
        // The cashier's troubles (contract 1b): failed and reversed payments are among the strongest churn signals.
        new("declinedDeposits30", v => $"{Count(v, "declined deposit", "declined deposits")} in the last 30 days"),
        new("declineShare30", v => $"{Percent(v)} of deposit attempts declined in the last 30 days"),
        new("chargebacks90", v => $"{Count(v, "chargeback or reversed deposit", "chargebacks or reversed deposits")} in the last 90 days"),
        new("reversedWithdrawals30", v => $"{Count(v, "withdrawal", "withdrawals")} reversed in the last 30 days"),
        new("paymentMethods90", v => $"Paid with {Count(v, "method", "methods")} in the last 90 days"),
    ]);

    /// <summary>Features of <paramref name="h"/> as known before the start of day <paramref name="cutoff"/>.</summary>
    public static float[] At(PlayerHistory h, long cutoff)
    {
        var w7 = h.Sum(cutoff - 7, cutoff);
        var w30 = h.Sum(cutoff - 30, cutoff);
        var w90 = h.Sum(cutoff - 90, cutoff);
        float Since(Func<Bucket, bool> when) => h.LastDay(cutoff, when) is { } d ? Math.Min(RecencyCap, cutoff - 1 - d) : RecencyCap;
        static double M(long units) => ProfileReader.Money(units) is var m ? (double)m : 0;
        var stake30 = M(w30[DayField.Stake]);
        var bets30 = w30[DayField.Bets];
        var registered = h.RegisteredDay is { } r && r < cutoff ? r : h.DayNumbers.Length > 0 && h.DayNumbers[0] < cutoff ? h.DayNumbers[0] : cutoff - 1;
        var firstDeposit = h.FirstDepositDay is { } f && f < cutoff ? f : h.FirstDay(long.MinValue, PlayerHistory.Deposited) is { } fb && fb < cutoff ? fb : (long?)null;
        var year = DateTimeOffset.UnixEpoch.AddDays(cutoff).Year;
        return
        [
            Since(PlayerHistory.Active),
            Since(PlayerHistory.RealMoneyBet),
            Since(PlayerHistory.Deposited),
            w7[DayField.Active],
            w30[DayField.Active],
            w90[DayField.Active],
            Log(w7[DayField.Bets]),
            Log(bets30),
            Log(M(w7[DayField.Stake])),
            Log(stake30),
            Log(M(w90[DayField.Stake])),
            SignedLog(M(w30[DayField.Stake] - w30[DayField.Win])),
            w30[DayField.Deposits],
            Log(M(w30[DayField.DepositAmount])),
            Log(M(w90[DayField.DepositAmount])),
            Log(M(w30[DayField.WithdrawalAmount])),
            stake30 > 0 ? (float)(M(w30[DayField.BonusStake]) / stake30) : 0,
            w30[DayField.Sessions],
            w30[DayField.Logins],
            Math.Min(3650, cutoff - 1 - registered),
            firstDeposit is { } fd ? cutoff - 1 - fd : -1,
            (float)(M(w7[DayField.Stake]) * 30 / 7 / (stake30 + 1)),
            (float)(w7[DayField.Active] * 30.0 / 7 / (w30[DayField.Active] + 0.5)),
            bets30 > 0 ? Log(stake30 / bets30) : 0,
            stake30 > 0 ? (float)Math.Min(3, M(w30[DayField.Win]) / stake30) : 0,
            SignedLog(M(w30[DayField.DepositAmount] - w30[DayField.WithdrawalAmount])),
            h.BirthYear is { } by && by > 1900 && by < year ? year - by : -1,
            .. Rhythm(h, cutoff),
            w7[DayField.Active] + h.CountDays(cutoff - 14, cutoff - 7, PlayerHistory.Active),
            (float)(stake30 * 3 / (M(w90[DayField.Stake]) + 1)),
            SignedLog(M(w7[DayField.Stake] - w7[DayField.Win])),
            LosingDaysInARow(h, cutoff),
            Log(M(w30[DayField.BonusGranted])),
            WeekendShare(h, cutoff - 90, cutoff),
            (float)(w30[DayField.Active] * 3.0 / (w90[DayField.Active] + 0.5)),
            Declined(w30),
            (float)(Declined(w30) / (Declined(w30) + w30[DayField.Deposits] + 0.5)),
            w90[DayField.Chargebacks] + w90[DayField.ReversedDeposits],
            w30[DayField.ReversedWithdrawals],
            System.Numerics.BitOperations.PopCount((ulong)w90[DayField.PaymentMethods]),
        ];
    }

    /// <summary>Declined deposits in a window's sums (every reason).</summary>
    internal static float Declined(long[] w)
    {
        long n = 0;
        for (var i = DayField.DeclinedFirst; i <= DayField.DeclinedLast; i++) n += w[i];
        return n;
    }

    /// <summary>usualGapDays, silenceVsUsualGap, visitsMissed, silenceVsLongestGap, depositsOverdue over the 90 days before the cut-off.</summary>
    private static float[] Rhythm(PlayerHistory h, long cutoff)
    {
        var from = cutoff - 90;
        long? first = null, last = null, lastDeposit = null, firstDeposit = null;
        var active = 0;
        var deposits = 0;
        long longest = 0;
        for (var i = h.IndexOf(from); i < h.DayNumbers.Length && h.DayNumbers[i] < cutoff; i++)
        {
            var b = h.Days[i];
            var d = h.DayNumbers[i];
            if (PlayerHistory.Active(b))
            {
                if (last is { } l) longest = Math.Max(longest, d - l);
                first ??= d;
                last = d;
                active++;
            }
            if (PlayerHistory.Deposited(b))
            {
                firstDeposit ??= d;
                lastDeposit = d;
                deposits++;
            }
        }
        var silence = last is { } la ? cutoff - 1 - la : RecencyCap;
        var usual = active >= 2 ? (float)(last!.Value - first!.Value) / (active - 1) : 90f;
        var depositGap = deposits >= 2 ? (float)(lastDeposit!.Value - firstDeposit!.Value) / (deposits - 1) : 90f;
        var depositSilence = lastDeposit is { } ld ? cutoff - 1 - ld : RecencyCap;
        return
        [
            usual,
            Math.Min(30, silence / Math.Max(1, usual)),
            Math.Min(90, silence * active / 90f),
            Math.Min(30, silence / (float)Math.Max(1, active >= 2 ? longest : 90)),
            Math.Min(30, depositSilence / Math.Max(1, depositGap)),
        ];
    }

    /// <summary>Consecutive active days with a net loss (stake over wins), counted back from the last active day before the cut-off.</summary>
    private static float LosingDaysInARow(PlayerHistory h, long cutoff)
    {
        var n = 0;
        for (var i = h.IndexOf(cutoff) - 1; i >= 0 && n < 20; i--)
        {
            var v = h.Days[i].V;
            if (!PlayerHistory.Active(h.Days[i])) continue;
            if (v[DayField.Stake] <= v[DayField.Win]) break;
            n++;
        }
        return n;
    }

    private static float WeekendShare(PlayerHistory h, long from, long to)
    {
        int all = 0, weekend = 0;
        for (var i = h.IndexOf(from); i < h.DayNumbers.Length && h.DayNumbers[i] < to; i++)
        {
            if (!PlayerHistory.Active(h.Days[i])) continue;
            all++;
            // Day 0 (1970-01-01) was a Thursday: days 2 and 3 of each week are Saturday and Sunday.
            if (((h.DayNumbers[i] % 7) + 7) % 7 is 2 or 3) weekend++;
        }
        return all == 0 ? 0 : (float)weekend / all;
    }
}
