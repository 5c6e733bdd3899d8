using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using Intelligence.Segments;
using Shared.Contracts;

namespace Intelligence.Tests.Segments;

/// <summary>
/// A plain evaluator of rules over profile objects, written from the contract's words and not from the index: it reads
/// fields by name off <see cref="PlayerProfile"/>, compares decimals and dates as they are, and parses values itself.
/// The property tests hold the compiled column evaluator to it.
/// </summary>
public static partial class ReferenceEvaluator
{
    public static bool Matches(SegmentRule rule, PlayerFacts player, DateTimeOffset now) => rule switch
    {
        AllOf all => all.Rules.All(r => Matches(r, player, now)),
        AnyOf any => any.Rules.Any(r => Matches(r, player, now)),
        NotOf not => !Matches(not.Rule, player, now),
        FieldCondition leaf => Leaf(leaf, player, now),
        _ => throw new ArgumentException("not a rule", nameof(rule)),
    };

    /// <summary>Why a marketing segment for <paramref name="channel"/> keeps the player out (the policy's first reason), or null.</summary>
    public static string? Excluded(PlayerProfile profile, DateTimeOffset now, string? channel)
    {
        var status = MarketingPolicy.Evaluate(profile, now);
        if (!status.Allowed) return status.Reasons[0];
        if (channel is not null && !(profile.Consents.TryGetValue(channel, out var granted) && granted)) return MarketingPolicy.NoConsent;
        return null;
    }

    private static bool Leaf(FieldCondition leaf, PlayerFacts player, DateTimeOffset now)
    {
        var value = Resolve(leaf.Field, player);
        if (leaf.Op == "exists") return (value is not null) == (leaf.Value is not { ValueKind: JsonValueKind.False });
        if (value is null) return leaf.Op is "neq" or "nin";
        var v = leaf.Value!.Value;
        switch (value)
        {
            case HashSet<string> played:
                var any = v.EnumerateArray().Any(g => played.Contains(g.GetString()!));
                return leaf.Op == "in" ? any : !any;
            case decimal d:
                return Compare(leaf.Op, v, x => d.CompareTo(x.GetDecimal()));
            case double p:
                return Compare(leaf.Op, v, x => p.CompareTo(x.GetDouble()));
            case DateTimeOffset t:
                return Compare(leaf.Op, v, x => t.CompareTo(Date(x.GetString()!, now)));
            case bool b:
                return leaf.Op == "eq" ? b == v.GetBoolean() : b != v.GetBoolean();
            case string s:
                return Compare(leaf.Op, v, x => string.Equals(s, x.GetString(), StringComparison.Ordinal) ? 0 : 1);
            default:
                throw new InvalidOperationException($"no comparison for {value.GetType()}");
        }
    }

    private static bool Compare(string op, JsonElement v, Func<JsonElement, int> compare) => op switch
    {
        "eq" => compare(v) == 0,
        "neq" => compare(v) != 0,
        "gt" => compare(v) > 0,
        "gte" => compare(v) >= 0,
        "lt" => compare(v) < 0,
        "lte" => compare(v) <= 0,
        "between" => compare(v[0]) >= 0 && compare(v[1]) <= 0,
        "in" => v.EnumerateArray().Any(x => compare(x) == 0),
        "nin" => !v.EnumerateArray().Any(x => compare(x) == 0),
        _ => throw new ArgumentException(op, nameof(op)),
    };

    private static DateTimeOffset Date(string s, DateTimeOffset now)
    {
        var nowMs = DateTimeOffset.FromUnixTimeMilliseconds(now.ToUnixTimeMilliseconds());
        if (s == "now") return nowMs;
        var m = Relative().Match(s);
        if (!m.Success) return DateTimeOffset.Parse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
        var n = int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture) * (m.Groups[1].Value == "-" ? -1 : 1);
        return m.Groups[3].Value switch
        {
            "s" => nowMs.AddSeconds(n),
            "m" => nowMs.AddMinutes(n),
            "h" => nowMs.AddHours(n),
            "d" => nowMs.AddDays(n),
            _ => nowMs.AddDays(7 * n),
        };
    }

    [GeneratedRegex(@"^([+-])(\d+)([smhdw])$")]
    private static partial Regex Relative();

    /// <summary>The field's value as the profile holds it: decimal, double, DateTimeOffset, bool, string, a set of game ids, or null.</summary>
    public static object? Resolve(string path, PlayerFacts f)
    {
        var p = f.Profile;
        var parts = path.Split('.');
        switch (parts[0])
        {
            case "lifetime":
                return Property(p.Lifetime, parts[1]);
            case "windows":
                return Property(p.Windows[parts[1]], parts[2]);
            case "consents":
                return p.Consents.TryGetValue(parts[1], out var granted) ? granted : null;
            case "rg":
                return path switch
                {
                    "rg.blocked" => p.Rg.Blocked,
                    "rg.selfExcludedUntil" => p.Rg.SelfExcludedUntil,
                    "rg.coolingOffUntil" => p.Rg.CoolingOffUntil,
                    "rg.depositLimit.amount" => p.Rg.DepositLimit?.Amount,
                    _ => throw new ArgumentException(path, nameof(path)),
                };
            case "games":
                return parts[1] switch
                {
                    "categories" => p.Games.Categories.GetValueOrDefault(parts[2]),
                    "providers" => p.Games.Providers.GetValueOrDefault(path["games.providers.".Length..]),
                    "played" => p.Games.Top.Concat(p.Games.Recent).Select(g => g.GameId).ToHashSet(StringComparer.Ordinal),
                    _ => throw new ArgumentException(path, nameof(path)),
                };
            case "verification":
                return path switch
                {
                    "verification.aml.riskLevel" => p.Verification?.Aml?.RiskLevel,
                    "verification.geo.result" => p.Verification?.Geo?.Result,
                    _ => throw new ArgumentException(path, nameof(path)),
                };
            case "scores":
                return path switch
                {
                    "scores.churn.probability" => f.Scores.Churn,
                    "scores.vip.probability" => f.Scores.Vip,
                    "scores.churn.band" => f.Scores.ChurnBand,
                    "scores.vip.band" => f.Scores.VipBand,
                    "scores.segment.id" => f.Scores.SegmentId,
                    _ => throw new ArgumentException(path, nameof(path)),
                };
            default:
                return Property(p, parts[0]);
        }
    }

    private static object? Property(object on, string name)
    {
        var property = on.GetType().GetProperty(char.ToUpperInvariant(name[0]) + name[1..], BindingFlags.Public | BindingFlags.Instance)
            ?? throw new ArgumentException($"{on.GetType().Name} has no {name}", nameof(name));
        return property.GetValue(on) switch
        {
            long l => (decimal)l,
            int i => (decimal)i,
            var other => other,
        };
    }
}
