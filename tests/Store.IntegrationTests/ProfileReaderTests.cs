using Shared.Contracts;
using Shared.Store;
using StackExchange.Redis;

namespace Store.IntegrationTests;

/// <summary>Shared/Store's profile decoding (no server: the hashes are given).</summary>
public class ProfileReaderTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);
    private static readonly long Today = ProfileReader.DayOf(Now);

    private static HashEntry H(string name, string value) => new(name, value);

    [Fact]
    public void NothingHeld_IsNoProfile() =>
        Assert.Null(ProfileReader.Decode("p", [], [], [], _ => null, Now));

    [Fact]
    public void Windows_SumOnlyTheDaysInside()
    {
        HashEntry[] days =
        [
            H($"{Today}", "1 100000 0 0 3 30000 10000 0 0 0 1 1"),
            H($"{Today - 6}", "0 0 0 0 2 20000 0 0 0 0 0 1"),
            H($"{Today - 7}", "0 0 0 0 5 50000"),
            H($"{Today - 89}", "2 1"),
        ];
        var p = ProfileReader.Decode("p", [H("bc", "10")], days, [], _ => null, Now)!;

        Assert.Equal(3, p.Windows["1d"].BetCount);
        Assert.Equal(10m, p.Windows["1d"].DepositAmount);
        Assert.Equal(2m, p.Windows["1d"].Ggr);
        Assert.Equal(5, p.Windows["7d"].BetCount);
        Assert.Equal(2, p.Windows["7d"].ActiveDays);
        Assert.Equal(10, p.Windows["30d"].BetCount);
        Assert.Equal(3, p.Windows["90d"].DepositCount);
        Assert.Equal(["1d", "7d", "30d", "90d"], p.Windows.Keys);
    }

    [Fact]
    public void PaymentMethodSets_AreUnions_NotSums_AndOpenFieldsOfThemStayOutOfTheLifetimeCounters()
    {
        // Day 27th number: methods as bits (1 card, 2 e_wallet, 4 bank_transfer); today's open field adds e_wallet again.
        HashEntry[] days =
        [
            H($"{Today}", "0 0 0 0 0 0 0 0 0 0 0 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 3"),
            H($"{Today}:27", "2"),
            H($"{Today}:19", "1"), H($"{Today}:20", "400000"),
            H($"{Today - 3}", "0 0 0 0 0 0 0 0 0 0 0 1 2 0 0 0 0 1 0 0 0 0 0 0 0 0 4"),
        ];
        var p = ProfileReader.Decode("p", [H("mm", "7"), H("cbc", "2"), H("cba", "100000")], days, [], _ => null, Now)!;

        Assert.Equal(["card", "e_wallet"], p.Windows["1d"].PaymentMethods!);
        Assert.Equal(["card", "e_wallet", "bank_transfer"], p.Windows["7d"].PaymentMethods!);
        Assert.Equal(3, p.Windows["7d"].PaymentMethodCount);
        Assert.Equal(new DeclineReasons(2, 0, 0, 0, 0, 1), p.Windows["7d"].DeclinedDepositReasons);
        Assert.Equal(3, p.Windows["7d"].DeclinedDepositCount);
        Assert.Equal((3L, 50m), (p.Lifetime.ChargebackCount, p.Lifetime.ChargebackAmount));
        Assert.Equal(3, p.Lifetime.PaymentMethodCount);
    }

    [Fact]
    public void Restrictions_SetBeforeALift_AreNotInForce()
    {
        HashEntry[] profile =
        [
            H("se", "inf"), H("@se", "1000"),
            H("co", $"{Now.AddDays(1).ToUnixTimeMilliseconds()}"), H("@co", "3000"),
            H("lf", "2000"),
        ];
        var p = ProfileReader.Decode("p", profile, [], [], _ => null, Now)!;

        Assert.Null(p.Rg.SelfExcludedUntil);
        Assert.Equal(Now.AddDays(1), p.Rg.CoolingOffUntil);
    }

    [Fact]
    public void IndefiniteSelfExclusion_ShowsAsTheEndOfTime()
    {
        var p = ProfileReader.Decode("p", [H("se", "inf"), H("@se", "5")], [], [], _ => null, Now)!;
        Assert.Equal(ProfileReader.Indefinitely, p.Rg.SelfExcludedUntil);
    }

    [Fact]
    public void GameAffinity_JoinsTheCatalogue_AndOrdersRecentByLastPlayed()
    {
        HashEntry[] games =
        [
            H("g-a:n", "5"), H("g-a:s", "50000"), H("g-a:t", "1000"),
            H("g-b:n", "1"), H("g-b:s", "20000"), H("g-b:t", "9000"),
            H("g-c:t", "5000"),
        ];
        var catalog = new Dictionary<string, Game>
        {
            ["g-a"] = new("g-a", "A", "Pragmatic", "slots", [], 96, "high", 0.1m, 100, false, ["*"], Now, true),
            ["g-b"] = new("g-b", "B", "Evolution", "live", [], 99, "low", 1, 1000, false, ["*"], Now, true),
        };
        var p = ProfileReader.Decode("p", [H("la", "9000")], [], games, id => catalog.GetValueOrDefault(id), Now)!;

        Assert.Equal(["g-a", "g-b"], p.Games.Top.Select(g => g.GameId));
        Assert.Equal(["g-b", "g-c", "g-a"], p.Games.Recent.Select(g => g.GameId));
        Assert.Equal(5m, p.Games.Categories["slots"]);
        Assert.Equal(2m, p.Games.Providers["Evolution"]);
    }

    [Fact]
    public void Consents_ArePerChannel()
    {
        var p = ProfileReader.Decode("p", [H("c:email", "1"), H("c:sms", "0")], [], [], _ => null, Now)!;
        Assert.True(p.Consents["email"]);
        Assert.False(p.Consents["sms"]);
    }

    [Fact]
    public void ProfileChange_RoundTrips()
    {
        var c = new ProfileChange("p-1", "wallet.bet", "g-1");
        Assert.True(ProfileChange.TryParse(c.ToString(), out var back));
        Assert.Equal(c, back);
        Assert.False(ProfileChange.TryParse("", out _));
    }
}
