using System.Globalization;
using System.Text.Json;
using Shared.Contracts;

namespace Simulator.Reference;

/// <summary>One canonical event as the reference fold reads it: amounts already in 1/10,000 of the base currency.</summary>
public sealed record RefEvent(string Type, string Source, string Id, string Player, DateTimeOffset Time, string? Tx = null,
    string? Ref = null, string? Game = null, long Units = 0, long BonusUnits = 0, string? Status = null, DateTimeOffset? End = null,
    string? Method = null, string? Reason = null)
{
    /// <summary>
    /// Reads a canonical CloudEvent. Amounts in another currency must carry <c>exchangeRate</c> (the reference knows
    /// no configured rates); they convert as Ingestion converts (amount × rate, to 1/10,000, half away from zero).
    /// </summary>
    public static RefEvent Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var e = doc.RootElement;
        var d = e.GetProperty("data");
        string? S(string name) => d.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        decimal? N(string name) => d.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDecimal() : null;
        decimal Rate() => N("exchangeRate") ?? (S("currency") is null or "EUR" ? 1m : throw new InvalidOperationException($"no exchangeRate in {json}"));
        long Units(decimal? amount) => amount is { } a ? (long)decimal.Round(a * Rate() * 10_000m, 0, MidpointRounding.AwayFromZero) : 0;
        // Profiles keep times to the millisecond.
        static DateTimeOffset Ms(DateTimeOffset t) => DateTimeOffset.FromUnixTimeMilliseconds(t.ToUnixTimeMilliseconds());
        var type = e.GetProperty("type").GetString()!;
        var time = Ms(e.GetProperty("time").GetDateTimeOffset());
        DateTimeOffset? end = null;
        if (type == EventTypes.GameSession)
        {
            end = Ms(DateTimeOffset.Parse(S("endedAt")!, CultureInfo.InvariantCulture));
            time = Ms(DateTimeOffset.Parse(S("startedAt")!, CultureInfo.InvariantCulture));
        }
        return new RefEvent(type, e.GetProperty("source").GetString()!, e.GetProperty("id").GetString()!, e.GetProperty("subject").GetString()!,
            time, S("transactionId") ?? S("bonusId"), S("referenceTransactionId"), S("gameId"), Units(N("amount")), Units(N("bonusAmount")),
            S("status"), end, S("method"), S("declineReason"));
    }
}

/// <summary>
/// The profile semantics of docs/contract.md written as plainly as possible over the SET of a player's events, with no
/// ledger, no buckets and no Lua: whatever the order, duplication and batching of delivery, Ingestion's fold must
/// agree with it (within the retention; every history here lies within it).
/// </summary>
public static class ReferenceFold
{
    public sealed record Expected(LifetimeTotals Lifetime, IReadOnlyDictionary<string, ActivityTotals> Windows, IReadOnlyDictionary<string, GamePlay> Games);

    public static readonly IReadOnlyList<int> WindowDays = [1, 7, 30, 90];

    /// <summary>Payment statuses by rank (contract 1b): a payment's money follows its highest-ranked state.</summary>
    private static readonly Dictionary<string, int> Rank = new(StringComparer.Ordinal)
    {
        ["pending"] = 1, ["rejected"] = 2, ["cancelled"] = 2, ["approved"] = 3, ["chargeback"] = 4, ["reversed"] = 4, ["refunded"] = 4,
    };

    /// <summary>Among states of equal rank, the one listed first is the top (a decline over a cancellation, a chargeback over a reversal).</summary>
    private static readonly string[] Statuses = ["pending", "rejected", "cancelled", "approved", "chargeback", "reversed", "refunded"];

    private static readonly string[] Reasons = ["insufficient_funds", "limit_exceeded", "suspected_fraud", "authentication_failed", "expired_or_invalid", "other"];

    private static long Day(DateTimeOffset t) => (long)Math.Floor(t.ToUnixTimeSeconds() / 86_400d);

    private static decimal Money(long units) => units / 10_000m;

    /// <summary>Every player's expected profile.</summary>
    public static Dictionary<string, Expected> FoldAll(IEnumerable<RefEvent> delivered, DateTimeOffset now) =>
        delivered.GroupBy(e => e.Player, StringComparer.Ordinal).ToDictionary(g => g.Key, g => Fold(g, now), StringComparer.Ordinal);

    public static Expected Fold(IEnumerable<RefEvent> delivered, DateTimeOffset now)
    {
        // The set: a wallet transaction once (a payment once per state), any other event once per source and id.
        var all = delivered.ToList();
        var bets = all.Where(e => e.Type == EventTypes.WalletBet).DistinctBy(e => e.Tx).ToList();
        var wins = all.Where(e => e.Type == EventTypes.WalletWin).DistinctBy(e => e.Tx).ToList();
        var payments = all.Where(e => e.Type is EventTypes.WalletDeposit or EventTypes.WalletWithdrawal).DistinctBy(e => (e.Tx, e.Status)).ToList();
        var rolledBack = all.Where(e => e.Type == EventTypes.WalletRollback).Select(e => e.Ref!).ToHashSet(StringComparer.Ordinal);
        var others = all.Where(e => e.Tx is null || e.Type == EventTypes.BonusGranted).DistinctBy(e => (e.Source, e.Id)).ToList();
        var logins = others.Where(e => e.Type == EventTypes.PlayerLogin).ToList();
        var sessions = others.Where(e => e.Type == EventTypes.GameSession).ToList();
        var bonuses = others.Where(e => e.Type == EventTypes.BonusGranted).DistinctBy(e => e.Tx).ToList();

        // Each payment's top state: the highest rank, the first of equals in contract order.
        var tops = payments.GroupBy(e => e.Tx!)
            .Select(g => g.OrderByDescending(e => Rank[e.Status!]).ThenBy(e => Array.IndexOf(Statuses, e.Status)).First())
            .Where(e => !rolledBack.Contains(e.Tx!))
            .ToList();
        var finalPayments = tops.Where(e => e.Status == "approved").ToList();
        var countedBets = bets.Where(e => !rolledBack.Contains(e.Tx!)).ToList();
        var countedWins = wins.Where(e => !rolledBack.Contains(e.Tx!)).ToList();
        var approvedAttempts = payments.Where(e => e.Status == "approved").ToList();

        // Activity marks record attempts, rolled back or not.
        var activeDays = bets.Select(e => Day(e.Time))
            .Concat(approvedAttempts.Select(e => Day(e.Time)))
            .Concat(logins.Select(e => Day(e.Time)))
            .Concat(sessions.Select(e => Day(e.Time)))
            .ToHashSet();

        ActivityTotals Totals(Func<DateTimeOffset, bool> inWindow)
        {
            var dep = finalPayments.Where(e => e.Type == EventTypes.WalletDeposit && inWindow(e.Time)).ToList();
            var wd = finalPayments.Where(e => e.Type == EventTypes.WalletWithdrawal && inWindow(e.Time)).ToList();
            var b = countedBets.Where(e => inWindow(e.Time)).ToList();
            var stake = b.Sum(e => e.Units);
            var win = countedWins.Where(e => inWindow(e.Time)).Sum(e => e.Units);
            return new ActivityTotals(
                dep.Count, Money(dep.Sum(e => e.Units)), wd.Count, Money(wd.Sum(e => e.Units)),
                b.Count, Money(stake), Money(win), Money(stake - win), Money(b.Sum(e => e.BonusUnits)),
                Money(bonuses.Where(e => inWindow(e.Time)).Sum(e => e.Units)),
                sessions.Count(e => inWindow(e.Time)), logins.Count(e => inWindow(e.Time)),
                activeDays.Count(d => inWindow(DateTimeOffset.FromUnixTimeSeconds(d * 86_400))))
            {
                DeclinedDepositCount = Top("wallet.deposit", "rejected").Count,
                DeclinedDepositReasons = Declines(Top("wallet.deposit", "rejected")),
                ChargebackCount = Top("wallet.deposit", "chargeback").Count, ChargebackAmount = Money(Top("wallet.deposit", "chargeback").Sum(e => e.Units)),
                ReversedDepositCount = Top("wallet.deposit", "reversed").Count, ReversedDepositAmount = Money(Top("wallet.deposit", "reversed").Sum(e => e.Units)),
                ReversedWithdrawalCount = Top("wallet.withdrawal", "reversed").Count, ReversedWithdrawalAmount = Money(Top("wallet.withdrawal", "reversed").Sum(e => e.Units)),
                RefundCount = Top("wallet.deposit", "refunded").Count, RefundAmount = Money(Top("wallet.deposit", "refunded").Sum(e => e.Units)),
                PaymentMethodCount = Methods(inWindow).Count, PaymentMethods = Methods(inWindow),
            };

            List<RefEvent> Top(string type, string status) => tops.Where(e => e.Type == type && e.Status == status && inWindow(e.Time)).ToList();
        }

        DeclineReasons Declines(List<RefEvent> declined)
        {
            long N(string reason) => declined.Count(e => (e.Reason ?? "other") == reason);
            return new DeclineReasons(N(Reasons[0]), N(Reasons[1]), N(Reasons[2]), N(Reasons[3]), N(Reasons[4]), N(Reasons[5]));
        }

        // Methods of approved attempts, rolled back or not (like the activity marks).
        IReadOnlyList<string> Methods(Func<DateTimeOffset, bool> inWindow) =>
            PaymentMethodSets.Of(approvedAttempts.Where(e => inWindow(e.Time)).Aggregate(0, (m, e) => m | PaymentMethodSets.Bit(e.Method)));

        var whole = Totals(_ => true);
        var depositMethods = approvedAttempts.Where(e => e.Type == EventTypes.WalletDeposit && e.Method is not null).ToList();
        static DateTimeOffset? Min(IEnumerable<DateTimeOffset> ts) => ts.Any() ? ts.Min() : null;
        static DateTimeOffset? Max(IEnumerable<DateTimeOffset> ts) => ts.Any() ? ts.Max() : null;
        var lifetime = new LifetimeTotals(whole.DepositCount, whole.DepositAmount, whole.WithdrawalCount, whole.WithdrawalAmount,
            whole.BetCount, whole.StakeAmount, whole.WinAmount, whole.Ggr, whole.BonusStakeAmount, whole.BonusAmount,
            whole.SessionCount, whole.LoginCount, whole.ActiveDays,
            FirstDepositAt: Min(approvedAttempts.Where(e => e.Type == EventTypes.WalletDeposit).Select(e => e.Time)),
            LastDepositAt: Max(approvedAttempts.Where(e => e.Type == EventTypes.WalletDeposit).Select(e => e.Time)),
            LastBetAt: Max(bets.Select(e => e.Time)),
            LastActiveAt: Max(bets.Select(e => e.Time).Concat(approvedAttempts.Select(e => e.Time))
                .Concat(logins.Select(e => e.Time)).Concat(sessions.Select(e => e.End!.Value))))
        {
            DeclinedDepositCount = whole.DeclinedDepositCount, DeclinedDepositReasons = whole.DeclinedDepositReasons,
            ChargebackCount = whole.ChargebackCount, ChargebackAmount = whole.ChargebackAmount,
            ReversedDepositCount = whole.ReversedDepositCount, ReversedDepositAmount = whole.ReversedDepositAmount,
            ReversedWithdrawalCount = whole.ReversedWithdrawalCount, ReversedWithdrawalAmount = whole.ReversedWithdrawalAmount,
            RefundCount = whole.RefundCount, RefundAmount = whole.RefundAmount,
            PaymentMethodCount = whole.PaymentMethodCount, PaymentMethods = whole.PaymentMethods,
            // The earliest and latest approved deposit naming a method; equal times go to the greater name.
            FirstPaymentMethod = depositMethods.OrderBy(e => e.Time).ThenByDescending(e => e.Method, StringComparer.Ordinal).FirstOrDefault()?.Method,
            LastPaymentMethod = depositMethods.OrderByDescending(e => e.Time).ThenByDescending(e => e.Method, StringComparer.Ordinal).FirstOrDefault()?.Method,
        };

        var today = Day(now);
        var windows = WindowDays.ToDictionary(n => $"{n}d", n => Totals(t => Day(t) > today - n && Day(t) <= today), StringComparer.Ordinal);

        var games = bets.Select(e => e.Game!).Concat(sessions.Select(e => e.Game!)).Distinct(StringComparer.Ordinal)
            .ToDictionary(g => g, g => new GamePlay(g,
                countedBets.Count(e => e.Game == g),
                Money(countedBets.Where(e => e.Game == g).Sum(e => e.Units)),
                Max(bets.Where(e => e.Game == g).Select(e => e.Time).Concat(sessions.Where(e => e.Game == g).Select(e => e.End!.Value)))),
                StringComparer.Ordinal);
        return new Expected(lifetime, windows, games);
    }

    /// <summary>
    /// Where a profile read back from the store differs from the expected one, in words (null when it does not).
    /// <paramref name="games"/> are the fields of the player's per-game hash (<c>{gameId}:n</c>, <c>:s</c>, <c>:t</c>),
    /// compared whole because a profile lists only the top games.
    /// </summary>
    public static string? Difference(Expected expected, PlayerProfile? actual, IEnumerable<(string Field, string Value)> games)
    {
        if (actual is null) return expected.Games.Count == 0 && expected.Lifetime.BetCount == 0 ? null : "no profile";
        if (expected.Lifetime != actual.Lifetime) return $"lifetime: expected {expected.Lifetime}, got {actual.Lifetime}";
        foreach (var (window, totals) in expected.Windows)
        {
            if (totals != actual.Windows[window]) return $"window {window}: expected {totals}, got {actual.Windows[window]}";
        }
        var stored = new Dictionary<string, (long N, long S, long T)>(StringComparer.Ordinal);
        foreach (var (field, value) in games)
        {
            var colon = field.LastIndexOf(':');
            if (colon <= 0 || !long.TryParse(value, CultureInfo.InvariantCulture, out var v)) continue;
            var cur = stored.GetValueOrDefault(field[..colon]);
            stored[field[..colon]] = field[(colon + 1)..] switch
            {
                "n" => cur with { N = v },
                "s" => cur with { S = v },
                "t" => cur with { T = v },
                _ => cur,
            };
        }
        var plays = stored.ToDictionary(kv => kv.Key, kv => new GamePlay(kv.Key, kv.Value.N, Money(kv.Value.S),
            kv.Value.T > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(kv.Value.T) : null), StringComparer.Ordinal);
        foreach (var (game, play) in expected.Games)
        {
            if (!plays.TryGetValue(game, out var got) || got != play) return $"game {game}: expected {play}, got {(got is null ? "nothing" : got)}";
        }
        var extra = plays.Keys.Except(expected.Games.Keys, StringComparer.Ordinal).FirstOrDefault();
        return extra is null ? null : $"game {extra}: not expected, got {plays[extra]}";
    }
}
