using System.Globalization;
using Shared.Contracts;
using StackExchange.Redis;

namespace Shared.Store;

/// <summary>
/// Reads a player's profile as Ingestion's fold script wrote it (see Ingestion/Profiles/fold.lua for the layout)
/// and computes the rolling windows from the day buckets at read time, so windows roll without reprocessing.
/// </summary>
public sealed class ProfileReader(IConnectionMultiplexer redis, StoreKeys keys, TimeProvider clock)
{
    public const int TopGames = 20;
    public static readonly IReadOnlyList<int> WindowDays = [1, 7, 30, 90];

    /// <summary>The profile, or null when nothing is held about the player.</summary>
    public async Task<PlayerProfile?> ReadAsync(string playerId, Func<string, Game?> catalog)
    {
        var db = redis.GetDatabase();
        var batch = db.CreateBatch();
        var p = batch.HashGetAllAsync(keys.Profile(playerId));
        var d = batch.HashGetAllAsync(keys.Days(playerId));
        var g = batch.HashGetAllAsync(keys.Games(playerId));
        batch.Execute();
        await Task.WhenAll(p, d, g);
        return Decode(playerId, p.Result, d.Result, g.Result, catalog, clock.GetUtcNow());
    }

    public static PlayerProfile? Decode(string playerId, HashEntry[] profile, HashEntry[] days, HashEntry[] games,
        Func<string, Game?> catalog, DateTimeOffset now)
    {
        if (profile.Length == 0 && days.Length == 0 && games.Length == 0) return null;
        var f = profile.ToDictionary(e => e.Name.ToString(), e => e.Value.ToString(), StringComparer.Ordinal);
        string? S(string k) => f.TryGetValue(k, out var v) && v.Length > 0 ? v : null;
        long L(string k) => f.TryGetValue(k, out var v) && long.TryParse(v, CultureInfo.InvariantCulture, out var n) ? n : 0;
        DateTimeOffset? T(string k) => f.ContainsKey(k) ? DateTimeOffset.FromUnixTimeMilliseconds(L(k)) : null;

        var consents = new SortedDictionary<string, bool>(StringComparer.Ordinal);
        foreach (var (k, v) in f)
        {
            if (k.StartsWith(ProfileFields.ConsentPrefix, StringComparison.Ordinal)) consents[k[ProfileFields.ConsentPrefix.Length..]] = v == "1";
        }

        var today = DayOf(now);
        var buckets = Bucket.ByDay(days).Select(kv => (Day: kv.Key, Values: kv.Value)).ToList();
        var windows = new Dictionary<string, ActivityTotals>(StringComparer.Ordinal);
        foreach (var n in WindowDays)
        {
            var sum = Bucket.Sum(buckets.Where(b => b.Day > today - n && b.Day <= today).Select(b => b.Values));
            windows[$"{n}d"] = sum.ToTotals();
        }

        // Lifetime = the profile's counters (days already compacted) + the days' open 'day:position' fields.
        var open = Bucket.OpenFields(days).V;
        long C(string counter) => L(counter) + open[ProfileFields.PositionOf(counter) - 1];
        var lifetime = new LifetimeTotals(
            DepositCount: C(ProfileFields.DepositCount), DepositAmount: Money(C(ProfileFields.DepositAmount)),
            WithdrawalCount: C(ProfileFields.WithdrawalCount), WithdrawalAmount: Money(C(ProfileFields.WithdrawalAmount)),
            BetCount: C(ProfileFields.BetCount), StakeAmount: Money(C(ProfileFields.StakeAmount)),
            WinAmount: Money(C(ProfileFields.WinAmount)), Ggr: Money(C(ProfileFields.StakeAmount) - C(ProfileFields.WinAmount)),
            BonusStakeAmount: Money(C(ProfileFields.BonusStakeAmount)), BonusAmount: Money(C(ProfileFields.BonusAmount)),
            SessionCount: C(ProfileFields.SessionCount), LoginCount: C(ProfileFields.LoginCount), ActiveDays: (int)L(ProfileFields.ActiveDays),
            FirstDepositAt: T(ProfileFields.FirstDepositAt), LastDepositAt: T(ProfileFields.LastDepositAt),
            LastBetAt: T(ProfileFields.LastBetAt), LastActiveAt: T(ProfileFields.LastActiveAt));
        var reasons = new DeclineReasons(
            C(ProfileFields.DeclinedInsufficientFunds), C(ProfileFields.DeclinedLimitExceeded), C(ProfileFields.DeclinedSuspectedFraud),
            C(ProfileFields.DeclinedAuthenticationFailed), C(ProfileFields.DeclinedExpiredOrInvalid), C(ProfileFields.DeclinedOther));
        var methods = PaymentMethodSets.Of(L(ProfileFields.PaymentMethodMask));
        lifetime = lifetime with
        {
            DeclinedDepositCount = reasons.Total, DeclinedDepositReasons = reasons,
            ChargebackCount = C(ProfileFields.ChargebackCount), ChargebackAmount = Money(C(ProfileFields.ChargebackAmount)),
            ReversedDepositCount = C(ProfileFields.ReversedDepositCount), ReversedDepositAmount = Money(C(ProfileFields.ReversedDepositAmount)),
            ReversedWithdrawalCount = C(ProfileFields.ReversedWithdrawalCount), ReversedWithdrawalAmount = Money(C(ProfileFields.ReversedWithdrawalAmount)),
            RefundCount = C(ProfileFields.RefundCount), RefundAmount = Money(C(ProfileFields.RefundAmount)),
            PaymentMethodCount = methods.Count, PaymentMethods = methods,
            FirstPaymentMethod = S(ProfileFields.FirstPaymentMethod), LastPaymentMethod = S(ProfileFields.LastPaymentMethod),
        };

        var lifted = L(ProfileFields.RestrictionsLiftedAt);
        DateTimeOffset? Restriction(string field)
        {
            var v = S(field);
            if (v is null || L(ProfileFields.StampOf(field)) <= lifted) return null;
            return v == "inf" ? Indefinitely : DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(v, CultureInfo.InvariantCulture));
        }
        var blockedUntil = Restriction(ProfileFields.BlockedUntil);
        DepositLimit? limit = null;
        if (S(ProfileFields.DepositLimit) is { } dl && L(ProfileFields.StampOf(ProfileFields.DepositLimit)) > lifted)
        {
            var parts = dl.Split('|', 2);
            limit = new DepositLimit(Money(long.Parse(parts[0], CultureInfo.InvariantCulture)), parts.Length > 1 && parts[1].Length > 0 ? parts[1] : null);
        }
        var rg = new ResponsibleGambling(
            Restriction(ProfileFields.SelfExcludedUntil), Restriction(ProfileFields.CoolingOffUntil), blockedUntil is { } b && b > now, limit);

        var plays = GamePlays(games);
        var categories = new SortedDictionary<string, decimal>(StringComparer.Ordinal);
        var providers = new SortedDictionary<string, decimal>(StringComparer.Ordinal);
        foreach (var play in plays)
        {
            if (catalog(play.GameId) is not { } game) continue;
            categories[game.Category] = categories.GetValueOrDefault(game.Category) + play.StakeAmount;
            providers[game.Provider] = providers.GetValueOrDefault(game.Provider) + play.StakeAmount;
        }
        var top = plays.Where(x => x.Rounds > 0).OrderByDescending(x => x.Rounds).ThenByDescending(x => x.LastPlayedAt).ThenBy(x => x.GameId, StringComparer.Ordinal).Take(TopGames).ToList();
        var recent = plays.Where(x => x.LastPlayedAt is not null).OrderByDescending(x => x.LastPlayedAt).ThenBy(x => x.GameId, StringComparer.Ordinal).Take(TopGames).ToList();

        return new PlayerProfile(
            playerId, T(ProfileFields.Registered), S(ProfileFields.Country), S(ProfileFields.Market), S(ProfileFields.Currency),
            S(ProfileFields.Kyc) ?? "none", S(ProfileFields.Affiliate), S(ProfileFields.Campaign), S(ProfileFields.Channel),
            S(ProfileFields.BirthYear) is { } by ? int.Parse(by, CultureInfo.InvariantCulture) : null, S(ProfileFields.Vip),
            consents, rg, lifetime, windows, new GameAffinity(top, recent, categories, providers),
            S(ProfileFields.Btag), S(ProfileFields.ClickId), Verifications(f), HarmFlag.Parse(S(HarmFlag.Field)));
    }

    /// <summary>
    /// The verdicts the fold keeps: a status field (<c>kyc</c>, <c>aml</c>, <c>geo</c>, each with its '@' time) and its
    /// details (<c>kycx</c> …: rank digit, status, then '|'-separated parts). Details count only when they describe the status
    /// in force (a <c>player.updated</c> may have set the KYC status since).
    /// </summary>
    private static Verification? Verifications(Dictionary<string, string> f)
    {
        string[]? Parts(string field)
        {
            if (!f.TryGetValue(field, out var status) || !f.TryGetValue(field + "x", out var x)) return null;
            var parts = x[1..].Split('|');
            return parts[0] == status ? parts : null;
        }
        DateTimeOffset At(string field) => DateTimeOffset.FromUnixTimeMilliseconds(
            f.TryGetValue(ProfileFields.StampOf(field), out var v) && long.TryParse(v, CultureInfo.InvariantCulture, out var ms) ? ms : 0);
        static IReadOnlyList<string> List(string s) => s.Length == 0 ? [] : s.Split(',');
        static string? Text(string s) => s.Length == 0 ? null : s;

        // A status without details of its own (a player.updated's kycStatus) still reads, with nothing more.
        KycCheck? kyc = !f.TryGetValue(ProfileFields.Kyc, out var status) ? null
            : Parts(ProfileFields.Kyc) is { Length: 5 } k ? new KycCheck(status, Text(k[1]), Text(k[2]), List(k[4]), k[3] == "1", At(ProfileFields.Kyc))
            : new KycCheck(status, null, null, [], false, At(ProfileFields.Kyc));
        AmlCheck? aml = !f.TryGetValue(ProfileFields.Aml, out var risk) ? null
            : Parts(ProfileFields.Aml) is { Length: 3 } m ? new AmlCheck(risk, Text(m[1]), List(m[2]), At(ProfileFields.Aml)) : new AmlCheck(risk, null, [], At(ProfileFields.Aml));
        GeoCheck? geo = !f.TryGetValue(ProfileFields.Geo, out var result) ? null
            : Parts(ProfileFields.Geo) is { Length: 4 } g ? new GeoCheck(result, Text(g[1]), Text(g[2]), List(g[3]), At(ProfileFields.Geo)) : new GeoCheck(result, null, null, [], At(ProfileFields.Geo));
        return kyc is null && aml is null && geo is null ? null : new Verification(kyc, aml, geo);
    }

    /// <summary>How an indefinite self-exclusion or block is shown.</summary>
    public static readonly DateTimeOffset Indefinitely = new(9999, 12, 31, 23, 59, 59, TimeSpan.Zero);

    public static long DayOf(DateTimeOffset t) => (long)Math.Floor(t.ToUnixTimeSeconds() / 86_400d);

    public static decimal Money(long units) => units / 10_000m;

    private static List<GamePlay> GamePlays(HashEntry[] games)
    {
        var byGame = new Dictionary<string, (long N, long S, long T)>(StringComparer.Ordinal);
        foreach (var e in games)
        {
            var name = e.Name.ToString();
            var colon = name.LastIndexOf(':');
            if (colon <= 0) continue;
            var id = name[..colon];
            var v = long.Parse(e.Value.ToString(), CultureInfo.InvariantCulture);
            var cur = byGame.GetValueOrDefault(id);
            byGame[id] = name[(colon + 1)..] switch
            {
                "n" => cur with { N = v },
                "s" => cur with { S = v },
                "t" => cur with { T = v },
                _ => cur,
            };
        }
        return byGame.Select(kv => new GamePlay(kv.Key, kv.Value.N, Money(kv.Value.S),
            kv.Value.T > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(kv.Value.T) : null)).ToList();
    }
}

/// <summary>One day bucket as the fold script writes it: space-separated integers, trailing zeros left out.</summary>
public readonly record struct Bucket(long[] V)
{
    public const int Length = 27;

    /// <summary>Positions (0-based) of the two numbers that are not sums: the active flag and the set of payment methods (bits).</summary>
    public const int Active = 11, PaymentMethods = 26;

    /// <summary>
    /// The day buckets of a player's day hash. A day is a field <c>day</c> holding the twelve numbers, plus, for
    /// recent days, fields <c>day:position</c> (1-based) that the fold adds to until it folds them into the day.
    /// </summary>
    public static SortedDictionary<long, Bucket> ByDay(IEnumerable<HashEntry> fields)
    {
        var byDay = new SortedDictionary<long, Bucket>();
        Bucket For(long day) => byDay.TryGetValue(day, out var b) ? b : byDay[day] = new Bucket(new long[Length]);
        foreach (var e in fields)
        {
            var name = e.Name.ToString();
            var colon = name.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                var whole = Parse(e.Value.ToString());
                var b = For(long.Parse(name, CultureInfo.InvariantCulture));
                for (var i = 0; i < Length; i++) b.V[i] = Combine(i, b.V[i], whole.V[i]);
            }
            else if (int.TryParse(name.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var position) && position is >= 1 and <= Length)
            {
                var b = For(long.Parse(name.AsSpan(0, colon), CultureInfo.InvariantCulture));
                b.V[position - 1] = Combine(position - 1, b.V[position - 1], (long)e.Value);
            }
        }
        // Active is a flag: a day counts once, whichever form marked it.
        foreach (var b in byDay.Values) b.V[Active] = Math.Min(1, b.V[Active]);
        return byDay;
    }

    /// <summary>The sum of the open <c>day:position</c> fields only: what the lifetime counters do not hold yet.</summary>
    public static Bucket OpenFields(IEnumerable<HashEntry> fields)
    {
        var v = new long[Length];
        foreach (var e in fields)
        {
            var name = e.Name.ToString();
            var colon = name.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && int.TryParse(name.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var position)
                && position is >= 1 and <= Length && position - 1 is not (Active or PaymentMethods))
            {
                v[position - 1] += (long)e.Value;
            }
        }
        return new Bucket(v);
    }

    public static Bucket Parse(string s)
    {
        var v = new long[Length];
        var i = 0;
        foreach (var part in s.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (i >= Length) break;
            v[i++] = long.Parse(part, CultureInfo.InvariantCulture);
        }
        return new Bucket(v);
    }

    public static Bucket Sum(IEnumerable<Bucket> buckets)
    {
        var v = new long[Length];
        foreach (var b in buckets)
        {
            for (var i = 0; i < Length; i++) v[i] = Combine(i, v[i], b.V[i]);
        }
        return new Bucket(v);
    }

    /// <summary>Two values of one position together: the method sets' union, every other number's sum.</summary>
    public static long Combine(int position, long a, long b) => position == PaymentMethods ? a | b : a + b;

    public ActivityTotals ToTotals() => new(
        DepositCount: V[0], DepositAmount: ProfileReader.Money(V[1]),
        WithdrawalCount: V[2], WithdrawalAmount: ProfileReader.Money(V[3]),
        BetCount: V[4], StakeAmount: ProfileReader.Money(V[5]), WinAmount: ProfileReader.Money(V[6]),
        Ggr: ProfileReader.Money(V[5] - V[6]), BonusStakeAmount: ProfileReader.Money(V[7]), BonusAmount: ProfileReader.Money(V[8]),
        SessionCount: V[9], LoginCount: V[10], ActiveDays: (int)V[11])
    {
        DeclinedDepositCount = V[12] + V[13] + V[14] + V[15] + V[16] + V[17],
        DeclinedDepositReasons = new DeclineReasons(V[12], V[13], V[14], V[15], V[16], V[17]),
        ChargebackCount = V[18], ChargebackAmount = ProfileReader.Money(V[19]),
        ReversedDepositCount = V[20], ReversedDepositAmount = ProfileReader.Money(V[21]),
        ReversedWithdrawalCount = V[22], ReversedWithdrawalAmount = ProfileReader.Money(V[23]),
        RefundCount = V[24], RefundAmount = ProfileReader.Money(V[25]),
        PaymentMethodCount = PaymentMethodSets.Of(V[PaymentMethods]).Count, PaymentMethods = PaymentMethodSets.Of(V[PaymentMethods]),
    };
}
