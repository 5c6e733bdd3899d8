using Shared.Contracts;
using Simulator.History;
using Simulator.Population;
using Simulator.Reference;

namespace Simulator.Tests;

/// <summary>
/// The simulated casino's cashier and compliance checks (<see cref="CashierAndChecks"/>): every kind of contract 1b is
/// in the history at its documented rate, and the plain reference fold reads the same profiles whatever their order.
/// </summary>
public sealed class CashierAndChecksTests
{
    private static readonly Lazy<(World World, List<Activity> All, List<PlayerSimulation> Sims)> Population = new(() =>
    {
        var world = World.Create(31, 1000, 240, HistoryFiles.End);
        var sims = new PlayerSimulation[world.PlayerCount];
        Parallel.For(0, sims.Length, i => sims[i] = world.Simulate(i, 0.002));
        return (world, sims.SelectMany(s => s.Activities).ToList(), sims.ToList());
    });

    private static void Share(string what, double share, double low, double high) =>
        Assert.True(share >= low && share <= high, $"{what}: {share:P2}, expected {low:P2}–{high:P2}");

    [Fact]
    public void PlayItself_IsWhatItWasWithoutTheCashierAndChecks()
    {
        var world = World.Create(31, 200, 120, HistoryFiles.End);
        for (var i = 0; i < world.PlayerCount; i++)
        {
            var player = world.Player(i);
            // The player simulated as before the cashier and checks existed (World.Simulate without them).
            var plain = new PlayerSimulation(player, world.Games, 0.002, World.HistoryIdPrefix) { AtRisk = AtRiskPlan.Draw(new Random(Seeds.Mix(31, i, 9)), player, world.End) };
            plain.RunHistory(new Random(Seeds.Mix(31, i, 3)), world.End);
            var full = world.Simulate(i, 0.002).Activities;
            var added = full.Skip(plain.Activities.Count).ToList();
            Assert.Equal(plain.Activities.Select(a => (a.Kind, a.Time, a.Id, a.Amount, a.Status, a.GameId)),
                full.Take(plain.Activities.Count).Select(a => (a.Kind, a.Time, a.Id, a.Amount, a.Status, a.GameId)));
            Assert.All(added, a => Assert.True(a.Kind is ActivityKind.Kyc or ActivityKind.Aml or ActivityKind.Geo || a.Status is not ("approved" or "rejected"), $"{a}"));
        }
    }

    [Fact]
    public void DeclinedDeposits_CarryAReasonAndTheVendorsCode_InTheDocumentedMix()
    {
        var deposits = Population.Value.All.Where(a => a.Kind == ActivityKind.Deposit).ToList();
        var declined = deposits.Where(a => a.Status == "rejected").ToList();
        Share("declined of attempts", declined.Count / (double)deposits.Count(a => a.Status is "approved" or "rejected"), 0.02, 0.08);
        Assert.All(declined, a => Assert.False(a.DeclineReason is null || a.VendorCode is null, $"{a.Id} has no reason or code"));
        var reasons = declined.GroupBy(a => a.DeclineReason!).ToDictionary(g => g.Key, g => g.Count() / (double)declined.Count);
        Assert.Equal(["authentication_failed", "expired_or_invalid", "insufficient_funds", "limit_exceeded", "other", "suspected_fraud"], reasons.Keys.Order(StringComparer.Ordinal));
        // A hundred-odd declines: too few to pin each share, enough to see the commonest.
        Assert.Equal("insufficient_funds", reasons.MaxBy(r => r.Value).Key);
        Assert.All(declined.Where(a => a.Text == "card"), a => Assert.Matches("^(51|1A|61|54|59|05)$", a.VendorCode));
    }

    [Fact]
    public void ApprovedPayments_AreChargedBackReversedOrCancelled_AtTheDocumentedRates()
    {
        var (world, all, _) = Population.Value;
        var payments = all.Where(a => a.Kind is ActivityKind.Deposit or ActivityKind.Withdrawal).ToList();
        var later = payments.Where(a => a.Status is "chargeback" or "reversed" or "cancelled" or "pending").ToLookup(a => (a.Kind, a.Status));
        // Only payments old enough for their later state to have happened before the end of history.
        double Rate(ActivityKind kind, string status, Func<Activity, bool> eligible, int days)
        {
            var approved = payments.Where(a => a.Kind == kind && a.Status == "approved" && eligible(a) && a.Time < world.End.AddDays(-days)).ToList();
            var ids = approved.Select(a => a.Id).ToHashSet(StringComparer.Ordinal);
            return later[(kind, status)].Count(a => ids.Contains(a.Id)) / (double)approved.Count;
        }
        Share("chargebacks of card and e-wallet deposits", Rate(ActivityKind.Deposit, "chargeback", a => a.Text is "card" or "e_wallet", 90), 0.003, 0.007);
        Share("reversals of bank and open-banking deposits", Rate(ActivityKind.Deposit, "reversed", a => a.Text is "bank_transfer" or "open_banking", 3), 0.006, 0.014);
        Share("returned withdrawals", Rate(ActivityKind.Withdrawal, "reversed", _ => true, 7), 0.005, 0.016);
        var withdrawals = payments.Count(a => a.Kind == ActivityKind.Withdrawal && a.Status == "approved");
        Share("cancelled withdrawal requests", later[(ActivityKind.Withdrawal, "cancelled")].Count() / (double)withdrawals, 0.03, 0.05);
        // A later state is the same payment: same transaction, amount, method and provider.
        var byId = payments.Where(a => a.Status == "approved").ToDictionary(a => (a.Kind, a.Id));
        Assert.All(later[(ActivityKind.Deposit, "chargeback")], c =>
        {
            var original = byId[(c.Kind, c.Id)];
            Assert.Equal((original.Amount, original.Text, original.Provider), (c.Amount, c.Text, c.Provider));
            Assert.True(c.Time > original.Time.AddDays(29));
        });
        // A cancelled request was pending first, under a transaction of its own.
        Assert.All(later[(ActivityKind.Withdrawal, "cancelled")], c => Assert.Contains(later[(ActivityKind.Withdrawal, "pending")], p => p.Id == c.Id && p.Time < c.Time));
        Assert.All(later[(ActivityKind.Withdrawal, "cancelled")], c => Assert.False(byId.ContainsKey((c.Kind, c.Id))));
    }

    [Fact]
    public void EachPlayer_PaysWithOneToThreeMethods_EachThroughAPsp()
    {
        var sims = Population.Value.Sims;
        var methods = sims.Select(s => s.Activities.Where(a => a.Kind == ActivityKind.Deposit).Select(a => a.Text).Distinct().Count())
            .Where(n => n > 0).ToList();
        Assert.All(methods, n => Assert.InRange(n, 1, 3));
        Assert.Contains(3, methods);
        var payments = sims.SelectMany(s => s.Activities).Where(a => a.Kind is ActivityKind.Deposit or ActivityKind.Withdrawal).ToList();
        Assert.All(payments, a => Assert.False(a.Text is null || a.Provider is null, $"{a.Id}: method {a.Text}, provider {a.Provider}"));
        Assert.Equal(["bank_transfer", "card", "crypto", "e_wallet", "open_banking", "voucher"], payments.Select(a => a.Text!).Distinct().Order(StringComparer.Ordinal));
        Assert.DoesNotContain(payments, a => a.Kind == ActivityKind.Withdrawal && a.Text == "voucher");
    }

    [Fact]
    public void Depositors_AreCheckedBySumsubAndForAml_AndLoginsByGeolocation()
    {
        var sims = Population.Value.Sims;
        // Players whose first deposit is a day or more before the end of history, so its checks are in it.
        var end = HistoryFiles.End.AddDays(-1);
        var depositors = sims.Where(s => s.Activities.Where(a => a is { Kind: ActivityKind.Deposit, Status: "approved" }).Select(a => a.Time)
            .DefaultIfEmpty(end).Min() < end).ToList();
        var kyc = depositors.Select(s => s.Activities.Where(a => a.Kind == ActivityKind.Kyc).OrderBy(a => a.Time).ToList()).ToList();
        Assert.All(kyc, k => Assert.Equal("pending", k[0].Text));
        Assert.All(kyc.SelectMany(k => k), a => Assert.Equal(CashierAndChecks.KycProvider, a.Provider));
        var last = kyc.Select(k => k[^1].Text!).GroupBy(x => x).ToDictionary(g => g.Key, g => g.Count() / (double)kyc.Count);
        Share("verified", last["verified"], 0.7, 0.85);
        Share("rejected", last["rejected"], 0.02, 0.08);
        Share("left at retry", last["retry"], 0.04, 0.12);
        Share("still pending", last["pending"], 0.04, 0.12);
        // A player the operator marked verified has Sumsub's verdict at that moment.
        Assert.All(depositors.Where(s => s.Activities.Any(a => a.Kind == ActivityKind.Updated && a.Text == "verified" && a.Time < HistoryFiles.End)), s =>
            Assert.Contains(s.Activities, a => a.Kind == ActivityKind.Kyc && a.Text == "verified" && a.Final == true
                && a.Time == s.Activities.First(u => u.Kind == ActivityKind.Updated && u.Text == "verified").Time));

        var aml = depositors.Select(s => s.Activities.First(a => a.Kind == ActivityKind.Aml && a.Id.EndsWith("-aml0", StringComparison.Ordinal)).Text).ToList();
        Share("high AML risk", aml.Count(x => x == "high") / (double)aml.Count, 0.015, 0.05);
        Share("medium AML risk", aml.Count(x => x == "medium") / (double)aml.Count, 0.08, 0.16);

        var geo = sims.SelectMany(s => s.Activities).Where(a => a.Kind == ActivityKind.Geo).ToList();
        var logins = sims.Sum(s => s.Activities.Count(a => a.Kind == ActivityKind.Login));
        Share("geo-checked logins", (geo.Count - sims.Count) / (double)logins, 0.09, 0.11);
        Share("geo blocked", geo.Count(a => a.Text == "blocked") / (double)geo.Count, 0.01, 0.02);
        Assert.All(geo.Where(a => a.Text != "allowed"), a => Assert.NotEmpty(a.Reasons!));
    }

    [Fact]
    public void History_ContainsEveryNewKind_AndTheReferenceProfileIgnoresOrderAndDuplicates()
    {
        var (dir, summary) = HistoryFiles.Generate(33, 300, 150);
        var lines = HistoryFiles.Lines(dir).ToList();
        var events = lines.Select(RefEvent.Parse).ToList();
        var data = lines.Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement).ToList();
        string Field(System.Text.Json.JsonElement e, string name) => e.GetProperty("data").TryGetProperty(name, out var v) ? v.ToString() : "";
        var kinds = data.Select(e => e.GetProperty("type").GetString() + ":" + (e.GetProperty("type").GetString() switch
        {
            EventTypes.PlayerKyc or EventTypes.WalletDeposit or EventTypes.WalletWithdrawal => Field(e, "status"),
            EventTypes.PlayerAml => Field(e, "riskLevel"),
            EventTypes.PlayerGeo => Field(e, "result"),
            _ => "",
        })).ToHashSet(StringComparer.Ordinal);
        string[] wanted =
        [
            "player.kyc:pending", "player.kyc:verified", "player.kyc:retry", "player.kyc:rejected",
            "player.aml:low", "player.aml:medium", "player.aml:high", "player.geo:allowed", "player.geo:blocked",
            "wallet.deposit:approved", "wallet.deposit:rejected", "wallet.deposit:chargeback", "wallet.deposit:reversed",
            "wallet.withdrawal:approved", "wallet.withdrawal:reversed", "wallet.withdrawal:pending", "wallet.withdrawal:cancelled",
        ];
        Assert.Empty(wanted.Except(kinds));
        Assert.Equal(6, events.Where(e => e.Reason is not null).Select(e => e.Reason).Distinct().Count());
        var payments = data.Where(e => e.GetProperty("type").GetString() is EventTypes.WalletDeposit or EventTypes.WalletWithdrawal).ToList();
        Assert.All(payments.Where(e => Field(e, "status") == "rejected"), e => Assert.NotEqual("", Field(e, "vendorCode")));
        Assert.All(payments, e => Assert.NotEqual("", Field(e, "provider")));
        // Every event of a source has its own id, a payment's states included.
        Assert.Equal(events.DistinctBy(e => (e.Source, e.Id, e.Status)).Count(), events.DistinctBy(e => (e.Source, e.Id)).Count());

        var ordered = ReferenceFold.FoldAll(events, summary.End);
        var rng = new Random(5);
        var shuffled = events.Concat(events.Where(_ => rng.NextDouble() < 0.1)).OrderBy(_ => rng.Next()).ToList();
        var again = ReferenceFold.FoldAll(shuffled, summary.End);
        Assert.Equal(ordered.Keys.Order(StringComparer.Ordinal), again.Keys.Order(StringComparer.Ordinal));
        foreach (var (player, want) in ordered)
        {
            var got = again[player];
            Assert.Equal(want.Lifetime, got.Lifetime);
            foreach (var (window, totals) in want.Windows) Assert.Equal(totals, got.Windows[window]);
            Assert.Equal(want.Games.OrderBy(g => g.Key, StringComparer.Ordinal), got.Games.OrderBy(g => g.Key, StringComparer.Ordinal));
        }
        Assert.True(ordered.Values.Sum(e => e.Lifetime.ChargebackCount) > 0);
        Assert.True(ordered.Values.Sum(e => e.Lifetime.ReversedWithdrawalCount) > 0);

        // The summary's totals (what HistoryToProfilesTests holds the real fold to) follow each payment's top state, as the reference does.
        foreach (var t in summary.PerPlayer.Where(t => ordered.ContainsKey(t.PlayerId)))
        {
            var l = ordered[t.PlayerId].Lifetime;
            Assert.Equal((t.Totals.DepositCount, t.Totals.DepositAmount, t.Totals.WithdrawalCount, t.Totals.WithdrawalAmount),
                (l.DepositCount, l.DepositAmount, l.WithdrawalCount, l.WithdrawalAmount));
        }
    }
}
