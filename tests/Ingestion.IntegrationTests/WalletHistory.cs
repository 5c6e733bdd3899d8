using System.Globalization;
using System.Text.Json;

namespace Ingestion.IntegrationTests;

/// <summary>A generated event, both as the model the reference fold reads and as canonical JSON.</summary>
public sealed record GenEvent(string Type, string Id, string Player, DateTimeOffset Time, string? Tx = null, string? Ref = null,
    string? Game = null, decimal Amount = 0, decimal Bonus = 0, string? Status = null, decimal Rate = 1, DateTimeOffset? End = null,
    string? Method = null, string? Reason = null)
{
    public string ToJson()
    {
        static string D(decimal d) => d.ToString(CultureInfo.InvariantCulture);
        var currency = Rate == 1 ? "EUR" : "USD";
        var rate = Rate == 1 ? "" : $",\"exchangeRate\":{D(Rate)}";
        var data = Type switch
        {
            "wallet.bet" => $$"""{"transactionId":"{{Tx}}","roundId":"r-{{Tx}}","gameId":"{{Game}}","amount":{{D(Amount)}},"currency":"{{currency}}","bonusAmount":{{D(Bonus)}}{{rate}}}""",
            "wallet.win" => $$"""{"transactionId":"{{Tx}}","roundId":"r-{{Tx}}","gameId":"{{Game}}","amount":{{D(Amount)}},"currency":"{{currency}}"{{rate}}}""",
            "wallet.deposit" or "wallet.withdrawal" => $$"""{"transactionId":"{{Tx}}","amount":{{D(Amount)}},"currency":"{{currency}}","status":"{{Status}}"{{rate}}{{Optional("method", Method)}}{{Optional("declineReason", Reason)}}}""",
            "wallet.rollback" => $$"""{"transactionId":"{{Tx}}","referenceTransactionId":"{{Ref}}"}""",
            "bonus.granted" => $$"""{"bonusId":"{{Tx}}","amount":{{D(Amount)}},"currency":"EUR"}""",
            "player.login" => """{"device":"mobile"}""",
            "game.session" => $$"""{"gameId":"{{Game}}","startedAt":"{{Time:O}}","endedAt":"{{End:O}}"}""",
            _ => throw new InvalidOperationException(Type),
        };
        return $$"""{"specversion":"1.0","id":"{{Id}}","source":"/test","type":"{{Type}}","time":"{{Time:O}}","subject":"{{Player}}","data":{{data}}}""";
    }

    private static string Optional(string name, string? value) => value is null ? "" : $",\"{name}\":\"{value}\"";

    public JsonElement ToElement() => JsonDocument.Parse(ToJson()).RootElement.Clone();
}

/// <summary>Random histories for a few players over some days: bets, wins, payments that change state, rollbacks.</summary>
public static class WalletHistory
{
    public static readonly DateTimeOffset Start = new(2026, 11, 21, 0, 0, 0, TimeSpan.Zero);

    private static readonly string[] DepositStatuses = ["pending", "rejected", "cancelled", "approved", "chargeback", "reversed", "refunded"];
    private static readonly string[] LegacyStatuses = ["pending", "rejected", "approved"];
    private static readonly string[] WithdrawalStatuses = ["pending", "rejected", "cancelled", "approved", "reversed"];
    private static readonly string[] Methods = ["card", "e_wallet", "bank_transfer", "open_banking", "crypto", "voucher", "mobile", "other"];
    private static readonly string[] Reasons = ["insufficient_funds", "limit_exceeded", "suspected_fraud", "authentication_failed", "expired_or_invalid", "other"];

    /// <param name="days">The span the events' times fall in, from <see cref="Start"/>.</param>
    /// <param name="lifecycle">Payments in all seven states with methods and decline reasons (contract 1b); false: only
    /// pending, rejected and approved, as the version before the ledger knew them.</param>
    public static List<GenEvent> Generate(Random rng, string[] players, int count, int days = 2, bool lifecycle = true)
    {
        var events = new List<GenEvent>();
        var txs = new List<string>();
        string[] games = ["g-1", "g-2", "g-3", "g:4|x"];
        var n = 0;
        DateTimeOffset Time() => Start.AddSeconds(rng.Next(0, days * 86_400)).AddMilliseconds(rng.Next(0, 3) * 250);
        decimal Money() => Math.Round((decimal)rng.NextDouble() * 200m + 0.01m, 2);
        decimal Rate() => rng.Next(4) == 0 ? 0.8765m : 1m;
        for (var i = 0; i < count; i++)
        {
            var player = players[rng.Next(players.Length)];
            var id = $"e{n++}";
            var roll = rng.Next(100);
            GenEvent e;
            if (roll < 35)
            {
                var amount = Money();
                e = new GenEvent("wallet.bet", id, player, Time(), Tx: $"t{n}", Game: games[rng.Next(games.Length)], Amount: amount,
                    Bonus: rng.Next(3) == 0 ? Math.Round(amount / 3, 2) : 0, Rate: Rate());
            }
            else if (roll < 55) e = new GenEvent("wallet.win", id, player, Time(), Tx: $"t{n}", Game: games[rng.Next(games.Length)], Amount: rng.Next(5) == 0 ? 0 : Money(), Rate: Rate());
            else if (roll < 67)
            {
                // A payment seen in one to four of its states, in any order of time, under one transaction id: declines
                // with a reason (or none), chargebacks of part of the amount, reversals, refunds, several methods.
                var tx = $"t{n}";
                var withdrawal = rng.Next(3) == 0;
                var type = withdrawal ? "wallet.withdrawal" : "wallet.deposit";
                var amount = Money();
                var method = rng.Next(5) == 0 || !lifecycle ? null : Methods[rng.Next(Methods.Length)];
                var statuses = !lifecycle ? LegacyStatuses : withdrawal ? WithdrawalStatuses : DepositStatuses;
                foreach (var status in statuses.OrderBy(_ => rng.Next()).Take(rng.Next(1, lifecycle ? 5 : 4)))
                {
                    var reason = status == "rejected" && lifecycle && rng.Next(4) > 0 ? Reasons[rng.Next(Reasons.Length)] : null;
                    var stateAmount = status == "chargeback" && rng.Next(2) == 0 ? Math.Round(amount / 2, 2) : amount;
                    events.Add(new GenEvent(type, $"e{n++}", player, Time(), Tx: tx, Amount: stateAmount, Status: status, Method: method, Reason: reason));
                }
                txs.Add(tx);
                continue;
            }
            else if (roll < 77 && txs.Count > 0)
            {
                var target = rng.Next(5) == 0 ? $"missing-{n}" : txs[rng.Next(txs.Count)];
                e = new GenEvent("wallet.rollback", id, player, Time(), Tx: $"rb{n}", Ref: target);
            }
            else if (roll < 85) e = new GenEvent("player.login", id, player, Time());
            else if (roll < 93)
            {
                var t = Time();
                e = new GenEvent("game.session", id, player, t, Game: games[rng.Next(games.Length)], End: t.AddMinutes(rng.Next(1, 90)));
            }
            else e = new GenEvent("bonus.granted", id, player, Time(), Tx: $"b{n}", Amount: Money());
            if (e.Tx is not null && e.Type is "wallet.bet" or "wallet.win") txs.Add(e.Tx);
            events.Add(e);
        }
        // Rollbacks must reference a transaction of the same player to cancel it; re-home them.
        var owner = events.Where(e => e.Tx is not null && e.Type.StartsWith("wallet.", StringComparison.Ordinal) && e.Type != "wallet.rollback")
            .GroupBy(e => e.Tx!).ToDictionary(g => g.Key, g => g.First().Player);
        return events.Select(e => e.Type == "wallet.rollback" && owner.TryGetValue(e.Ref!, out var p) ? e with { Player = p } : e).ToList();
    }

    /// <summary>What the plain reference fold expects of one player's profile.</summary>
    public static Simulator.Reference.ReferenceFold.Expected Expected(IEnumerable<GenEvent> delivered, string player, DateTimeOffset now) =>
        Simulator.Reference.ReferenceFold.Fold(delivered.Where(e => e.Player == player).Select(e => Simulator.Reference.RefEvent.Parse(e.ToJson())), now);
}
