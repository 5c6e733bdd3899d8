using System.Globalization;
using System.Text;

namespace Ingestion.Benchmarks;

/// <summary>One event of a generated history: its player, type, time and canonical JSON.</summary>
public sealed record HistoryEvent(string Player, string Type, DateTimeOffset Time, string Json);

/// <summary>
/// Months of deterministic history for two kinds of player: typical (about 250 events over 5 months) and heavy (about
/// 10,000 events over a year). A player comes online in sessions on random days: a login, sometimes a deposit (a few
/// pending first, then approved, under one transaction; a few declined), rounds of a bet and its win (most wins
/// nothing; a bet now and then rolled back), now and then a withdrawal or a bonus, then the game session's record.
/// </summary>
public static class PlayerHistories
{
    public static readonly DateTimeOffset End = new(2026, 11, 30, 0, 0, 0, TimeSpan.Zero);

    public sealed record Kind(string Prefix, int Events, int Days, int RoundsPerSession, int Games, double MinBet, double MaxBet);

    public static readonly Kind Typical = new("t", 250, 150, 5, 4, 0.1, 20);
    public static readonly Kind Heavy = new("h", 10_000, 365, 20, 25, 0.5, 200);

    private static readonly string[] Providers = ["pragmatic", "netent", "evolution", "playngo", "hacksaw", "nolimit", "relax", "push"];

    public static string PlayerId(Kind kind, int index) => $"{kind.Prefix}-{index.ToString("D6", CultureInfo.InvariantCulture)}";

    public static List<HistoryEvent> Generate(int seed, int typical, int heavy)
    {
        var all = new List<HistoryEvent>(typical * Typical.Events + heavy * Heavy.Events);
        for (var i = 0; i < typical; i++) all.AddRange(Player(Typical, i, new Random(Simulator.Seeds.Mix(seed, i, 1))));
        for (var i = 0; i < heavy; i++) all.AddRange(Player(Heavy, i, new Random(Simulator.Seeds.Mix(seed, i, 2))));
        return all;
    }

    private static List<HistoryEvent> Player(Kind kind, int index, Random rng)
    {
        var player = PlayerId(kind, index);
        var events = new List<HistoryEvent>(kind.Events + 40);
        var games = Enumerable.Range(0, kind.Games).Select(_ => $"{Providers[rng.Next(Providers.Length)]}-{rng.Next(400)}").Distinct().ToArray();
        var n = 0;
        void Add(string source, string type, DateTimeOffset time, string data)
        {
            var json = string.Create(CultureInfo.InvariantCulture,
                $$"""{"specversion":"1.0","id":"{{player}}-{{n++}}","source":"{{source}}","type":"{{type}}","time":"{{Time(time)}}","subject":"{{player}}","data":{{data}}}""");
            events.Add(new HistoryEvent(player, type, time, json));
        }
        string Money(double min, double max) => Math.Round(min + rng.NextDouble() * (max - min), 2).ToString("0.00", CultureInfo.InvariantCulture);

        var perSession = 2 * kind.RoundsPerSession + 3;
        var sessions = Math.Max(1, kind.Events / perSession);
        var starts = Enumerable.Range(0, sessions)
            .Select(_ => End.AddDays(-kind.Days).AddSeconds(rng.NextDouble() * (kind.Days * 86_400.0 - 7_200)))
            .Order().ToList();
        Add("/pam", "player.registered", starts[0].AddMinutes(-5),
            """{"country":"MT","currency":"EUR","channel":"web","affiliateId":"aff-7"}""");
        foreach (var start in starts)
        {
            var t = start;
            Add("/pam", "player.login", t, """{"device":"mobile"}""");
            if (rng.NextDouble() < 0.3)
            {
                var tx = $"dep-{player}-{n}";
                var amount = Money(10, 300);
                var roll = rng.NextDouble();
                if (roll < 0.1) Add("/payments", "wallet.deposit", t.AddSeconds(5), Payment(tx, amount, "pending"));
                Add("/payments", "wallet.deposit", t.AddSeconds(90), Payment(tx, amount, roll < 0.13 && roll >= 0.1 ? "rejected" : "approved"));
            }
            var game = games[rng.Next(games.Length)];
            var rounds = Math.Max(1, kind.RoundsPerSession + rng.Next(-2, 3));
            for (var r = 0; r < rounds; r++)
            {
                t = t.AddSeconds(20 + rng.Next(40));
                var tx = $"tx-{player}-{n}";
                var amount = Money(kind.MinBet, kind.MaxBet);
                var bonus = rng.Next(10) == 0 ? $",\"bonusAmount\":{amount}" : "";
                Add("/wallet", "wallet.bet", t,
                    $$"""{"transactionId":"{{tx}}","roundId":"r-{{tx}}","gameId":"{{game}}","amount":{{amount}},"currency":"EUR"{{bonus}}}""");
                var win = rng.Next(10) < 6 ? "0" : Money(kind.MinBet, kind.MaxBet * 3);
                Add("/wallet", "wallet.win", t.AddSeconds(4),
                    $$"""{"transactionId":"w{{tx}}","roundId":"r-{{tx}}","gameId":"{{game}}","amount":{{win}},"currency":"EUR","roundClosed":true}""");
                if (rng.Next(100) == 0)
                {
                    Add("/wallet", "wallet.rollback", t.AddSeconds(8), $$"""{"transactionId":"rb-{{tx}}","referenceTransactionId":"{{tx}}"}""");
                }
            }
            if (rng.Next(20) == 0) Add("/payments", "wallet.withdrawal", t.AddSeconds(30), Payment($"wd-{player}-{n}", Money(20, 500), "approved"));
            if (rng.Next(30) == 0) Add("/crm", "bonus.granted", t.AddSeconds(40), $$"""{"bonusId":"bo-{{player}}-{{n}}","amount":{{Money(5, 50)}},"currency":"EUR"}""");
            Add("/games", "game.session", t.AddSeconds(60),
                $$"""{"gameId":"{{game}}","startedAt":"{{Time(start)}}","endedAt":"{{Time(t.AddSeconds(60))}}","device":"mobile"}""");
        }
        return events;
    }

    private static string Payment(string tx, string amount, string status) =>
        $$"""{"transactionId":"{{tx}}","amount":{{amount}},"currency":"EUR","status":"{{status}}","method":"card"}""";

    private static string Time(DateTimeOffset t) => t.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>Events as NDJSON request bodies of <paramref name="size"/> lines, in the given order.</summary>
    public static byte[][] Batches(IReadOnlyList<HistoryEvent> events, IReadOnlyList<int> order, int size)
    {
        var batches = new byte[(order.Count + size - 1) / size][];
        var sb = new StringBuilder(size * 340);
        for (var b = 0; b < batches.Length; b++)
        {
            sb.Clear();
            for (var i = b * size; i < Math.Min(order.Count, (b + 1) * size); i++) sb.Append(events[order[i]].Json).Append('\n');
            batches[b] = Encoding.UTF8.GetBytes(sb.ToString());
        }
        return batches;
    }
}
