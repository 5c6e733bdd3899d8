using System.Globalization;
using Intelligence.Features;
using Shared.Contracts;
using Shared.Store;
using StackExchange.Redis;

namespace Intelligence.SaferGambling;

/// <summary>A safer-gambling case's outcome as kept in <see cref="StoreKeys.HarmLabels"/> (<c>outcome|unix ms</c>).</summary>
public sealed record HarmCaseOutcome(string Outcome, DateTimeOffset At)
{
    public static HarmCaseOutcome? Parse(string? stored)
    {
        var parts = stored?.Split('|');
        return parts is [var outcome, var ms] && long.TryParse(ms, CultureInfo.InvariantCulture, out var v) ? new HarmCaseOutcome(outcome, DateTimeOffset.FromUnixTimeMilliseconds(v)) : null;
    }

    public string Stored => $"{Outcome}|{At.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)}";
}

/// <summary>
/// What the harm model learns from. A player is a positive at a cut-off when, within the horizon after it, they
/// self-excluded, the operator blocked (closed) the account, or the safer-gambling team closed their case as
/// <c>contacted</c> or <c>limit_set</c>: the team looked and confirmed a concern worth acting on. <c>no_action</c> is
/// the team finding no harm, so it adds no positive (and does not cancel a later self-exclusion).
/// </summary>
public sealed class HarmLabels(IConnectionMultiplexer redis, StoreKeys keys)
{
    public static readonly IReadOnlySet<string> Positive = new HashSet<string>(StringComparer.Ordinal) { HarmOutcomes.Contacted, HarmOutcomes.LimitSet };

    /// <summary>Every case outcome recorded, by player.</summary>
    public async Task<IReadOnlyDictionary<string, HarmCaseOutcome>> ReadAllAsync()
    {
        var result = new Dictionary<string, HarmCaseOutcome>(StringComparer.Ordinal);
        foreach (var e in await redis.GetDatabase().HashGetAllAsync(keys.HarmLabels))
        {
            if (HarmCaseOutcome.Parse(e.Value) is { } o) result[e.Name.ToString()] = o;
        }
        return result;
    }

    /// <summary>Whether a harm outcome falls on days [<paramref name="from"/>, <paramref name="to"/>).</summary>
    public static bool HarmWithin(PlayerHistory h, HarmCaseOutcome? caseOutcome, long from, long to)
    {
        bool Within(DateTimeOffset? at) => at is { } t && ProfileReader.DayOf(t) is var d && d >= from && d < to;
        return Within(h.SelfExcludedAt) || Within(h.BlockedAt) || caseOutcome is { } o && Positive.Contains(o.Outcome) && Within(o.At);
    }

    /// <summary>Whether the player was already excluded or closed before day <paramref name="day"/> (no longer someone to score).</summary>
    public static bool GoneBefore(PlayerHistory h, long day) =>
        h.SelfExcludedAt is { } se && ProfileReader.DayOf(se) < day || h.BlockedAt is { } bl && ProfileReader.DayOf(bl) < day;
}
