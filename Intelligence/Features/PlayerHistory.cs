using System.Globalization;
using Shared.Contracts;
using Shared.Store;
using StackExchange.Redis;

namespace Intelligence.Features;

/// <summary>
/// What the models learn from about one player: the attributes fixed at registration and the per-day totals of
/// the day buckets (see <see cref="Bucket"/>), so features and labels can be cut at any past day. Time-varying
/// PAM attributes (KYC, VIP tier, consents) are left out on purpose: only their latest value is kept, so using
/// them as of a past day would leak the future.
/// </summary>
public sealed class PlayerHistory
{
    public PlayerHistory(string playerId, long? registeredDay, long? firstDepositDay, int? birthYear, string? channel, SortedDictionary<long, Bucket> days)
    {
        PlayerId = playerId;
        RegisteredDay = registeredDay;
        FirstDepositDay = firstDepositDay;
        BirthYear = birthYear;
        Channel = channel;
        DayNumbers = [.. days.Keys];
        Days = [.. days.Values];
    }

    public string PlayerId { get; }
    public long? RegisteredDay { get; }

    /// <summary>The day of the first approved deposit ever (from the profile, which outlives the buckets).</summary>
    public long? FirstDepositDay { get; }

    public int? BirthYear { get; }
    public string? Channel { get; }

    /// <summary>Days with any activity, ascending; <see cref="Days"/> holds their totals at the same index.</summary>
    public long[] DayNumbers { get; }

    public Bucket[] Days { get; }

    /// <summary>What the fold keeps for the harm markers: hours played, session seconds, deposit times, limit changes.</summary>
    public HarmTrail Harm { get; init; } = HarmTrail.Empty;

    /// <summary>When the player's latest self-exclusion was recorded (the fold's stamp <c>@se</c>), the harm model's main outcome.</summary>
    public DateTimeOffset? SelfExcludedAt { get; init; }

    /// <summary>When the operator last blocked (closed) the account (the stamp <c>@bl</c>).</summary>
    public DateTimeOffset? BlockedAt { get; init; }

    /// <summary>Index of the first day at or after <paramref name="day"/>.</summary>
    public int IndexOf(long day)
    {
        var i = Array.BinarySearch(DayNumbers, day);
        return i >= 0 ? i : ~i;
    }

    /// <summary>Sums of the bucket values over days in [from, to).</summary>
    public long[] Sum(long from, long to)
    {
        var v = new long[Bucket.Length];
        for (var i = IndexOf(from); i < DayNumbers.Length && DayNumbers[i] < to; i++)
        {
            var b = Days[i].V;
            // A bucket may be shorter (made before payments had their positions): its missing numbers are zeros.
            for (var j = 0; j < Math.Min(b.Length, Bucket.Length); j++) v[j] = Bucket.Combine(j, v[j], b[j]);
        }
        v[DayField.Active] = CountDays(from, to, Active);
        return v;
    }

    /// <summary>Days in [from, to) whose bucket satisfies <paramref name="when"/>.</summary>
    public int CountDays(long from, long to, Func<Bucket, bool> when)
    {
        var n = 0;
        for (var i = IndexOf(from); i < DayNumbers.Length && DayNumbers[i] < to; i++)
        {
            if (when(Days[i])) n++;
        }
        return n;
    }

    /// <summary>The last day before <paramref name="before"/> whose bucket satisfies <paramref name="when"/>.</summary>
    public long? LastDay(long before, Func<Bucket, bool> when)
    {
        for (var i = IndexOf(before) - 1; i >= 0; i--)
        {
            if (when(Days[i])) return DayNumbers[i];
        }
        return null;
    }

    /// <summary>The first day at or after <paramref name="from"/> whose bucket satisfies <paramref name="when"/>.</summary>
    public long? FirstDay(long from, Func<Bucket, bool> when)
    {
        for (var i = IndexOf(from); i < DayNumbers.Length; i++)
        {
            if (when(Days[i])) return DayNumbers[i];
        }
        return null;
    }

    public static bool Active(Bucket b) => b.V[DayField.Active] > 0 || b.V[DayField.Bets] > 0 || b.V[DayField.Deposits] > 0 || b.V[DayField.Logins] > 0 || b.V[DayField.Sessions] > 0;

    /// <summary>A bet with real money (stake beyond the bonus part) on that day.</summary>
    public static bool RealMoneyBet(Bucket b) => b.V[DayField.Bets] > 0 && b.V[DayField.Stake] > b.V[DayField.BonusStake];

    public static bool Deposited(Bucket b) => b.V[DayField.Deposits] > 0;

    /// <summary>The history held in a profile hash and its day buckets.</summary>
    public static PlayerHistory From(string playerId, HashEntry[] profile, HashEntry[] days)
    {
        string? reg = null, fd = null, by = null, chn = null, se = null, bl = null;
        foreach (var e in profile)
        {
            switch (e.Name.ToString())
            {
                case "reg": reg = e.Value; break;
                case "fd": fd = e.Value; break;
                case "by": by = e.Value; break;
                case "chn": chn = e.Value; break;
                case "@se": se = e.Value; break;
                case "@bl": bl = e.Value; break;
            }
        }
        static DateTimeOffset? At(string? ms) => ms is { Length: > 0 } && long.TryParse(ms, CultureInfo.InvariantCulture, out var v) ? DateTimeOffset.FromUnixTimeMilliseconds(v) : null;
        static long? Day(string? ms) => ms is { Length: > 0 } && long.TryParse(ms, CultureInfo.InvariantCulture, out var v)
            ? ProfileReader.DayOf(DateTimeOffset.FromUnixTimeMilliseconds(v)) : null;
        return new PlayerHistory(playerId, Day(reg), Day(fd),
            by is { Length: > 0 } && int.TryParse(by, CultureInfo.InvariantCulture, out var year) ? year : null,
            chn is { Length: > 0 } ? chn : null, Bucket.ByDay(days)) { Harm = HarmTrail.From(profile), SelfExcludedAt = At(se), BlockedAt = At(bl) };
    }
}

/// <summary>Positions (0-based) of the numbers of a day bucket (see Ingestion/Profiles/fold.lua).</summary>
public static class DayField
{
    public const int Deposits = 0, DepositAmount = 1, Withdrawals = 2, WithdrawalAmount = 3, Bets = 4, Stake = 5,
        Win = 6, BonusStake = 7, BonusGranted = 8, Sessions = 9, Logins = 10, Active = Bucket.Active,
        DeclinedFirst = 12, DeclinedLast = 17, Chargebacks = 18, ChargebackAmount = 19, ReversedDeposits = 20, ReversedDepositAmount = 21,
        ReversedWithdrawals = 22, ReversedWithdrawalAmount = 23, Refunds = 24, RefundAmount = 25, PaymentMethods = Bucket.PaymentMethods;
}

/// <summary>A player as read for scoring: the profile the API shows and the history the models read.</summary>
public sealed record PlayerSnapshot(PlayerProfile Profile, PlayerHistory History);
