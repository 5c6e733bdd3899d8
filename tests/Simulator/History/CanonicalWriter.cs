using System.Text.Json;
using Shared.Contracts;
using Simulator.Population;

namespace Simulator.History;

/// <summary>Renders an activity as a canonical CloudEvent (docs/contract.md), written straight to a <see cref="Utf8JsonWriter"/>.</summary>
public static class CanonicalWriter
{
    public const string PamSource = "/casino/pam";
    public const string WalletSource = "/casino/wallet";
    public const string BonusSource = "/casino/bonus";
    public const string GamesSource = "/casino/games";
    public const string ChecksSource = "/casino/checks";

    public static void Write(Utf8JsonWriter w, Player p, Activity a)
    {
        var ctx = ContractsJsonContext.Default;
        decimal? rate = p.Currency == "EUR" ? null : p.ExchangeRate;
        var (type, source) = (TypeOf(a.Kind), SourceOf(a.Kind));
        w.WriteStartObject();
        w.WriteString("specversion", "1.0");
        w.WriteString("id", EventId(a));
        w.WriteString("source", source);
        w.WriteString("type", type);
        w.WriteString("time", a.ReportedAt ?? a.Time);
        w.WriteString("subject", p.Id);
        w.WritePropertyName("data");
        if (a.Provider is not null && a.Kind is ActivityKind.Bet or ActivityKind.Win or ActivityKind.Rollback)
        {
            WriteWithProvider(w, p, a, rate);
            w.WriteEndObject();
            return;
        }
        switch (a.Kind)
        {
            case ActivityKind.Registered:
                JsonSerializer.Serialize(w, new PlayerRegistered(p.Country, p.Currency, p.Country, p.BirthYear, p.Channel, p.AffiliateId, p.Campaign), ctx.PlayerRegistered);
                break;
            case ActivityKind.Updated:
                JsonSerializer.Serialize(w, new PlayerUpdated(KycStatus: a.Text, VipTier: a.VipTier), ctx.PlayerUpdated);
                break;
            case ActivityKind.Login:
                JsonSerializer.Serialize(w, new PlayerLoggedIn(a.Text), ctx.PlayerLoggedIn);
                break;
            case ActivityKind.Consent:
                JsonSerializer.Serialize(w, new ConsentChanged(a.Text!, a.Flag), ctx.ConsentChanged);
                break;
            case ActivityKind.Rg:
                JsonSerializer.Serialize(w, new RgChanged(a.Text!, a.Until, a.Kind == ActivityKind.Rg && a.Text == "deposit_limit" ? a.Amount : null,
                    a.Text == "deposit_limit" ? "month" : null), ctx.RgChanged);
                break;
            case ActivityKind.Deposit or ActivityKind.Withdrawal:
                JsonSerializer.Serialize(w, new PaymentMade(a.Id, a.Amount, p.Currency, a.Status, a.Text, rate, a.Provider, a.DeclineReason, a.VendorCode), ctx.PaymentMade);
                break;
            case ActivityKind.Bet:
                JsonSerializer.Serialize(w, new BetPlaced(a.Id, a.RoundId!, a.GameId!, a.Amount, p.Currency, a.BonusAmount, rate), ctx.BetPlaced);
                break;
            case ActivityKind.Win:
                JsonSerializer.Serialize(w, new WinPaid(a.Id, a.RoundId!, a.GameId!, a.Amount, p.Currency, a.Flag, rate), ctx.WinPaid);
                break;
            case ActivityKind.Rollback:
                JsonSerializer.Serialize(w, new TransactionRolledBack(a.Id, a.Reference!), ctx.TransactionRolledBack);
                break;
            case ActivityKind.Bonus:
                // Bonus amounts are in the player's currency; the contract's bonus.granted carries no rate, so it is given in EUR.
                JsonSerializer.Serialize(w, new BonusGranted(a.Id, Math.Round(a.Amount * p.ExchangeRate, 2), "EUR", a.Text), ctx.BonusGranted);
                break;
            case ActivityKind.Kyc:
                JsonSerializer.Serialize(w, new KycVerdict(a.Text!, a.Provider!, CashierAndChecks.KycLevel, a.Reasons, a.Final), ctx.KycVerdict);
                break;
            case ActivityKind.Aml:
                JsonSerializer.Serialize(w, new AmlVerdict(a.Text!, a.Provider!, a.Reasons), ctx.AmlVerdict);
                break;
            case ActivityKind.Geo:
                JsonSerializer.Serialize(w, new GeoVerdict(a.Text!, p.Country, Reasons: a.Reasons), ctx.GeoVerdict);
                break;
            default:
                JsonSerializer.Serialize(w, new GameSessionPlayed(a.GameId!, a.Time, a.Until!.Value, a.Text), ctx.GameSessionPlayed);
                break;
        }
        w.WriteEndObject();
    }

    /// <summary>The feed (CloudEvent source) an activity is sent on.</summary>
    public static string SourceOf(ActivityKind kind) => kind switch
    {
        ActivityKind.Registered or ActivityKind.Updated or ActivityKind.Login or ActivityKind.Consent or ActivityKind.Rg => PamSource,
        ActivityKind.Deposit or ActivityKind.Withdrawal or ActivityKind.Bet or ActivityKind.Win or ActivityKind.Rollback => WalletSource,
        ActivityKind.Bonus => BonusSource,
        ActivityKind.Kyc or ActivityKind.Aml or ActivityKind.Geo => ChecksSource,
        _ => GamesSource,
    };

    private static string TypeOf(ActivityKind kind) => kind switch
    {
        ActivityKind.Registered => EventTypes.PlayerRegistered,
        ActivityKind.Updated => EventTypes.PlayerUpdated,
        ActivityKind.Login => EventTypes.PlayerLogin,
        ActivityKind.Consent => EventTypes.PlayerConsent,
        ActivityKind.Rg => EventTypes.PlayerRg,
        ActivityKind.Deposit => EventTypes.WalletDeposit,
        ActivityKind.Withdrawal => EventTypes.WalletWithdrawal,
        ActivityKind.Bet => EventTypes.WalletBet,
        ActivityKind.Win => EventTypes.WalletWin,
        ActivityKind.Rollback => EventTypes.WalletRollback,
        ActivityKind.Bonus => EventTypes.BonusGranted,
        ActivityKind.Kyc => EventTypes.PlayerKyc,
        ActivityKind.Aml => EventTypes.PlayerAml,
        ActivityKind.Geo => EventTypes.PlayerGeo,
        _ => EventTypes.GameSession,
    };

    /// <summary>
    /// A bet, win or rollback that names its game provider (<c>data.provider</c>, which the contract's records do not
    /// carry): written field by field, in the records' order, the provider last.
    /// </summary>
    private static void WriteWithProvider(Utf8JsonWriter w, Player p, Activity a, decimal? rate)
    {
        w.WriteStartObject();
        w.WriteString("transactionId", a.Id);
        if (a.Kind == ActivityKind.Rollback)
        {
            w.WriteString("referenceTransactionId", a.Reference);
        }
        else
        {
            w.WriteString("roundId", a.RoundId);
            w.WriteString("gameId", a.GameId);
            w.WriteNumber("amount", a.Amount);
            w.WriteString("currency", p.Currency);
            if (a.Kind == ActivityKind.Bet && a.BonusAmount is { } bonus) w.WriteNumber("bonusAmount", bonus);
            if (a.Kind == ActivityKind.Win) w.WriteBoolean("roundClosed", a.Flag);
            if (rate is { } r) w.WriteNumber("exchangeRate", r);
        }
        w.WriteString("provider", a.Provider);
        w.WriteEndObject();
    }

    /// <summary>A wallet event's id is its transaction's; a payment's later states (and a pending request) add their status, so each state is an event of its own.</summary>
    public static string EventId(Activity a) => a.Kind switch
    {
        ActivityKind.Deposit or ActivityKind.Withdrawal when a.Status is not ("approved" or "rejected") => $"w-{a.Id}-{a.Status}",
        ActivityKind.Deposit or ActivityKind.Withdrawal or ActivityKind.Bet or ActivityKind.Win or ActivityKind.Rollback => "w-" + a.Id,
        _ => "e-" + a.Id,
    };
}
