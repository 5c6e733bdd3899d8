using Shared.Contracts;
using Shared.Store;

namespace Intelligence.Segments;

/// <summary>How the player index holds a field (see <see cref="PlayerIndex"/>).</summary>
public enum ColumnKind { Number, Count, Date, Text, Flag, Consent, Provider, GamesPlayed }

/// <summary>
/// A field rules may use. <paramref name="Column"/> is its column among those of its <paramref name="Kind"/>;
/// <paramref name="Nullable"/> says whether a player can lack a value (only then is <c>exists</c> offered).
/// </summary>
public sealed record FieldSpec(string Path, string Type, string Description, ColumnKind Kind, int Column, bool Nullable,
    IReadOnlyList<string> Ops, IReadOnlyList<string>? Fixed = null, string? Provider = null)
{
    public SegmentField ToContract(IReadOnlyList<string>? values = null) => new(Path, Type, Description, Ops, values ?? Fixed);
}

/// <summary>A column of numbers (amounts, probabilities, years); NaN in the index where the player has no value.</summary>
public sealed record NumberColumn(string Path, string Type, string Description, bool Nullable, Func<PlayerFacts, double?> Get);

/// <summary>A column of counts (always present; 0 when nothing happened).</summary>
public sealed record CountColumn(string Path, string Description, Func<PlayerFacts, long> Get);

public sealed record DateColumn(string Path, string Description, Func<PlayerFacts, DateTimeOffset?> Get);

/// <summary>A column of strings, dictionary-encoded; <paramref name="Fixed"/> lists every value it can take, when that is known.</summary>
public sealed record TextColumn(string Path, string Description, Func<PlayerFacts, string?> Get, IReadOnlyList<string>? Fixed = null);

/// <summary>
/// The fields of <c>GET /v1/segments/fields</c>: profile paths as <c>GET /v1/players/{id}/profile</c> shows them, game
/// affinity and scores. The palette of the console's builder and the source of truth of the validator.
/// </summary>
public static class SegmentFields
{
    public static readonly IReadOnlyList<string> NumberOps =
        [SegmentOps.Eq, SegmentOps.Neq, SegmentOps.Gt, SegmentOps.Gte, SegmentOps.Lt, SegmentOps.Lte, SegmentOps.Between, SegmentOps.In, SegmentOps.Nin];
    public static readonly IReadOnlyList<string> TextOps = [SegmentOps.Eq, SegmentOps.Neq, SegmentOps.In, SegmentOps.Nin];
    public static readonly IReadOnlyList<string> DateOps = [SegmentOps.Gt, SegmentOps.Gte, SegmentOps.Lt, SegmentOps.Lte, SegmentOps.Between];
    public static readonly IReadOnlyList<string> BoolOps = [SegmentOps.Eq, SegmentOps.Neq];
    public static readonly IReadOnlyList<string> SetOps = [SegmentOps.In, SegmentOps.Nin];

    public const string ProvidersPrefix = "games.providers.";
    public const string GamesPlayed = "games.played";

    public static readonly IReadOnlyList<string> KycStatuses = ["none", "pending", "verified", "rejected", "retry"];
    public static readonly IReadOnlyList<string> ChurnBands = ["low", "medium", "high", "lapsed"];
    public static readonly IReadOnlyList<string> VipBands = ["none", "low", "medium", "high", "vip"];

    private static readonly (string Name, string Words, Func<LifetimeTotals, long> Lifetime, Func<ActivityTotals, long> Window)[] CountMetrics =
    [
        ("depositCount", "Approved deposits", t => t.DepositCount, t => t.DepositCount),
        ("withdrawalCount", "Approved withdrawals", t => t.WithdrawalCount, t => t.WithdrawalCount),
        ("betCount", "Bets", t => t.BetCount, t => t.BetCount),
        ("sessionCount", "Game sessions", t => t.SessionCount, t => t.SessionCount),
        ("loginCount", "Logins", t => t.LoginCount, t => t.LoginCount),
        ("activeDays", "Days with any activity", t => t.ActiveDays, t => t.ActiveDays),
        ("declinedDepositCount", "Declined deposits", t => t.DeclinedDepositCount, t => t.DeclinedDepositCount),
        ("chargebackCount", "Chargebacks", t => t.ChargebackCount, t => t.ChargebackCount),
        ("reversedWithdrawalCount", "Withdrawals reversed", t => t.ReversedWithdrawalCount, t => t.ReversedWithdrawalCount),
        ("paymentMethodCount", "Payment methods used (approved payments)", t => t.PaymentMethodCount, t => t.PaymentMethodCount),
    ];

    private static readonly (string Name, string Words, Func<LifetimeTotals, decimal> Lifetime, Func<ActivityTotals, decimal> Window)[] MoneyMetrics =
    [
        ("depositAmount", "Approved deposits", t => t.DepositAmount, t => t.DepositAmount),
        ("withdrawalAmount", "Approved withdrawals", t => t.WithdrawalAmount, t => t.WithdrawalAmount),
        ("stakeAmount", "Stake", t => t.StakeAmount, t => t.StakeAmount),
        ("winAmount", "Wins", t => t.WinAmount, t => t.WinAmount),
        ("ggr", "Gross gaming revenue (stake − wins)", t => t.Ggr, t => t.Ggr),
        ("bonusStakeAmount", "Stake paid with bonus money", t => t.BonusStakeAmount, t => t.BonusStakeAmount),
        ("bonusAmount", "Bonuses granted", t => t.BonusAmount, t => t.BonusAmount),
        ("chargebackAmount", "Charged back", t => t.ChargebackAmount, t => t.ChargebackAmount),
    ];

    public static readonly IReadOnlyList<string> Windows = [.. ProfileReader.WindowDays.Select(d => $"{d}d")];

    public static readonly IReadOnlyList<NumberColumn> Numbers;
    public static readonly IReadOnlyList<CountColumn> Counts;
    public static readonly IReadOnlyList<DateColumn> Dates;
    public static readonly IReadOnlyList<TextColumn> Texts;

    /// <summary>Consent channels, one bit each in the index.</summary>
    public static IReadOnlyList<string> ConsentChannels => MarketingPolicy.MarketingChannels;

    /// <summary>Every field except the per-provider ones (those depend on the catalogue), by path.</summary>
    public static readonly IReadOnlyDictionary<string, FieldSpec> Static;

    /// <summary>The fields in the order a builder offers them: profile, consents, restrictions, lifetime, windows, games, scores.</summary>
    public static readonly IReadOnlyList<FieldSpec> Palette;

    /// <summary>The date columns the marketing policy reads.</summary>
    public static readonly int SelfExcludedUntil, CoolingOffUntil;

    static SegmentFields()
    {
        var numbers = new List<NumberColumn>
        {
            new("birthYear", FieldTypes.Number, "Year of birth", true, f => f.Profile.BirthYear),
            new("rg.depositLimit.amount", FieldTypes.Money, "Deposit limit the player set (responsible gambling)", true, f => (double?)f.Profile.Rg.DepositLimit?.Amount),
            new("scores.churn.probability", FieldTypes.Number, "Churn risk: probability (0–1) of no real-money bet and no deposit in the next 30 days", true, f => f.Scores.Churn),
            new("scores.vip.probability", FieldTypes.Number, "VIP potential: probability (0–1) of ending in the top 5% by net gaming revenue", true, f => f.Scores.Vip),
        };
        var counts = new List<CountColumn>();
        foreach (var (name, words, lifetime, _) in MoneyMetrics)
        {
            numbers.Add(new($"lifetime.{name}", FieldTypes.Money, $"{words}, lifetime (base currency)", false, f => (double)lifetime(f.Profile.Lifetime)));
        }
        foreach (var (name, words, lifetime, _) in CountMetrics)
        {
            counts.Add(new($"lifetime.{name}", $"{words}, lifetime", f => lifetime(f.Profile.Lifetime)));
        }
        foreach (var w in Windows)
        {
            var days = w[..^1];
            var span = days == "1" ? "today (UTC)" : $"in the last {days} days (calendar days in UTC, today included)";
            foreach (var (name, words, _, window) in MoneyMetrics)
            {
                numbers.Add(new($"windows.{w}.{name}", FieldTypes.Money, $"{words} {span} (base currency)", false, f => (double)window(f.Profile.Windows[w])));
            }
            foreach (var (name, words, _, window) in CountMetrics)
            {
                counts.Add(new($"windows.{w}.{name}", $"{words} {span}", f => window(f.Profile.Windows[w])));
            }
        }
        foreach (var category in GameCategories.All)
        {
            numbers.Add(new($"games.categories.{category}", FieldTypes.Money, $"Stake on {category} games, lifetime (base currency)", false,
                f => (double)f.Profile.Games.Categories.GetValueOrDefault(category)));
        }
        Numbers = numbers;
        Counts = counts;

        Dates =
        [
            new("registeredAt", "When the player registered", f => f.Profile.RegisteredAt),
            new("lifetime.firstDepositAt", "First approved deposit", f => f.Profile.Lifetime.FirstDepositAt),
            new("lifetime.lastDepositAt", "Latest approved deposit", f => f.Profile.Lifetime.LastDepositAt),
            new("lifetime.lastBetAt", "Latest bet", f => f.Profile.Lifetime.LastBetAt),
            new("lifetime.lastActiveAt", "Latest activity of any kind", f => f.Profile.Lifetime.LastActiveAt),
            new("rg.selfExcludedUntil", "Self-excluded until (absent: not self-excluded)", f => f.Profile.Rg.SelfExcludedUntil),
            new("rg.coolingOffUntil", "Cooling off until (absent: not cooling off)", f => f.Profile.Rg.CoolingOffUntil),
        ];
        SelfExcludedUntil = Dates.Select((d, i) => (d, i)).Single(x => x.d.Path == "rg.selfExcludedUntil").i;
        CoolingOffUntil = Dates.Select((d, i) => (d, i)).Single(x => x.d.Path == "rg.coolingOffUntil").i;

        Texts =
        [
            new("country", "Country (ISO 3166-1 alpha-2)", f => f.Profile.Country),
            new("market", "Market (licence jurisdiction)", f => f.Profile.Market),
            new("currency", "Account currency (ISO 4217)", f => f.Profile.Currency),
            new("kycStatus", "Identity verification status", f => f.Profile.KycStatus, KycStatuses),
            new("affiliateId", "Affiliate the player came through", f => f.Profile.AffiliateId),
            new("campaign", "Acquisition campaign", f => f.Profile.Campaign),
            new("channel", "Registration channel", f => f.Profile.Channel),
            new("vipTier", "VIP tier in the PAM", f => f.Profile.VipTier),
            new("verification.aml.riskLevel", "Latest anti-money-laundering risk level", f => f.Profile.Verification?.Aml?.RiskLevel, ["low", "medium", "high"]),
            new("verification.geo.result", "Latest location check", f => f.Profile.Verification?.Geo?.Result, ["allowed", "blocked", "error"]),
            new("lifetime.lastPaymentMethod", "Method of the latest approved deposit", f => f.Profile.Lifetime.LastPaymentMethod, PaymentMethodSets.Names),
            new("scores.churn.band", "Churn risk band", f => f.Scores.ChurnBand, ChurnBands),
            new("scores.vip.band", "VIP potential band", f => f.Scores.VipBand, VipBands),
            new("scores.segment.id", "Behavioural (ML) segment id", f => f.Scores.SegmentId),
        ];

        var all = new Dictionary<string, FieldSpec>(StringComparer.Ordinal);
        for (var i = 0; i < Numbers.Count; i++)
        {
            var c = Numbers[i];
            all[c.Path] = new FieldSpec(c.Path, c.Type, c.Description, ColumnKind.Number, i, c.Nullable, c.Nullable ? [.. NumberOps, SegmentOps.Exists] : NumberOps);
        }
        for (var i = 0; i < Counts.Count; i++)
        {
            all[Counts[i].Path] = new FieldSpec(Counts[i].Path, FieldTypes.Number, Counts[i].Description, ColumnKind.Count, i, false, NumberOps);
        }
        for (var i = 0; i < Dates.Count; i++)
        {
            all[Dates[i].Path] = new FieldSpec(Dates[i].Path, FieldTypes.Date, Dates[i].Description + ". Absolute (ISO 8601) or relative to now: \"-7d\", \"+12h\", \"now\".",
                ColumnKind.Date, i, true, [.. DateOps, SegmentOps.Exists]);
        }
        for (var i = 0; i < Texts.Count; i++)
        {
            all[Texts[i].Path] = new FieldSpec(Texts[i].Path, FieldTypes.Text, Texts[i].Description, ColumnKind.Text, i, Texts[i].Path != "kycStatus",
                Texts[i].Path != "kycStatus" ? [.. TextOps, SegmentOps.Exists] : TextOps, Texts[i].Fixed);
        }
        all["rg.blocked"] = new FieldSpec("rg.blocked", FieldTypes.Bool, "Blocked by the operator", ColumnKind.Flag, 0, false, BoolOps);
        for (var i = 0; i < ConsentChannels.Count; i++)
        {
            var channel = ConsentChannels[i];
            all[$"consents.{channel}"] = new FieldSpec($"consents.{channel}", FieldTypes.Bool,
                $"Marketing consent for {channel} (absent: the player never answered)", ColumnKind.Consent, i, true, [.. BoolOps, SegmentOps.Exists]);
        }
        all[GamesPlayed] = new FieldSpec(GamesPlayed, FieldTypes.Text,
            $"Games among the player's {ProfileReader.TopGames} most played and {ProfileReader.TopGames} most recently played (values: game ids)",
            ColumnKind.GamesPlayed, 0, false, SetOps);
        Static = all;

        string[] metrics = ["depositCount", "depositAmount", "withdrawalCount", "withdrawalAmount", "betCount", "stakeAmount", "winAmount", "ggr",
            "bonusStakeAmount", "bonusAmount", "sessionCount", "loginCount", "activeDays",
            "declinedDepositCount", "chargebackCount", "chargebackAmount", "reversedWithdrawalCount", "paymentMethodCount"];
        var order = new List<string> { "country", "market", "currency", "kycStatus", "verification.aml.riskLevel", "verification.geo.result", "affiliateId", "campaign", "channel", "vipTier", "birthYear", "registeredAt" };
        order.AddRange(ConsentChannels.Select(c => $"consents.{c}"));
        order.AddRange(["rg.blocked", "rg.selfExcludedUntil", "rg.coolingOffUntil", "rg.depositLimit.amount"]);
        order.AddRange(metrics.Select(m => $"lifetime.{m}"));
        order.AddRange(["lifetime.firstDepositAt", "lifetime.lastDepositAt", "lifetime.lastBetAt", "lifetime.lastActiveAt", "lifetime.lastPaymentMethod"]);
        foreach (var w in Windows) order.AddRange(metrics.Select(m => $"windows.{w}.{m}"));
        order.AddRange(GameCategories.All.Select(c => $"games.categories.{c}"));
        order.Add(GamesPlayed);
        order.AddRange(["scores.churn.probability", "scores.churn.band", "scores.vip.probability", "scores.vip.band", "scores.segment.id"]);
        if (order.Count != all.Count || order.Any(p => !all.ContainsKey(p)))
        {
            throw new InvalidOperationException("The field palette must list every field once");
        }
        Palette = [.. order.Select(p => all[p])];
    }

    /// <summary>The field at <paramref name="path"/>, or null; providers must be in <paramref name="providers"/>.</summary>
    public static FieldSpec? Find(string path, IReadOnlySet<string> providers)
    {
        if (Static.TryGetValue(path, out var spec)) return spec;
        if (path.StartsWith(ProvidersPrefix, StringComparison.Ordinal) && providers.Contains(path[ProvidersPrefix.Length..]))
        {
            return Provider(path[ProvidersPrefix.Length..]);
        }
        return null;
    }

    public static FieldSpec Provider(string provider) =>
        new(ProvidersPrefix + provider, FieldTypes.Money, $"Stake on {provider} games, lifetime (base currency)", ColumnKind.Provider, 0, false, NumberOps, Provider: provider);
}
