using System.Text.Json;
using Shared.Contracts;

namespace Simulator.Reference;

/// <summary>
/// The affiliate report's figures (README "Affiliates"), written as plainly as possible over the SET of delivered
/// canonical events: every player's figures of every UTC day go to the affiliate of the player's registration (the
/// latest by event time, equal times to the greater id), whatever order anything arrived in. Amounts in 1/10,000 of
/// the base currency; the metrics in <c>Shared.Store.AffiliateFigures</c>' order.
/// </summary>
public static class ReferenceAffiliates
{
    public const int Metrics = 11;

    /// <summary>Per (affiliate, player, UTC day): the eleven metrics; only rows with a non-zero metric.</summary>
    public static Dictionary<(string Affiliate, string Player, long Day), long[]> Fold(IEnumerable<string> deliveredJson)
    {
        var events = new List<(RefEvent Event, JsonElement Data)>();
        foreach (var json in deliveredJson)
        {
            using var doc = JsonDocument.Parse(json);
            events.Add((RefEvent.Parse(json), doc.RootElement.GetProperty("data").Clone()));
        }
        var rows = new Dictionary<(string, string, long), long[]>();
        foreach (var player in events.GroupBy(e => e.Event.Player, StringComparer.Ordinal))
        {
            var all = player.ToList();
            var registrations = all.Where(e => e.Event.Type == EventTypes.PlayerRegistered).DistinctBy(e => (e.Event.Source, e.Event.Id)).ToList();
            string? affiliate = registrations
                .Select(e => (e.Event.Time, Affiliate: e.Data.TryGetProperty("affiliateId", out var a) ? a.GetString() : null))
                .Where(r => !string.IsNullOrEmpty(r.Affiliate))
                .OrderByDescending(r => r.Time).ThenByDescending(r => r.Affiliate, StringComparer.Ordinal)
                .Select(r => r.Affiliate).FirstOrDefault();
            if (affiliate is null) continue;

            long[] At(long day)
            {
                if (!rows.TryGetValue((affiliate, player.Key, day), out var v)) rows[(affiliate, player.Key, day)] = v = new long[Metrics];
                return v;
            }

            DateTimeOffset? registered = registrations.Count == 0 ? null : registrations.Min(e => e.Event.Time);
            if (registered is { } r)
            {
                At(Day(r))[0]++;
                var selfExcluded = all.Any(e => e.Event.Type == EventTypes.PlayerRg && e.Data.GetProperty("kind").GetString() == "self_exclusion");
                if (selfExcluded) At(Day(r))[10]++;
            }

            var wallet = all.Select(e => e.Event).ToList();
            var payments = wallet.Where(e => e.Type is EventTypes.WalletDeposit or EventTypes.WalletWithdrawal).DistinctBy(e => (e.Tx, e.Status)).ToList();
            var rolledBack = wallet.Where(e => e.Type == EventTypes.WalletRollback).Select(e => e.Ref!).ToHashSet(StringComparer.Ordinal);
            // The first approved deposit (an attempt, as the profile's firstDepositAt): equal times go to the greater amount.
            var first = payments.Where(e => e.Type == EventTypes.WalletDeposit && e.Status == "approved")
                .OrderBy(e => e.Time).ThenByDescending(e => e.Units).FirstOrDefault();
            if (first is not null)
            {
                At(Day(first.Time))[1]++;
                At(Day(first.Time))[2] += first.Units;
            }
            var tops = payments.Where(e => e.Type == EventTypes.WalletDeposit).GroupBy(e => e.Tx!)
                .Select(g => g.OrderByDescending(e => Rank(e.Status!)).ThenBy(e => Array.IndexOf(Statuses, e.Status)).First())
                .Where(e => !rolledBack.Contains(e.Tx!));
            foreach (var top in tops)
            {
                if (top.Status == "approved") { At(Day(top.Time))[3]++; At(Day(top.Time))[4] += top.Units; }
                if (top.Status == "chargeback") { At(Day(top.Time))[8]++; At(Day(top.Time))[9] += top.Units; }
            }
            foreach (var bet in wallet.Where(e => e.Type == EventTypes.WalletBet).DistinctBy(e => e.Tx).Where(e => !rolledBack.Contains(e.Tx!)))
            {
                At(Day(bet.Time))[5] += bet.Units;
            }
            foreach (var win in wallet.Where(e => e.Type == EventTypes.WalletWin).DistinctBy(e => e.Tx).Where(e => !rolledBack.Contains(e.Tx!)))
            {
                At(Day(win.Time))[6] += win.Units;
            }
            foreach (var bonus in wallet.Where(e => e.Type == EventTypes.BonusGranted).DistinctBy(e => (e.Source, e.Id)).DistinctBy(e => e.Tx))
            {
                At(Day(bonus.Time))[7] += bonus.Units;
            }
        }
        foreach (var key in rows.Where(kv => kv.Value.All(x => x == 0)).Select(kv => kv.Key).ToList()) rows.Remove(key);
        return rows;
    }

    /// <summary>Per (affiliate, UTC day), summed over players.</summary>
    public static Dictionary<(string Affiliate, long Day), long[]> ByAffiliateDay(Dictionary<(string Affiliate, string Player, long Day), long[]> rows)
    {
        var sums = new Dictionary<(string, long), long[]>();
        foreach (var ((affiliate, _, day), v) in rows)
        {
            if (!sums.TryGetValue((affiliate, day), out var s)) sums[(affiliate, day)] = s = new long[Metrics];
            for (var i = 0; i < Metrics; i++) s[i] += v[i];
        }
        return sums;
    }

    private static readonly string[] Statuses = ["pending", "rejected", "cancelled", "approved", "chargeback", "reversed", "refunded"];

    private static int Rank(string status) => status switch
    {
        "pending" => 1,
        "rejected" or "cancelled" => 2,
        "approved" => 3,
        _ => 4,
    };

    private static long Day(DateTimeOffset t) => (long)Math.Floor(t.ToUnixTimeSeconds() / 86_400d);
}
