using System.Globalization;
using System.Text;
using System.Text.Json;
using Intelligence.Segments;
using Shared.Contracts;

namespace Intelligence.Tests.Segments;

/// <summary>
/// Random players and random rules over them, drawn from small pools of values so that rules hit equalities, bounds
/// and missing values often: what a column evaluator gets wrong first.
/// </summary>
public sealed class RandomRules(Random rng, DateTimeOffset now)
{
    public static readonly string[] Providers = ["NetEnt", "Play'n GO", "Pragmatic Play", "Evolution, Ltd"];
    public static readonly string[] Games = [.. Enumerable.Range(1, 12).Select(i => $"g-{i}")];
    private static readonly string?[] Countries = ["MT", "SE", "DE", "GB", null];
    private static readonly string?[] Tiers = ["gold", "silver", null];
    private static readonly string?[] Affiliates = ["aff-1", "aff-2", null];
    private static readonly decimal[] Amounts = [0m, 10m, 25.5m, 100m, 999.9999m, 1000m, 12345.67m];
    private static readonly double[] Probabilities = [0, 0.1, 0.25, 0.5, 0.7501, 1];
    private static readonly long[] Counts = [0, 1, 2, 7, 30, 1000];
    private static readonly TimeSpan[] Offsets = [TimeSpan.FromDays(-30), TimeSpan.FromDays(-7), TimeSpan.FromHours(-12), TimeSpan.Zero, TimeSpan.FromHours(6), TimeSpan.FromDays(7)];
    private static readonly string[] RelativeValues = ["-30d", "-7d", "-12h", "now", "+6h", "+1w", "-720m", "-43200s"];

    private readonly DateTimeOffset _now = DateTimeOffset.FromUnixTimeMilliseconds(now.ToUnixTimeMilliseconds());

    public RuleContext Context { get; } = new(Providers.ToHashSet(StringComparer.Ordinal), Games.ToHashSet(StringComparer.Ordinal));

    private T Pick<T>(IReadOnlyList<T> from) => from[rng.Next(from.Count)];

    private bool Chance(double p) => rng.NextDouble() < p;

    private DateTimeOffset? Date(double nullChance = 0.25) => Chance(nullChance) ? null : _now + Pick(Offsets);

    public PlayerFacts Player(string id, long version)
    {
        ActivityTotals Totals() => new(Pick(Counts), Pick(Amounts), Pick(Counts), Pick(Amounts), Pick(Counts), Pick(Amounts), Pick(Amounts),
            Pick(Amounts) - Pick(Amounts), Pick(Amounts), Pick(Amounts), Pick(Counts), Pick(Counts), (int)Pick(Counts));
        var l = Totals();
        var consents = new SortedDictionary<string, bool>(StringComparer.Ordinal);
        foreach (var c in MarketingPolicy.MarketingChannels)
        {
            if (Chance(0.6)) consents[c] = Chance(0.6);
        }
        var plays = Games.Where(_ => Chance(0.3)).Select(g => new GamePlay(g, rng.Next(1, 50), Pick(Amounts), _now.AddDays(-rng.Next(30)))).ToList();
        var profile = new PlayerProfile(id, Date(0.1), Pick(Countries), Pick(Countries), Chance(0.8) ? "EUR" : null, Pick(SegmentFields.KycStatuses),
            Pick(Affiliates), Chance(0.5) ? "welcome" : null, Chance(0.5) ? "mobile" : "web", Chance(0.8) ? rng.Next(1950, 2005) : null, Pick(Tiers),
            consents,
            new ResponsibleGambling(Chance(0.2) ? Date(0) : null, Chance(0.2) ? Date(0) : null, Chance(0.1), Chance(0.3) ? new DepositLimit(Pick(Amounts), "month") : null),
            new LifetimeTotals(l.DepositCount, l.DepositAmount, l.WithdrawalCount, l.WithdrawalAmount, l.BetCount, l.StakeAmount, l.WinAmount, l.Ggr,
                l.BonusStakeAmount, l.BonusAmount, l.SessionCount, l.LoginCount, l.ActiveDays, Date(), Date(), Date(), Date()),
            SegmentFields.Windows.ToDictionary(w => w, _ => Totals(), StringComparer.Ordinal),
            new GameAffinity(plays.Take(5).ToList(), plays.Skip(3).ToList(),
                GameCategories.All.Where(_ => Chance(0.5)).ToDictionary(c => c, _ => Pick(Amounts), StringComparer.Ordinal),
                Providers.Where(_ => Chance(0.5)).ToDictionary(p => p, _ => Pick(Amounts), StringComparer.Ordinal)));
        // Verification verdicts (contract 1b): a high AML risk or a blocked location keeps a player out of marketing.
        profile = profile with
        {
            Verification = new Verification(null,
                Chance(0.3) ? new AmlCheck(Pick<string>(["low", "medium", "high"]), "aml", [], _now) : null,
                Chance(0.3) ? new GeoCheck(Pick<string>(["allowed", "blocked", "error"]), "GB", null, [], _now) : null),
        };
        var scores = Chance(0.15)
            ? ScoreFacts.None with { Version = version }
            : new ScoreFacts(Pick(Probabilities), Pick(SegmentFields.ChurnBands), Chance(0.8) ? Pick(Probabilities) : null, Pick(SegmentFields.VipBands),
                Chance(0.9) ? $"seg-{rng.Next(1, 4)}" : null, version);
        return new PlayerFacts(profile, scores);
    }

    /// <summary>A rule as JSON text (what a client sends), nested up to <paramref name="depth"/>.</summary>
    public string Rule(int depth)
    {
        var json = new StringBuilder();
        Node(json, depth);
        return json.ToString();
    }

    private void Node(StringBuilder json, int depth)
    {
        var kind = depth <= 0 ? 3 : rng.Next(5);
        switch (kind)
        {
            case 0 or 1:
                json.Append(kind == 0 ? "{\"all\":[" : "{\"any\":[");
                var n = rng.Next(1, 4);
                for (var i = 0; i < n; i++)
                {
                    if (i > 0) json.Append(',');
                    Node(json, depth - 1);
                }
                json.Append("]}");
                break;
            case 2:
                json.Append("{\"not\":");
                Node(json, depth - 1);
                json.Append('}');
                break;
            default:
                Leaf(json);
                break;
        }
    }

    private void Leaf(StringBuilder json)
    {
        var fields = SegmentFields.Palette.Concat(Providers.Select(SegmentFields.Provider)).ToList();
        var field = Pick(fields);
        var op = Pick(field.Ops);
        json.Append("{\"field\":").Append(JsonSerializer.Serialize(field.Path)).Append(",\"op\":\"").Append(op).Append('"');
        string One() => Value(field);
        switch (op)
        {
            case SegmentOps.Exists:
                if (Chance(0.5)) json.Append(",\"value\":").Append(Chance(0.5) ? "true" : "false");
                break;
            case SegmentOps.In or SegmentOps.Nin:
                json.Append(",\"value\":[").Append(string.Join(',', Enumerable.Range(0, rng.Next(1, 4)).Select(_ => One()))).Append(']');
                break;
            case SegmentOps.Between:
                var (a, b) = (One(), One());
                if (Ordered(field, b, a)) (a, b) = (b, a);
                json.Append(",\"value\":[").Append(a).Append(',').Append(b).Append(']');
                break;
            default:
                json.Append(",\"value\":").Append(One());
                break;
        }
        json.Append('}');
    }

    private bool Ordered(FieldSpec field, string first, string second)
    {
        if (field.Type == FieldTypes.Date)
        {
            var nowMs = _now.ToUnixTimeMilliseconds();
            return RuleBinder.ParseDate(JsonSerializer.Deserialize<string>(first)!)!.Value.DateAt(nowMs) < RuleBinder.ParseDate(JsonSerializer.Deserialize<string>(second)!)!.Value.DateAt(nowMs);
        }
        return double.Parse(first, CultureInfo.InvariantCulture) < double.Parse(second, CultureInfo.InvariantCulture);
    }

    private string Value(FieldSpec field)
    {
        switch (field.Type)
        {
            case FieldTypes.Bool:
                return Chance(0.5) ? "true" : "false";
            case FieldTypes.Date:
                return JsonSerializer.Serialize(Chance(0.5) ? Pick(RelativeValues) : (_now + Pick(Offsets)).ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture));
            case FieldTypes.Number or FieldTypes.Money:
                if (field.Path.StartsWith("scores.", StringComparison.Ordinal)) return Pick(Probabilities).ToString("R", CultureInfo.InvariantCulture);
                if (field.Path == "birthYear") return rng.Next(1950, 2005).ToString(CultureInfo.InvariantCulture);
                var amount = Chance(0.5) ? Pick(Amounts) : Pick(Counts);
                return (Chance(0.2) ? amount + 0.0001m : amount).ToString(CultureInfo.InvariantCulture);
            default:
                if (field.Fixed is { } fixedValues) return JsonSerializer.Serialize(Pick(fixedValues));
                if (field.Kind == ColumnKind.GamesPlayed) return JsonSerializer.Serialize(Pick(Games));
                return JsonSerializer.Serialize(field.Path switch
                {
                    "country" or "market" => Pick(Countries) ?? "FR",
                    "vipTier" => Pick(Tiers) ?? "bronze",
                    "affiliateId" => Pick(Affiliates) ?? "aff-9",
                    "scores.segment.id" => $"seg-{rng.Next(1, 5)}",
                    "currency" => Chance(0.7) ? "EUR" : "USD",
                    "campaign" => Chance(0.7) ? "welcome" : "cashback",
                    _ => Chance(0.5) ? "mobile" : "web",
                });
        }
    }
}
