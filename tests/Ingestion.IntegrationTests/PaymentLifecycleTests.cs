using CsCheck;
using Ingestion.Profiles;
using Shared.Contracts;
using Shared.Store;
using TestSupport;
using static Ingestion.IntegrationTests.ExactnessTests;

namespace Ingestion.IntegrationTests;

/// <summary>
/// A cashier's whole lifecycle (contract 1b): declines with reasons, cancellations, chargebacks, reversals and refunds
/// count by each payment's top-ranked state, on that state's day, whatever order the states arrive in.
/// </summary>
public class PaymentLifecycleTests(StoreServers servers)
{
    private static readonly DateTimeOffset T = WalletHistory.Start.AddHours(3);

    [Theory]
    [ClassData(typeof(StoreKinds))]
    public async Task APaymentsStates_InEveryPermutation_FoldToTheSameProfile(string kind)
    {
        using var redis = await servers.ConnectAsync(kind);
        await Gen.Int.SampleAsync(async seed =>
        {
            var rng = new Random(seed);
            var events = Lifecycle(rng);
            var end = T.AddDays(10);
            var expected = WalletHistory.Expected(events, "p", end);
            // Every permutation of up to five states, each copy delivered twice, one per batch or all in one.
            foreach (var order in Permutations(events.Count).OrderBy(_ => rng.Next()).Take(24))
            {
                var keys = new StoreKeys(TestKeys.Prefix());
                var delivered = order.Select(i => events[i]).Concat(order.Select(i => events[i])).ToList();
                var outcomes = await ApplyAsync(redis, keys, delivered, rng, batch: rng.Next(2) == 0 ? 1 : delivered.Count);
                Assert.All(outcomes.Skip(events.Count), o => Assert.Equal(FoldOutcome.Duplicate, o));
                var p = await ReadAsync(redis, keys, "p", end);
                Assert.Equal(expected.Lifetime, p!.Lifetime);
                Assert.Equal(expected.Windows["7d"], p.Windows["7d"]);
                Assert.Equal(expected.Windows["1d"], p.Windows["1d"]);
            }
        }, iter: 12, threads: 1);
    }

    [Theory]
    [ClassData(typeof(StoreKinds))]
    public async Task AChargebackBeforeItsApproval_TakesTheDepositOut_AndCountsTheChargebackOnItsDay(string kind)
    {
        using var redis = await servers.ConnectAsync(kind);
        var keys = new StoreKeys(TestKeys.Prefix());
        GenEvent approved = new("wallet.deposit", "d1", "p", T, Tx: "dep-1", Amount: 100, Status: "approved", Method: "card");
        GenEvent chargeback = new("wallet.deposit", "d2", "p", T.AddDays(5), Tx: "dep-1", Amount: 40, Status: "chargeback");
        // A duplicate approval after the chargeback does not bring the money back.
        var outcomes = await ApplyAsync(redis, keys, [chargeback, approved, approved with { Id = "d1-again" }], new Random(1), batch: 1);

        Assert.Equal([FoldOutcome.Applied, FoldOutcome.Superseded, FoldOutcome.Duplicate], outcomes);
        var p = (await ReadAsync(redis, keys, "p", T.AddDays(5)))!;
        Assert.Equal((0L, 0m), (p.Lifetime.DepositCount, p.Lifetime.DepositAmount));
        Assert.Equal((1L, 40m), (p.Lifetime.ChargebackCount, p.Lifetime.ChargebackAmount));
        Assert.Equal((1L, 40m), (p.Windows["1d"].ChargebackCount, p.Windows["1d"].ChargebackAmount));
        // The approval was an attempt: it is still the first deposit's time and method.
        Assert.Equal(T, p.Lifetime.FirstDepositAt);
        Assert.Equal(("card", "card"), (p.Lifetime.FirstPaymentMethod, p.Lifetime.LastPaymentMethod));
        Assert.Equal(["card"], p.Lifetime.PaymentMethods!);
    }

    [Theory]
    [ClassData(typeof(StoreKinds))]
    public async Task DeclinedDeposits_CountByNormalisedReason_UntilAnApprovalOfTheSamePaymentTakesThemBack(string kind)
    {
        using var redis = await servers.ConnectAsync(kind);
        var keys = new StoreKeys(TestKeys.Prefix());
        GenEvent[] events =
        [
            new("wallet.deposit", "a", "p", T, Tx: "dep-1", Amount: 10, Status: "rejected", Reason: "insufficient_funds"),
            new("wallet.deposit", "b", "p", T.AddMinutes(1), Tx: "dep-2", Amount: 10, Status: "rejected", Reason: "suspected_fraud"),
            new("wallet.deposit", "c", "p", T.AddMinutes(2), Tx: "dep-3", Amount: 10, Status: "rejected"),
            new("wallet.deposit", "d", "p", T.AddMinutes(3), Tx: "dep-3", Amount: 10, Status: "cancelled"),
            new("wallet.deposit", "e", "p", T.AddMinutes(4), Tx: "dep-4", Amount: 10, Status: "rejected", Reason: "limit_exceeded"),
            new("wallet.deposit", "f", "p", T.AddMinutes(5), Tx: "dep-4", Amount: 10, Status: "approved", Method: "e_wallet"),
        ];
        await ApplyAsync(redis, keys, events, new Random(2), batch: 1);

        var l = (await ReadAsync(redis, keys, "p", T))!.Lifetime;
        Assert.Equal(3, l.DeclinedDepositCount);
        Assert.Equal(new DeclineReasons(1, 0, 1, 0, 0, 1), l.DeclinedDepositReasons);
        Assert.Equal((1L, 10m), (l.DepositCount, l.DepositAmount));
    }

    [Theory]
    [ClassData(typeof(StoreKinds))]
    public async Task ReversalsAndRefunds_CountApart_AndAWithdrawalCannotBeChargedBack(string kind)
    {
        using var redis = await servers.ConnectAsync(kind);
        var keys = new StoreKeys(TestKeys.Prefix());
        GenEvent[] events =
        [
            new("wallet.withdrawal", "w1", "p", T, Tx: "wd-1", Amount: 30, Status: "approved", Method: "bank_transfer"),
            new("wallet.withdrawal", "w2", "p", T.AddDays(1), Tx: "wd-1", Amount: 30, Status: "reversed"),
            new("wallet.deposit", "d1", "p", T, Tx: "dep-1", Amount: 20, Status: "approved", Method: "open_banking"),
            new("wallet.deposit", "d2", "p", T.AddDays(3), Tx: "dep-1", Amount: 20, Status: "reversed"),
            new("wallet.deposit", "d3", "p", T, Tx: "dep-2", Amount: 15, Status: "approved", Method: "crypto"),
            new("wallet.deposit", "d4", "p", T.AddDays(2), Tx: "dep-2", Amount: 15, Status: "refunded"),
        ];
        await ApplyAsync(redis, keys, [.. events.Reverse()], new Random(3), batch: 2);

        var p = (await ReadAsync(redis, keys, "p", T.AddDays(3)))!;
        Assert.Equal((0L, 0L), (p.Lifetime.DepositCount, p.Lifetime.WithdrawalCount));
        Assert.Equal((1L, 30m), (p.Lifetime.ReversedWithdrawalCount, p.Lifetime.ReversedWithdrawalAmount));
        Assert.Equal((1L, 20m), (p.Lifetime.ReversedDepositCount, p.Lifetime.ReversedDepositAmount));
        Assert.Equal((1L, 15m), (p.Lifetime.RefundCount, p.Lifetime.RefundAmount));
        Assert.Equal(["bank_transfer", "open_banking", "crypto"], p.Lifetime.PaymentMethods!);
        Assert.Equal(3, p.Lifetime.PaymentMethodCount);
        // Today (day 3) holds the deposit's reversal only; the methods were used on day 0, outside the 1-day window.
        Assert.Equal((1L, 0L, 0L), (p.Windows["1d"].ReversedDepositCount, p.Windows["1d"].ReversedWithdrawalCount, p.Windows["1d"].RefundCount));
        Assert.Empty(p.Windows["1d"].PaymentMethods!);

        var parser = Parser();
        var error = Assert.Throws<Ingestion.Events.EventRejectedException>(() =>
            parser.Parse(new GenEvent("wallet.withdrawal", "w3", "p", T, Tx: "wd-2", Amount: 5, Status: "chargeback").ToElement()));
        Assert.Equal("field data.status: 'chargeback' applies to deposits only (a withdrawal returned to the player is 'reversed')", error.Message);
    }

    /// <summary>One deposit or withdrawal in two to five of its states on different days, with a method and reasons.</summary>
    private static List<GenEvent> Lifecycle(Random rng)
    {
        var withdrawal = rng.Next(3) == 0;
        string[] statuses = withdrawal
            ? ["pending", "rejected", "cancelled", "approved", "reversed"]
            : ["pending", "rejected", "cancelled", "approved", "chargeback", "reversed", "refunded"];
        string[] methods = ["card", "e_wallet", "bank_transfer", "crypto"];
        var picked = statuses.OrderBy(_ => rng.Next()).Take(rng.Next(2, 6)).ToList();
        return [.. picked.Select((s, i) => new GenEvent(withdrawal ? "wallet.withdrawal" : "wallet.deposit", $"e{i}", "p", T.AddDays(rng.Next(0, 10)),
            Tx: "tx", Amount: s == "chargeback" ? 12.5m : 50m, Status: s, Method: methods[rng.Next(methods.Length)],
            Reason: s == "rejected" ? "authentication_failed" : null))];
    }

    private static IEnumerable<int[]> Permutations(int n)
    {
        if (n == 0)
        {
            yield return [];
            yield break;
        }
        foreach (var rest in Permutations(n - 1))
        {
            for (var at = 0; at <= rest.Length; at++) yield return [.. rest[..at], n - 1, .. rest[at..]];
        }
    }
}
