using Shared.Contracts;
using Shared.Store;

namespace Ingestion.IntegrationTests;

/// <summary>
/// The profile semantics of CONTRACT.md written as plainly as possible over a SET of events, with no ledger,
/// no buckets and no Lua: the Redis fold must agree with it for any order, duplication and batching.
/// </summary>
public static class ReferenceFold
{
    public sealed record Expected(LifetimeTotals Lifetime, IReadOnlyDictionary<string, ActivityTotals> Windows, IReadOnlyDictionary<string, GamePlay> Games);

    private static long Units(decimal amount, decimal rate) => (long)decimal.Round(amount * rate * 10_000m, 0, MidpointRounding.AwayFromZero);
    private static long Day(DateTimeOffset t) => ProfileReader.DayOf(t);

    public static Expected Fold(IEnumerable<GenEvent> delivered, string player, DateTimeOffset now)
    {
        // The set: one event per source id (the generator gives each its own id).
        var events = delivered.Where(e => e.Player == player).DistinctBy(e => e.Id).ToList();
        var rolledBack = events.Where(e => e.Type == "wallet.rollback").Select(e => e.Ref!).ToHashSet();
        var bets = events.Where(e => e.Type == "wallet.bet").ToList();
        var wins = events.Where(e => e.Type == "wallet.win").ToList();
        var payments = events.Where(e => e.Type is "wallet.deposit" or "wallet.withdrawal").ToList();
        var rank = new Dictionary<string, int> { ["pending"] = 1, ["rejected"] = 2, ["approved"] = 3 };
        // A payment's state is its latest; at equal times approved > rejected > pending.
        var finalPayments = payments.GroupBy(e => e.Tx!)
            .Select(g => g.OrderByDescending(e => e.Time).ThenByDescending(e => rank[e.Status!]).First())
            .Where(e => e.Status == "approved" && !rolledBack.Contains(e.Tx!))
            .ToList();
        var countedBets = bets.Where(e => !rolledBack.Contains(e.Tx!)).ToList();
        var countedWins = wins.Where(e => !rolledBack.Contains(e.Tx!)).ToList();
        var logins = events.Where(e => e.Type == "player.login").ToList();
        var sessions = events.Where(e => e.Type == "game.session").ToList();
        var bonuses = events.Where(e => e.Type == "bonus.granted").ToList();
        var approvedAttempts = payments.Where(e => e.Status == "approved").ToList();

        // Activity marks record attempts, rolled back or not.
        var activeDays = bets.Select(e => Day(e.Time))
            .Concat(approvedAttempts.Select(e => Day(e.Time)))
            .Concat(logins.Select(e => Day(e.Time)))
            .Concat(sessions.Select(e => Day(e.Time)))
            .ToHashSet();

        ActivityTotals Totals(Func<DateTimeOffset, bool> inWindow)
        {
            var dep = finalPayments.Where(e => e.Type == "wallet.deposit" && inWindow(e.Time)).ToList();
            var wd = finalPayments.Where(e => e.Type == "wallet.withdrawal" && inWindow(e.Time)).ToList();
            var b = countedBets.Where(e => inWindow(e.Time)).ToList();
            var w = countedWins.Where(e => inWindow(e.Time)).ToList();
            var stake = b.Sum(e => Units(e.Amount, e.Rate));
            var win = w.Sum(e => Units(e.Amount, e.Rate));
            return new ActivityTotals(
                dep.Count, ProfileReader.Money(dep.Sum(e => Units(e.Amount, e.Rate))),
                wd.Count, ProfileReader.Money(wd.Sum(e => Units(e.Amount, e.Rate))),
                b.Count, ProfileReader.Money(stake), ProfileReader.Money(win), ProfileReader.Money(stake - win),
                ProfileReader.Money(b.Sum(e => Units(e.Bonus, e.Rate))),
                ProfileReader.Money(bonuses.Where(e => inWindow(e.Time)).Sum(e => Units(e.Amount, 1))),
                sessions.Count(e => inWindow(e.Time)), logins.Count(e => inWindow(e.Time)),
                activeDays.Count(d => inWindow(DateTimeOffset.FromUnixTimeSeconds(d * 86_400))));
        }

        var all = Totals(_ => true);
        DateTimeOffset? Min(IEnumerable<DateTimeOffset> ts) => ts.Any() ? ts.Min() : null;
        DateTimeOffset? Max(IEnumerable<DateTimeOffset> ts) => ts.Any() ? ts.Max() : null;
        var lifetime = new LifetimeTotals(all.DepositCount, all.DepositAmount, all.WithdrawalCount, all.WithdrawalAmount,
            all.BetCount, all.StakeAmount, all.WinAmount, all.Ggr, all.BonusStakeAmount, all.BonusAmount,
            all.SessionCount, all.LoginCount, all.ActiveDays,
            FirstDepositAt: Min(approvedAttempts.Where(e => e.Type == "wallet.deposit").Select(e => e.Time)),
            LastDepositAt: Max(approvedAttempts.Where(e => e.Type == "wallet.deposit").Select(e => e.Time)),
            LastBetAt: Max(bets.Select(e => e.Time)),
            LastActiveAt: Max(bets.Select(e => e.Time).Concat(approvedAttempts.Select(e => e.Time))
                .Concat(logins.Select(e => e.Time)).Concat(sessions.Select(e => e.End!.Value))));

        var today = Day(now);
        var windows = ProfileReader.WindowDays.ToDictionary(n => $"{n}d", n => Totals(t => Day(t) > today - n && Day(t) <= today));

        var games = bets.Select(e => e.Game!).Concat(sessions.Select(e => e.Game!)).Distinct()
            .ToDictionary(g => g, g => new GamePlay(g,
                countedBets.Count(e => e.Game == g),
                ProfileReader.Money(countedBets.Where(e => e.Game == g).Sum(e => Units(e.Amount, e.Rate))),
                Max(bets.Where(e => e.Game == g).Select(e => e.Time).Concat(sessions.Where(e => e.Game == g).Select(e => e.End!.Value)))));
        return new Expected(lifetime, windows, games);
    }
}
