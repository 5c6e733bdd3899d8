namespace Simulator.Delivery;

/// <summary>
/// How an operator's history reaches Ingestion. None of them stops at a limit of Ingestion's: every one folds to the
/// same profiles as the events in time order (within the 400-day retention, which these histories stay inside).
/// </summary>
public enum DeliveryMode
{
    /// <summary>Every player's events in time order, players interleaved.</summary>
    TimeOrdered,
    /// <summary>A per-player export: player after player, each one's events reordered over up to four weeks.</summary>
    PerPlayer,
    /// <summary>A per-table export: all payments, then all bets, then all wins, … each table in time order, over months.</summary>
    PerTable,
    /// <summary>Wins paid one to five days after their time (jackpots, provider settlements).</summary>
    LateWins,
    /// <summary>Rollbacks sent one to six weeks after their time (a provider's reconciliation).</summary>
    LateRollbacks,
    /// <summary>In time order, and the whole first week again a month later (a queue replayed after an outage): all duplicates.</summary>
    WeekReplay,
    /// <summary>In time order, then the whole history again (a second backfill): all duplicates.</summary>
    SecondBackfill,
}

/// <summary>The tables of an operator's export, in the order a per-table export sends them.</summary>
public enum EventTable
{
    Payments,
    Bets,
    Wins,
    Rollbacks,
    Sessions,
    Logins,
    Bonuses,
    Players,
}

/// <summary>One event to deliver: its place in the caller's list, its player, time and table.</summary>
public readonly record struct Deliverable(int Index, string Player, DateTimeOffset Time, EventTable Table);

public static class DeliveryModes
{
    /// <summary>The names the command lines take: time, per-player, per-table, late-wins, late-rollbacks, week-replay, second-backfill.</summary>
    public static readonly IReadOnlyDictionary<string, DeliveryMode> Names = new Dictionary<string, DeliveryMode>(StringComparer.Ordinal)
    {
        ["time"] = DeliveryMode.TimeOrdered,
        ["per-player"] = DeliveryMode.PerPlayer,
        ["per-table"] = DeliveryMode.PerTable,
        ["late-wins"] = DeliveryMode.LateWins,
        ["late-rollbacks"] = DeliveryMode.LateRollbacks,
        ["week-replay"] = DeliveryMode.WeekReplay,
        ["second-backfill"] = DeliveryMode.SecondBackfill,
    };

    public static string NameOf(DeliveryMode mode) => Names.First(n => n.Value == mode).Key;

    public static EventTable TableOf(string type) => type switch
    {
        "wallet.deposit" or "wallet.withdrawal" => EventTable.Payments,
        "wallet.bet" => EventTable.Bets,
        "wallet.win" => EventTable.Wins,
        "wallet.rollback" => EventTable.Rollbacks,
        "game.session" => EventTable.Sessions,
        "player.login" => EventTable.Logins,
        "bonus.granted" => EventTable.Bonuses,
        _ => EventTable.Players,
    };

    /// <summary>
    /// The order to send the events in, as indices into the caller's list; the modes that replay send some indices
    /// twice. Deterministic for a seed.
    /// </summary>
    public static List<int> Order(IReadOnlyList<Deliverable> events, DeliveryMode mode, int seed)
    {
        var rng = new Random(seed);
        var byTime = events.OrderBy(e => e.Time).ThenBy(e => e.Index).Select(e => e.Index).ToList();
        List<int> Delayed(EventTable table, double minDays, double maxDays) => events
            .Select(e => (e.Index, Key: e.Table == table ? e.Time.AddDays(minDays + rng.NextDouble() * (maxDays - minDays)) : e.Time))
            .OrderBy(e => e.Key).ThenBy(e => e.Index).Select(e => e.Index).ToList();
        switch (mode)
        {
            case DeliveryMode.TimeOrdered:
                return byTime;
            case DeliveryMode.PerPlayer:
                // Within a player, each event moves up to four weeks later: far beyond any local shuffle.
                return events.GroupBy(e => e.Player, StringComparer.Ordinal)
                    .SelectMany(g => g.Select(e => (e.Index, Key: e.Time.AddDays(rng.NextDouble() * 28))).OrderBy(e => e.Key).ThenBy(e => e.Index))
                    .Select(e => e.Index).ToList();
            case DeliveryMode.PerTable:
                return events.OrderBy(e => e.Table).ThenBy(e => e.Time).ThenBy(e => e.Index).Select(e => e.Index).ToList();
            case DeliveryMode.LateWins:
                return Delayed(EventTable.Wins, 1, 5);
            case DeliveryMode.LateRollbacks:
                return Delayed(EventTable.Rollbacks, 7, 42);
            case DeliveryMode.WeekReplay:
            {
                if (events.Count == 0) return byTime;
                var start = events.Min(e => e.Time);
                var week = events.Where(e => e.Time < start.AddDays(7)).Select(e => (e.Index, Key: e.Time.AddDays(30)));
                return events.Select(e => (e.Index, Key: e.Time)).Select(e => (e.Index, e.Key, Copy: 0))
                    .Concat(week.Select(e => (e.Index, e.Key, Copy: 1)))
                    .OrderBy(e => e.Key).ThenBy(e => e.Copy).ThenBy(e => e.Index).Select(e => e.Index).ToList();
            }
            case DeliveryMode.SecondBackfill:
                return [.. byTime, .. byTime];
            default:
                throw new ArgumentOutOfRangeException(nameof(mode), mode, null);
        }
    }
}
