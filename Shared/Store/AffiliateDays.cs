using System.Globalization;
using StackExchange.Redis;

namespace Shared.Store;

/// <summary>
/// What one affiliate's players brought in one span of UTC days, as Ingestion keeps it while folding (fold.lua's
/// affiliate block). Amounts in units of 1/10,000 of the base currency, as the profile's counters.
/// </summary>
/// <param name="Registrations">Players attributed to the affiliate who registered in the span.</param>
/// <param name="Ftds">Players whose first approved deposit (the profile's <c>firstDepositAt</c>) fell in the span.</param>
/// <param name="FtdUnits">The amount of those first deposits.</param>
/// <param name="Deposits">Deposits whose latest state is <c>approved</c>, on the approval's day (as the profile counts them).</param>
/// <param name="SelfExcluded">Of the span's registrations, players who have self-excluded since (at any time).</param>
public sealed record AffiliateFigures(long Registrations, long Ftds, long FtdUnits, long Deposits, long DepositUnits, long StakeUnits,
    long WinUnits, long BonusUnits, long Chargebacks, long ChargebackUnits, long SelfExcluded)
{
    /// <summary>The metrics in the order fold.lua writes them.</summary>
    public const int Count = 11;

    public static readonly AffiliateFigures Zero = new(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    /// <summary>Stake minus win.</summary>
    public long GgrUnits => StakeUnits - WinUnits;

    /// <summary>GGR minus bonus cost (bonuses granted) minus chargebacks.</summary>
    public long NgrUnits => GgrUnits - BonusUnits - ChargebackUnits;

    public static AffiliateFigures From(long[] v) => new(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10]);

    public long[] ToArray() => [Registrations, Ftds, FtdUnits, Deposits, DepositUnits, StakeUnits, WinUnits, BonusUnits, Chargebacks, ChargebackUnits, SelfExcluded];

    public AffiliateFigures Plus(AffiliateFigures o)
    {
        var a = ToArray();
        var b = o.ToArray();
        for (var i = 0; i < Count; i++) a[i] += b[i];
        return From(a);
    }

    /// <summary>Metrics as fold.lua writes them: space-separated integers.</summary>
    public static AffiliateFigures Parse(string text)
    {
        var v = new long[Count];
        var parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < Math.Min(parts.Length, Count); i++) v[i] = long.Parse(parts[i], CultureInfo.InvariantCulture);
        return From(v);
    }
}

/// <summary>One player's figures of one UTC day with one affiliate, for the export affiliate platforms import.</summary>
public sealed record AffiliatePlayerDay(string AffiliateId, string PlayerId, string Btag, long Day, AffiliateFigures Figures);

/// <summary>
/// Reads the affiliates' per-day figures. The cost grows with affiliates and days, never with players: a report reads
/// one hash per affiliate (<see cref="StoreKeys.AffiliateDayTotals"/>), an export one per affiliate and day.
/// </summary>
public sealed class AffiliateDayReader(IConnectionMultiplexer redis, StoreKeys keys)
{
    /// <summary>A span of up to this many days reads its days' fields by name; a longer or open one reads the whole hash.</summary>
    public const int MaxDaysAskedByName = 400;

    public async Task<IReadOnlyList<string>> AffiliatesAsync() =>
        [.. (await redis.GetDatabase().SetMembersAsync(keys.Affiliates)).Select(v => v.ToString()).Order(StringComparer.Ordinal)];

    /// <summary>Per affiliate, its figures per UTC day (days since 1970) from <paramref name="fromDay"/> to <paramref name="toDay"/> inclusive.</summary>
    public async Task<IReadOnlyDictionary<string, SortedDictionary<long, AffiliateFigures>>> DaysAsync(long fromDay, long toDay)
    {
        var db = redis.GetDatabase();
        var affiliates = await AffiliatesAsync();
        HashEntry[][] all;
        if (fromDay != long.MinValue && toDay != long.MaxValue && toDay - fromDay < MaxDaysAskedByName)
        {
            // A bounded span asks for its own days' fields only: a month's report reads a month, not the affiliate's whole history.
            var fields = new RedisValue[Math.Max(0, toDay - fromDay + 1) * AffiliateFigures.Count];
            var n = 0;
            for (var day = fromDay; day <= toDay; day++)
            {
                for (var m = 1; m <= AffiliateFigures.Count; m++) fields[n++] = string.Create(CultureInfo.InvariantCulture, $"{day}:{m}");
            }
            all = await Task.WhenAll(affiliates.Select(async a =>
            {
                var values = await db.HashGetAsync(keys.AffiliateDayTotals(a), fields);
                return fields.Zip(values).Where(p => !p.Second.IsNull).Select(p => new HashEntry(p.First, p.Second)).ToArray();
            }));
        }
        else
        {
            all = await Task.WhenAll(affiliates.Select(a => db.HashGetAllAsync(keys.AffiliateDayTotals(a))));
        }
        var result = new Dictionary<string, SortedDictionary<long, AffiliateFigures>>(StringComparer.Ordinal);
        for (var i = 0; i < affiliates.Count; i++)
        {
            var days = new SortedDictionary<long, long[]>();
            foreach (var e in all[i])
            {
                var name = e.Name.ToString();
                var colon = name.IndexOf(':', StringComparison.Ordinal);
                if (colon < 0) continue;
                var day = long.Parse(name.AsSpan(0, colon), CultureInfo.InvariantCulture);
                if (day < fromDay || day > toDay) continue;
                var metric = int.Parse(name.AsSpan(colon + 1), CultureInfo.InvariantCulture) - 1;
                if (metric is < 0 or >= AffiliateFigures.Count) continue;
                if (!days.TryGetValue(day, out var v)) days[day] = v = new long[AffiliateFigures.Count];
                v[metric] += (long)e.Value;
            }
            result[affiliates[i]] = new SortedDictionary<long, AffiliateFigures>(days.ToDictionary(kv => kv.Key, kv => AffiliateFigures.From(kv.Value)));
        }
        return result;
    }

    /// <summary>Every player row of the affiliates' days from <paramref name="fromDay"/> to <paramref name="toDay"/>, by day, affiliate and player.</summary>
    public async Task<IReadOnlyList<AffiliatePlayerDay>> PlayerDaysAsync(long fromDay, long toDay)
    {
        var db = redis.GetDatabase();
        var affiliates = await AffiliatesAsync();
        var reads = new List<(string Affiliate, long Day, Task<HashEntry[]> Rows)>();
        for (var day = fromDay; day <= toDay; day++)
        {
            foreach (var a in affiliates) reads.Add((a, day, db.HashGetAllAsync(keys.AffiliatePlayerDay(a, day))));
        }
        await Task.WhenAll(reads.Select(r => r.Rows));
        var rows = new List<AffiliatePlayerDay>();
        foreach (var (a, day, task) in reads)
        {
            foreach (var e in task.Result.OrderBy(e => e.Name.ToString(), StringComparer.Ordinal))
            {
                var value = e.Value.ToString();
                var tab = value.IndexOf('\t', StringComparison.Ordinal);
                rows.Add(new AffiliatePlayerDay(a, e.Name.ToString(), value[..tab], day, AffiliateFigures.Parse(value[(tab + 1)..])));
            }
        }
        return rows;
    }
}
