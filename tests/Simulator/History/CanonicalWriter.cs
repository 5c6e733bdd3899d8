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
        var (type, source) = a.Kind switch
        {
            ActivityKind.Registered => (EventTypes.PlayerRegistered, PamSource),
            ActivityKind.Updated => (EventTypes.PlayerUpdated, PamSource),
            ActivityKind.Login => (EventTypes.PlayerLogin, PamSource),
            ActivityKind.Consent => (EventTypes.PlayerConsent, PamSource),
            ActivityKind.Rg => (EventTypes.PlayerRg, PamSource),
            ActivityKind.Deposit => (EventTypes.WalletDeposit, WalletSource),
            ActivityKind.Withdrawal => (EventTypes.WalletWithdrawal, WalletSource),
            ActivityKind.Bet => (EventTypes.WalletBet, WalletSource),
            ActivityKind.Win => (EventTypes.WalletWin, WalletSource),
            ActivityKind.Rollback => (EventTypes.WalletRollback, WalletSource),
            ActivityKind.Bonus => (EventTypes.BonusGranted, BonusSource),
            ActivityKind.Kyc => (EventTypes.PlayerKyc, ChecksSource),
            ActivityKind.Aml => (EventTypes.PlayerAml, ChecksSource),
            ActivityKind.Geo => (EventTypes.PlayerGeo, ChecksSource),
            _ => (EventTypes.GameSession, GamesSource),
        };
        w.WriteStartObject();
        w.WriteString("specversion", "1.0");
        w.WriteString("id", EventId(a));
        w.WriteString("source", source);
        w.WriteString("type", type);
        w.WriteString("time", a.Time);
        w.WriteString("subject", p.Id);
        w.WritePropertyName("data");
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

    /// <summary>A wallet event's id is its transaction's; a payment's later states (and a pending request) add their status, so each state is an event of its own.</summary>
    public static string EventId(Activity a) => a.Kind switch
    {
        ActivityKind.Deposit or ActivityKind.Withdrawal when a.Status is not ("approved" or "rejected") => $"w-{a.Id}-{a.Status}",
        ActivityKind.Deposit or ActivityKind.Withdrawal or ActivityKind.Bet or ActivityKind.Win or ActivityKind.Rollback => "w-" + a.Id,
        _ => "e-" + a.Id,
    };
}
