using System.Globalization;
using StackExchange.Redis;

namespace Shared.Store;

/// <summary>
/// What the fold keeps for the harm markers beyond the day buckets (fold.lua, block "harm markers"): the UTC hours a
/// player played in each recent day, their game-session seconds, the times of their approved deposits and their
/// deposit-limit changes.
/// </summary>
/// <param name="Days">Day (since 1970-01-01 UTC) → UTC hours played (bit h: hour h) and game-session seconds.</param>
/// <param name="DepositTimes">Unix ms of approved deposits, ascending (the newest 64).</param>
/// <param name="Limits">Deposit-limit changes, oldest first; a null amount is a lifted limit.</param>
public sealed record HarmTrail(IReadOnlyDictionary<long, HarmDay> Days, IReadOnlyList<long> DepositTimes, IReadOnlyList<LimitChange> Limits)
{
    public static readonly HarmTrail Empty = new(new Dictionary<long, HarmDay>(), [], []);

    public static HarmTrail From(IEnumerable<HashEntry> profile)
    {
        string? hz = null, hq = null, hl = null;
        foreach (var e in profile)
        {
            switch (e.Name.ToString())
            {
                case "hz": hz = e.Value; break;
                case "hq": hq = e.Value; break;
                case "hl": hl = e.Value; break;
            }
        }
        if (hz is null && hq is null && hl is null) return Empty;
        var days = new Dictionary<long, HarmDay>();
        foreach (var entry in Words(hz))
        {
            var p = entry.Split(':');
            if (p.Length == 3) days[Long(p[0])] = new HarmDay((int)Long(p[1]), Long(p[2]));
        }
        var limits = new List<LimitChange>();
        foreach (var entry in Words(hl))
        {
            var colon = entry.IndexOf(':');
            if (colon <= 0) continue;
            var at = DateTimeOffset.FromUnixTimeMilliseconds(Long(entry[..colon]));
            var rest = entry[(colon + 1)..];
            if (rest == "lifted")
            {
                limits.Add(new LimitChange(at, null, null));
                continue;
            }
            var bar = rest.IndexOf('|');
            var amount = ProfileReader.Money(Long(bar < 0 ? rest : rest[..bar]));
            limits.Add(new LimitChange(at, amount, bar < 0 || bar == rest.Length - 1 ? null : rest[(bar + 1)..]));
        }
        return new HarmTrail(days, [.. Words(hq).Select(Long)], limits);
    }

    private static string[] Words(string? s) => s is null ? [] : s.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    private static long Long(string s) => long.Parse(s, CultureInfo.InvariantCulture);
}

/// <param name="Hours">UTC hours with play (bit h: hour h).</param>
/// <param name="SessionSeconds">Game-session seconds of sessions starting that day.</param>
public readonly record struct HarmDay(int Hours, long SessionSeconds);

/// <param name="Amount">The new limit; null when limits were lifted.</param>
public sealed record LimitChange(DateTimeOffset At, decimal? Amount, string? Period);
