using System.Globalization;
using Shared.Contracts;
using Shared.Store;
using Simulator;
using Simulator.Population;
using StackExchange.Redis;

namespace Intelligence.Benchmarks;

/// <summary>
/// Writes a simulated casino of any size straight into the store layout the fold keeps (profile, day buckets, game
/// play), folding each player's activities in memory: months of history for 100,000 players in minutes, where
/// going through the event API would take an hour. Rollbacks are left out; everything else counts as the fold counts it:
/// a payment where its top state says (declines by reason, chargebacks, reversals; pending and cancelled nowhere), the
/// payment methods of approved payments, and the KYC, AML and geo verdicts by time.
/// </summary>
internal static class SimulatedStore
{
    /// <param name="scores">Also write each player's <c>s:{id}</c> score fields, made up from their history (see <see cref="StandInScores"/>),
    /// for benchmarks that need scores on a million players without training and rescoring them all.</param>
    /// <param name="end">Where the history ends (default: today's midnight UTC).</param>
    public static async Task<(int Players, long Activities)> WriteAsync(IConnectionMultiplexer redis, StoreKeys keys, int players, int days, int seed, Action<int> progress,
        bool scores = false, DateTimeOffset? end = null)
    {
        var world = World.Create(seed, players, days, end ?? new DateTimeOffset(DateTime.UtcNow.Date, TimeSpan.Zero));
        var db = redis.GetDatabase();
        await db.HashSetAsync(keys.Catalog, [.. world.Games.Select(g => new HashEntry(g.Id, System.Text.Json.JsonSerializer.Serialize(g, ContractsJsonContext.Default.Game)))]);
        long activities = 0;
        var done = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, players), new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, async (i, _) =>
        {
            var f = Fold(world, i);
            Interlocked.Add(ref activities, f.Activities);
            var id = f.PlayerId;
            var batch = db.CreateBatch();
            var writes = new List<Task>
            {
                batch.HashSetAsync(keys.Profile(id), f.Profile),
                batch.SetAddAsync(keys.Players, id),
            };
            if (f.Days.Length > 0) writes.Add(batch.HashSetAsync(keys.Days(id), f.Days));
            if (scores) writes.Add(batch.HashSetAsync(keys.Scores(id), StandInScores(world.End, f.LastActive, f.FirstDeposit, f.DepositUnits, f.Archetype)));
            if (f.Games.Length > 0) writes.Add(batch.HashSetAsync(keys.Games(id), f.Games));
            batch.Execute();
            await Task.WhenAll(writes);
            var n = Interlocked.Increment(ref done);
            if (n % 5000 == 0) progress(n);
        });
        return (players, activities);
    }

    /// <summary>One simulated player folded as the store holds them: profile, day buckets and game play hash fields.</summary>
    public sealed record FoldedPlayer(string PlayerId, string Archetype, HashEntry[] Profile, HashEntry[] Days, HashEntry[] Games, long Activities,
        long? LastActive, long? FirstDeposit, long DepositUnits);

    /// <summary>Player <paramref name="i"/> of the world, simulated to its end and folded in memory (rollbacks left out).</summary>
    public static FoldedPlayer Fold(World world, int i)
    {
        long activities = 0;
        var sim = world.Simulate(i, 0);
        var p = sim.Player;
        var daysOf = new SortedDictionary<long, long[]>();
        var games = new Dictionary<string, (long N, long S, long T)>(StringComparer.Ordinal);
        long? firstDeposit = null, lastActive = null;
        var profile = new List<HashEntry>
        {
            new("reg", p.RegisteredAt.ToUnixTimeMilliseconds()), new("cty", p.Country), new("mkt", p.Country), new("cur", p.Currency),
            new("by", p.BirthYear), new("chn", p.Channel),
        };
        if (p.AffiliateId is not null) profile.Add(new("aff", p.AffiliateId));
        if (p.Campaign is not null) profile.Add(new("cmp", p.Campaign));
        long? lastBet = null, lastDeposit = null;
        long deposits = 0;
        long Units(decimal amount) => (long)Math.Round(amount * p.ExchangeRate * 10_000m);
        long[] Day(DateTimeOffset t)
        {
            var day = ProfileReader.DayOf(t);
            if (!daysOf.TryGetValue(day, out var v)) daysOf[day] = v = new long[Bucket.Length];
            return v;
        }
        var kept = sim.Activities.Where(a => a.Time < world.End).ToList();
        activities = kept.Count;
        foreach (var a in kept)
        {
            var ms = a.Time.ToUnixTimeMilliseconds();
            // Payments count by their top state below; the checks' verdicts are not the player's activity.
            if (a.Kind is ActivityKind.Deposit or ActivityKind.Withdrawal or ActivityKind.Kyc or ActivityKind.Aml or ActivityKind.Geo) continue;
            var v = Day(a.Time);
            switch (a.Kind)
            {
                case ActivityKind.Bet when !a.RolledBack:
                    v[4]++; v[5] += Units(a.Amount); v[7] += Units(a.BonusAmount ?? 0);
                    var g = games.GetValueOrDefault(a.GameId!);
                    games[a.GameId!] = (g.N + 1, g.S + Units(a.Amount), Math.Max(g.T, ms));
                    lastBet = Math.Max(lastBet ?? 0, ms);
                    break;
                case ActivityKind.Win:
                    v[6] += Units(a.Amount);
                    break;
                case ActivityKind.Bonus:
                    v[8] += Units(a.Amount);
                    break;
                case ActivityKind.Session: v[9]++; break;
                case ActivityKind.Login: v[10]++; break;
                case ActivityKind.Consent:
                    profile.RemoveAll(e => e.Name == "c:" + a.Text);
                    profile.Add(new("c:" + a.Text, a.Flag ? "1" : "0"));
                    break;
                case ActivityKind.Rg when a.Text == "self_exclusion":
                    profile.Add(new("se", a.Until!.Value.ToUnixTimeMilliseconds()));
                    profile.Add(new("@se", ms));
                    break;
                case ActivityKind.Rg when a.Text == "deposit_limit":
                    profile.Add(new("dl", $"{Units(a.Amount).ToString(CultureInfo.InvariantCulture)}|month"));
                    profile.Add(new("@dl", ms));
                    break;
            }
            v[Bucket.Active] = 1;
            lastActive = Math.Max(lastActive ?? 0, ms);
        }

        // A payment is one transaction through states (contract 1b): it counts where its top state says, with that state's
        // amount and day; every approved attempt marks its day active, adds its method and moves the deposit times.
        (long At, string Method)? firstMethod = null, lastMethod = null;
        foreach (var payment in kept.Where(a => a.Kind is ActivityKind.Deposit or ActivityKind.Withdrawal).GroupBy(a => a.Id, StringComparer.Ordinal))
        {
            foreach (var a in payment.Where(a => a.Status == "approved"))
            {
                var ms = a.Time.ToUnixTimeMilliseconds();
                var v = Day(a.Time);
                v[Bucket.Active] = 1;
                v[Bucket.PaymentMethods] |= (long)PaymentMethodSets.Bit(a.Text);
                lastActive = Math.Max(lastActive ?? 0, ms);
                if (a.Kind != ActivityKind.Deposit) continue;
                firstDeposit = Math.Min(firstDeposit ?? long.MaxValue, ms);
                lastDeposit = Math.Max(lastDeposit ?? 0, ms);
                if (a.Text is { } m)
                {
                    if (firstMethod is not { } f || ms < f.At) firstMethod = (ms, m);
                    if (lastMethod is not { } l || ms > l.At) lastMethod = (ms, m);
                }
            }
            var top = payment.OrderByDescending(a => StatusRank(a.Status)).ThenBy(a => Array.IndexOf(Statuses, a.Status)).First();
            var at = Day(top.Time);
            var units = Units(top.Amount);
            var deposit = top.Kind == ActivityKind.Deposit;
            switch (top.Status)
            {
                case "approved" when deposit: at[0]++; at[1] += units; deposits += units; break;
                case "approved": at[2]++; at[3] += units; break;
                case "rejected" when deposit && Array.IndexOf(DeclineReasons, top.DeclineReason) is var r and >= 0: at[12 + r]++; break;
                case "chargeback" when deposit: at[18]++; at[19] += units; break;
                case "reversed" when deposit: at[20]++; at[21] += units; break;
                case "reversed": at[22]++; at[23] += units; break;
                case "refunded" when deposit: at[24]++; at[25] += units; break;
            }
        }
        if (firstMethod is { } first) profile.AddRange([new("fm", first.Method), new("@fm", first.At)]);
        if (lastMethod is { } last) profile.AddRange([new("lm", last.Method), new("@lm", last.At)]);
        profile.AddRange(Verdict("kyc", kept.Where(a => a.Kind is ActivityKind.Kyc || (a.Kind == ActivityKind.Updated && a.Text is not null)), KycRank,
            a => a.Kind == ActivityKind.Kyc ? $"{a.Provider}|{CashierAndChecks.KycLevel}|{(a.Final == true ? 1 : 0)}|{Reasons(a)}" : null));
        profile.AddRange(Verdict("aml", kept.Where(a => a.Kind == ActivityKind.Aml), AmlRank, a => $"{a.Provider}|{Reasons(a)}"));
        profile.AddRange(Verdict("geo", kept.Where(a => a.Kind == ActivityKind.Geo), GeoRank, a => $"{p.Country}||{Reasons(a)}"));
        // Lifetime counters as the fold holds them once it has compacted the days into the profile.
        string[] counters = ["dc", "da", "wc", "wa", "bc", "sa", "wn", "bs", "bo", "sc", "lc"];
        for (var c = 0; c < counters.Length; c++) profile.Add(new(counters[c], daysOf.Values.Sum(d => d[c])));
        profile.Add(new("ad", daysOf.Values.Count(d => d[Bucket.Active] > 0)));
        if (firstDeposit is { } fd) profile.Add(new("fd", fd));
        if (lastActive is { } la) profile.Add(new("la", la));
        if (lastBet is { } lb) profile.Add(new("lb", lb));
        if (lastDeposit is { } ld) profile.Add(new("ld", ld));
        return new FoldedPlayer(p.Id, p.Archetype.Name, [.. profile],
            [.. daysOf.Select(d => new HashEntry(d.Key, string.Join(' ', d.Value.Select(x => x.ToString(CultureInfo.InvariantCulture)))))],
            [.. games.SelectMany(g => new HashEntry[] { new(g.Key + ":n", g.Value.N), new(g.Key + ":s", g.Value.S), new(g.Key + ":t", g.Value.T) })],
            activities, lastActive, firstDeposit, deposits);
    }

    // Payment states by rank and, among equals, in this order (fold.lua's RANK and STATUS); decline reasons as the day bucket orders them.
    private static readonly string[] Statuses = ["pending", "rejected", "cancelled", "approved", "chargeback", "reversed", "refunded"];
    private static readonly string[] DeclineReasons = ["insufficient_funds", "limit_exceeded", "suspected_fraud", "authentication_failed", "expired_or_invalid", "other"];
    private static readonly Dictionary<string, int> KycRank = new(StringComparer.Ordinal) { ["none"] = 0, ["verified"] = 1, ["pending"] = 2, ["retry"] = 3, ["rejected"] = 4 };
    private static readonly Dictionary<string, int> AmlRank = new(StringComparer.Ordinal) { ["low"] = 1, ["medium"] = 2, ["high"] = 3 };
    private static readonly Dictionary<string, int> GeoRank = new(StringComparer.Ordinal) { ["allowed"] = 1, ["error"] = 2, ["blocked"] = 3 };

    private static int StatusRank(string status) => status switch
    {
        "pending" => 1, "rejected" or "cancelled" => 2, "approved" => 3, _ => 4,
    };

    private static string Reasons(Activity a) => a.Reasons is null ? "" : string.Join(',', a.Reasons);

    /// <summary>
    /// A verdict's fields as the fold keeps them: the latest status with its time (a tie to the stricter), and the latest
    /// details (<c>kycx</c> …: rank digit, status, '|', details) of the verdicts that carry some.
    /// </summary>
    private static IEnumerable<HashEntry> Verdict(string field, IEnumerable<Activity> verdicts, Dictionary<string, int> rank, Func<Activity, string?> details)
    {
        Activity? Latest(IEnumerable<Activity> xs) => xs.OrderByDescending(a => a.Time).ThenByDescending(a => rank.GetValueOrDefault(a.Text!)).FirstOrDefault();
        var list = verdicts.ToList();
        if (Latest(list) is not { } status) yield break;
        yield return new(field, status.Text);
        yield return new("@" + field, status.Time.ToUnixTimeMilliseconds());
        if (Latest(list.Where(a => details(a) is not null)) is { } x)
        {
            yield return new(field + "x", $"{rank.GetValueOrDefault(x.Text!)}{x.Text}|{details(x)}");
            yield return new("@" + field + "x", x.Time.ToUnixTimeMilliseconds());
        }
    }

    /// <summary>
    /// Score fields made up from a player's history (churn rises with days since the last activity, VIP potential with
    /// deposits in base currency), NOT the models' output: enough for score rules to select realistic shares of a
    /// million players without training and rescoring them all.
    /// </summary>
    private static HashEntry[] StandInScores(DateTimeOffset end, long? lastActive, long? firstDeposit, long depositUnits, string archetype)
    {
        var idle = lastActive is { } la ? (end.ToUnixTimeMilliseconds() - la) / 86_400_000d : 365;
        var churn = Math.Round(1 / (1 + Math.Exp(-(idle - 10) / 4)), 4);
        var vip = firstDeposit is null ? 0 : Math.Round(1 - Math.Exp(-depositUnits / 10_000d / 5_000), 4);
        string Band(double p, double medium, double high) => p >= high ? "high" : p >= medium ? "medium" : "low";
        return
        [
            new("churn", churn.ToString("R", CultureInfo.InvariantCulture)), new("cb", idle > 30 ? "lapsed" : Band(churn, 0.3, 0.6)),
            new("vip", vip.ToString("R", CultureInfo.InvariantCulture)), new("vb", firstDeposit is null ? "none" : Band(vip, 0.15, 0.4)),
            new("seg", "seg-" + archetype), new("at", end.ToUnixTimeMilliseconds()),
        ];
    }
}
