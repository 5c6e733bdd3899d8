using System.Globalization;
using Intelligence.Features;
using Shared.Contracts;
using Shared.Store;

namespace Intelligence.SaferGambling;

/// <summary>
/// One marker of gambling harm for a player: its value, how strongly it points at harm (0–1, the rule's input) and
/// what it means in plain words.
/// </summary>
public sealed record HarmMarker(string Name, double Value, double Strength, string Description);

/// <summary>
/// The behavioural markers that research and regulators' guidance name as indicators of harm (time and spend rising,
/// chasing losses, night play, failed payments, loosened limits), each measured against the player's own baseline
/// where one makes sense: the last 7 days against the 90 before them. Built from the day buckets and the fold's harm
/// trail only, as known before the start of day <c>cutoff</c>, so the same function serves live scores (cut-off =
/// tomorrow) and back-tests at any past day.
/// </summary>
public static class HarmMarkers
{
    public const int RecentDays = 7, BaselineDays = 90;
    public const int NightFrom = 2, NightTo = 6;

    /// <summary>The markers' names, in the order <see cref="At"/> returns them.</summary>
    public static readonly IReadOnlyList<string> Names =
    [
        "depositFrequency", "depositAmount", "depositsWithinAnHour", "declinedDeposits", "reversedWithdrawals", "chasing",
        "stakeAfterLoss", "sessionLength", "nightPlay", "stakeEscalation", "bonusShareFalling", "lossesToDeposits",
        "limitLoosening", "paymentMethods",
    ];

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static IReadOnlyList<HarmMarker> At(PlayerHistory h, HarmTrail trail, string? country, long cutoff)
    {
        var recentFrom = cutoff - RecentDays;
        // The baseline covers the 90 days before the recent week, or as many of them as the player has been around.
        var firstDay = h.RegisteredDay is { } r ? r : h.DayNumbers.Length > 0 ? h.DayNumbers[0] : recentFrom;
        var baseFrom = Math.Max(recentFrom - BaselineDays, firstDay);
        var baseDays = Math.Max(0, recentFrom - baseFrom);
        var recent = h.Sum(recentFrom, cutoff);
        var baseline = h.Sum(baseFrom, recentFrom);
        var w14 = h.Sum(cutoff - 14, cutoff);
        var w30 = h.Sum(cutoff - 30, cutoff);
        var before30 = h.Sum(Math.Max(cutoff - 90, firstDay), cutoff - 30);
        var before30Days = Math.Max(0, cutoff - 30 - Math.Max(cutoff - 90, firstDay));
        static double M(long units) => (double)ProfileReader.Money(units);
        var enoughBaseline = baseDays >= 14;

        var markers = new List<HarmMarker>(Names.Count);

        // Deposit frequency and amount against the player's own pace.
        var deposits7 = recent[DayField.Deposits];
        var freqRatio = Ratio(deposits7 / (double)RecentDays, baseline[DayField.Deposits] / (double)Math.Max(1, baseDays), 1.0 / 30);
        markers.Add(new("depositFrequency", Round(freqRatio), enoughBaseline && deposits7 >= 3 ? Clamp((freqRatio - 1.5) / 3) : 0,
            !enoughBaseline ? $"{Count(deposits7, "deposit")} in the last 7 days (no baseline yet)"
            : $"{Count(deposits7, "deposit")} in the last 7 days: {Times(freqRatio)} their usual rate"));
        var amount7 = M(recent[DayField.DepositAmount]);
        var amountRatio = Ratio(amount7 / RecentDays, M(baseline[DayField.DepositAmount]) / Math.Max(1, baseDays), 1);
        markers.Add(new("depositAmount", Round(amountRatio), enoughBaseline && deposits7 >= 2 ? Clamp((amountRatio - 1.5) / 3) : 0,
            !enoughBaseline ? $"Deposited {Money(amount7)} in the last 7 days (no baseline yet)"
            : $"Deposited {Money(amount7)} in the last 7 days: {Times(amountRatio)} their usual daily amount"));

        // Several deposits within an hour.
        var from = DateTimeOffset.UnixEpoch.AddDays(recentFrom).ToUnixTimeMilliseconds();
        var to = DateTimeOffset.UnixEpoch.AddDays(cutoff).ToUnixTimeMilliseconds();
        var times = trail.DepositTimes.Where(t => t >= from && t < to).ToList();
        var inAnHour = 0;
        for (int i = 0, j = 0; i < times.Count; i++)
        {
            while (times[i] - times[j] >= 3_600_000) j++;
            inAnHour = Math.Max(inAnHour, i - j + 1);
        }
        markers.Add(new("depositsWithinAnHour", inAnHour, Clamp((inAnHour - 1) / 3.0),
            inAnHour >= 2 ? $"{inAnHour} deposits within one hour in the last 7 days" : "No run of deposits within an hour in the last 7 days"));

        // Failed and reversed payments.
        long declined = 0;
        for (var i = DayField.DeclinedFirst; i <= DayField.DeclinedLast; i++) declined += w14[i];
        markers.Add(new("declinedDeposits", declined, Clamp(declined / 4.0), $"{Count(declined, "declined deposit")} in the last 14 days"));
        var reversed = w30[DayField.ReversedWithdrawals];
        markers.Add(new("reversedWithdrawals", reversed, Clamp(reversed / 2.0), $"{Count(reversed, "withdrawal")} reversed (cancelled) in the last 30 days"));

        // Chasing: depositing again on a day already lost; staking more on the day after a loss.
        int chaseDays = 0, afterLossDays = 0;
        long afterLossBets = 0, afterLossStake = 0;
        for (var d = cutoff - 14; d < cutoff; d++)
        {
            var day = h.Sum(d, d + 1);
            if (day[DayField.Deposits] >= 2 && day[DayField.Stake] - day[DayField.Win] > 0) chaseDays++;
        }
        for (var d = cutoff - 30; d < cutoff; d++)
        {
            var prev = h.Sum(d - 1, d);
            var day = h.Sum(d, d + 1);
            if (prev[DayField.Stake] - prev[DayField.Win] <= 0 || day[DayField.Bets] == 0) continue;
            afterLossDays++;
            afterLossBets += day[DayField.Bets];
            afterLossStake += day[DayField.Stake] - day[DayField.BonusStake];
        }
        markers.Add(new("chasing", chaseDays, Clamp(chaseDays / 4.0),
            chaseDays > 0 ? $"Deposited again after losing on {Count(chaseDays, "day")} of the last 14" : "No repeat deposits on losing days in the last 14 days"));
        var baseAvgStake = AverageStake(baseline);
        var afterLossRatio = afterLossBets > 0 && baseAvgStake > 0 ? M(afterLossStake) / afterLossBets / baseAvgStake : 1;
        markers.Add(new("stakeAfterLoss", Round(afterLossRatio), enoughBaseline && afterLossDays >= 3 ? Clamp((afterLossRatio - 1.3) / 2) : 0,
            afterLossDays >= 3 && enoughBaseline ? $"Average stake on days after a loss {Times(afterLossRatio)} their usual stake" : "Too few days after a loss to compare stakes"));

        // Time: session length and night-time play in the player's own time zone.
        var sessions7 = recent[DayField.Sessions];
        double Seconds(long a, long b)
        {
            long s = 0;
            foreach (var (d, day) in trail.Days) if (d >= a && d < b) s += day.SessionSeconds;
            return s;
        }
        var avgRecent = sessions7 > 0 ? Seconds(recentFrom, cutoff) / sessions7 : 0;
        var baseSessions = baseline[DayField.Sessions];
        var avgBase = baseSessions > 0 ? Seconds(baseFrom, recentFrom) / baseSessions : 0;
        var sessionRatio = avgBase > 0 ? avgRecent / avgBase : 1;
        markers.Add(new("sessionLength", Round(sessionRatio), enoughBaseline && sessions7 >= 2 && avgBase > 0 ? Clamp((sessionRatio - 1.3) / 2) : 0,
            sessions7 == 0 ? "No game sessions in the last 7 days"
            : $"Game sessions of {(avgRecent / 60).ToString("0", Inv)} minutes on average in the last 7 days" + (avgBase > 0 ? $", against {(avgBase / 60).ToString("0", Inv)} before" : "")));
        var zone = PlayerTimeZones.Of(country);
        var nightDays = new HashSet<long>();
        foreach (var (d, day) in trail.Days)
        {
            if (d < baseFrom - 1 || d >= cutoff || day.Hours == 0) continue;
            for (var hour = 0; hour < 24; hour++)
            {
                if ((day.Hours >> hour & 1) == 0) continue;
                var at = DateTimeOffset.UnixEpoch.AddDays(d).AddHours(hour);
                var local = TimeZoneInfo.ConvertTime(at, zone);
                if (local.Hour >= NightFrom && local.Hour < NightTo) nightDays.Add(ProfileReader.DayOf(new DateTimeOffset(local.DateTime, TimeSpan.Zero)));
            }
        }
        var nights7 = nightDays.Count(d => d >= recentFrom && d < cutoff);
        var nightsBase = nightDays.Count(d => d >= baseFrom && d < recentFrom);
        var expected = baseDays > 0 ? nightsBase * (double)RecentDays / baseDays : 0;
        markers.Add(new("nightPlay", nights7, Clamp((nights7 - expected - 0.5) / 3),
            $"Played between {NightFrom:00}:00 and {NightTo:00}:00 (their time) on {Count(nights7, "night")} of the last 7" +
            (baseDays > 0 ? $", against {expected.ToString("0.#", Inv)} usually" : "")));

        // Stakes: escalation, and bonus money giving way to real money.
        var avgStake7 = AverageStake(recent);
        var stakeRatio = baseAvgStake > 0 ? avgStake7 / baseAvgStake : 1;
        markers.Add(new("stakeEscalation", Round(stakeRatio), enoughBaseline && recent[DayField.Bets] >= 20 && baseAvgStake > 0 ? Clamp((stakeRatio - 1.5) / 3) : 0,
            recent[DayField.Bets] == 0 ? "No bets in the last 7 days" : $"Average real-money stake {Money(avgStake7)} in the last 7 days: {Times(stakeRatio)} their usual stake"));
        var share30 = Share(w30[DayField.BonusStake], w30[DayField.Stake]);
        var shareBefore = Share(before30[DayField.BonusStake], before30[DayField.Stake]);
        var real30 = M(w30[DayField.Stake] - w30[DayField.BonusStake]) / 30;
        var realBefore = before30Days > 0 ? M(before30[DayField.Stake] - before30[DayField.BonusStake]) / before30Days : 0;
        var realRatio = realBefore > 0 ? real30 / realBefore : 1;
        var drop = shareBefore - share30;
        markers.Add(new("bonusShareFalling", Round(drop), drop > 0.1 && realRatio > 1.2 ? Clamp(drop * 2) * Clamp(realRatio - 1) : 0,
            drop > 0.1 && realRatio > 1.2 ? $"Bonus share of stakes fell from {Percent(shareBefore)} to {Percent(share30)} while real-money stakes rose {Times(realRatio)}"
            : $"{Percent(share30)} of the last 30 days' stakes were bonus money"));

        // Money: losses against deposits, limits loosened, payment methods.
        var deposits30 = M(w30[DayField.DepositAmount]);
        var lost30 = M(w30[DayField.Stake] - w30[DayField.Win]);
        var lossShare = deposits30 > 0 ? lost30 / deposits30 : 0;
        markers.Add(new("lossesToDeposits", Round(lossShare), w30[DayField.Deposits] >= 3 ? Clamp((lossShare - 0.8) / 0.2) : 0,
            deposits30 > 0 ? $"Lost {Percent(Math.Max(0, lossShare))} of the {Money(deposits30)} deposited in the last 30 days" : "No deposits in the last 30 days"));
        var loosened = 0;
        decimal? previous = null;
        var since = DateTimeOffset.UnixEpoch.AddDays(cutoff - 90);
        var until = DateTimeOffset.UnixEpoch.AddDays(cutoff);
        foreach (var change in trail.Limits)
        {
            if (change.At >= until) break;
            var looser = change.Amount is null ? previous is not null : previous is { } p && change.Amount > p;
            if (looser && change.At >= since) loosened++;
            previous = change.Amount;
        }
        markers.Add(new("limitLoosening", loosened, Clamp(loosened / 2.0),
            loosened > 0 ? $"Raised or removed their deposit limit {Count(loosened, "time")} in the last 90 days"
            : previous is { } limit ? $"Keeps a deposit limit of {Money((double)limit)}" : "No deposit limit set"));
        var methods = PaymentMethodSets.Of(h.Sum(cutoff - 30, cutoff)[DayField.PaymentMethods]).Count;
        markers.Add(new("paymentMethods", methods, Clamp((methods - 2) / 2.0), $"Paid with {Count(methods, "method")} in the last 30 days"));
        return markers;
    }

    private static double AverageStake(long[] v) => v[DayField.Bets] > 0 ? (double)ProfileReader.Money(v[DayField.Stake] - v[DayField.BonusStake]) / v[DayField.Bets] : 0;

    private static double Ratio(double recent, double usual, double floor) => recent / Math.Max(usual, floor);

    private static double Share(long part, long whole) => whole > 0 ? (double)part / whole : 0;

    private static double Clamp(double v) => double.IsNaN(v) ? 0 : Math.Clamp(v, 0, 1);

    private static double Round(double v) => Math.Round(v, 3);

    private static string Times(double ratio) => ratio.ToString("0.0", Inv) + "×";

    private static string Percent(double share) => (share * 100).ToString("0", Inv) + "%";

    private static string Money(double amount) => amount.ToString(amount >= 100 ? "0" : "0.##", Inv);

    private static string Count(double n, string one) => n == 1 ? $"1 {one}" : $"{n.ToString("0", Inv)} {one}s";
}
