using System.Globalization;
using System.Text.Json;
using Simulator.Population;

namespace Simulator.Live;

public enum Feed
{
    Canonical,
    FastTrack,
    Hub88,
    /// <summary>The KYC vendor's webhooks (<see cref="SumsubWebhooks"/>), for every player whatever their operator's feed.</summary>
    Sumsub,
}

/// <summary>One HTTP request to Ingestion: a vendor message (path and JSON body), or a canonical event line.</summary>
public sealed record Outgoing(Feed Feed, string Path, byte[] Body);

/// <summary>
/// Renders an activity in the format of the feed its player's operator uses. Fast Track carries casino, payment and
/// login messages; Hub88 (a game aggregator's wallet calls) carries bets, wins and rollbacks of EUR players. What a
/// vendor has no message for goes through the canonical API, as an operator would send it.
/// </summary>
public static class VendorRenderer
{
    public const string FastTrackPrefix = "/compat/fasttrack";
    public const string Hub88Prefix = "/compat/hub88";

    public static Feed FeedOf(Player p) => (p.Index % 3) switch
    {
        1 => Feed.FastTrack,
        2 when p.Currency == "EUR" => Feed.Hub88,
        _ => Feed.Canonical,
    };

    public static Outgoing? Render(Feed feed, Player p, Activity a)
    {
        var time = a.Time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
        var rate = p.ExchangeRate;
        if (feed == Feed.FastTrack)
        {
            var ft = FastTrackJson.Default;
            switch (a.Kind)
            {
                case ActivityKind.Bet:
                    return new(feed, FastTrackPrefix + "/v1/integration/casino", JsonSerializer.SerializeToUtf8Bytes(new FtCasino(p.Id, a.Id, "Bet", time,
                        "Approved", a.Amount, a.BonusAmount, p.Currency, rate, a.GameId!, a.RoundId!, false, "sim", "sim"), ft.FtCasino));
                case ActivityKind.Win:
                    return new(feed, FastTrackPrefix + "/v1/integration/casino", JsonSerializer.SerializeToUtf8Bytes(new FtCasino(p.Id, a.Id, "Win", time,
                        "Approved", a.Amount, null, p.Currency, rate, a.GameId!, a.RoundId!, a.Flag, "sim", "sim"), ft.FtCasino));
                case ActivityKind.Rollback:
                    // Fast Track rolls back by sending the activity again with status Rollback.
                    return new(feed, FastTrackPrefix + "/v1/integration/casino", JsonSerializer.SerializeToUtf8Bytes(new FtCasino(p.Id, a.Reference!, "Bet", time,
                        "Rollback", 0, null, p.Currency, rate, "-", "-", true, "sim", "sim"), ft.FtCasino));
                // Fast Track's payment statuses here are Approved and Rejected; a payment's other states go canonical.
                case ActivityKind.Deposit or ActivityKind.Withdrawal when a.Status is "approved" or "rejected":
                    return new(feed, FastTrackPrefix + "/v1/integration/payment", JsonSerializer.SerializeToUtf8Bytes(new FtPayment(p.Id, a.Id,
                        a.Kind == ActivityKind.Deposit ? "Credit" : "Debit", a.Status == "approved" ? "Approved" : "Rejected", time, a.Amount, p.Currency, rate,
                        a.Text ?? "card", "sim"), ft.FtPayment));
                case ActivityKind.Login:
                    return new(feed, FastTrackPrefix + "/v2/integration/login", JsonSerializer.SerializeToUtf8Bytes(new FtLogin(p.Id, time, false,
                        a.Text == "mobile" ? "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148" : "Mozilla/5.0 (X11; Linux x86_64)", "sim"), ft.FtLogin));
            }
        }
        if (feed == Feed.Hub88 && a.BonusAmount is null && p.Currency == "EUR")
        {
            var units = (long)(a.Amount * 100_000m);
            var call = a.Kind switch
            {
                ActivityKind.Bet => new Hub88WalletCall(p.Id, a.Id, "s-" + a.Id, "tok-" + p.Id, a.RoundId, false, "req-" + a.Id, null, false, a.GameId, p.Currency, units),
                ActivityKind.Win => new Hub88WalletCall(p.Id, a.Id, "s-" + a.Id, "tok-" + p.Id, a.RoundId, a.Flag, "req-" + a.Id, null, false, a.GameId, p.Currency, units),
                ActivityKind.Rollback => new Hub88WalletCall(p.Id, a.Id, "s-" + a.Id, "tok-" + p.Id, null, null, "req-" + a.Id, a.Reference, false, null, p.Currency, null),
                _ => null,
            };
            if (call is not null)
            {
                var path = a.Kind switch { ActivityKind.Bet => "bet", ActivityKind.Win => "win", _ => "rollback" };
                return new(feed, $"{Hub88Prefix}/transaction/{path}", JsonSerializer.SerializeToUtf8Bytes(call, Hub88Json.Default.Hub88WalletCall));
            }
        }
        return null;
    }
}
