using Lobby.Play;
using Shared.Contracts;
using static Lobby.UnitTests.TestData;

namespace Lobby.UnitTests.Play;

public sealed class SaferGamblingTests
{
    private static PlayerProfile With(ResponsibleGambling rg) => Profile("p-1") with { Rg = rg };

    [Fact]
    public void SelfExclusionInForce_IsARestriction_UntilItsDate()
    {
        var until = Now.AddDays(180);
        var restriction = SaferGambling.RestrictionOf(With(new ResponsibleGambling(until, null, false, null)), Now);

        Assert.Equal(new Restriction(MarketingPolicy.SelfExcluded, until), restriction);
        Assert.Contains("22 May 2027", restriction!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CoolingOff_AndBlocks_AreRestrictions_TheStrictestFirst()
    {
        Assert.Equal(MarketingPolicy.CoolingOff, SaferGambling.RestrictionOf(With(new ResponsibleGambling(null, Now.AddHours(5), false, null)), Now)!.Kind);
        Assert.Equal(MarketingPolicy.Blocked, SaferGambling.RestrictionOf(With(new ResponsibleGambling(Now.AddDays(1), Now.AddDays(1), true, null)), Now)!.Kind);
        Assert.Equal(MarketingPolicy.SelfExcluded, SaferGambling.RestrictionOf(With(new ResponsibleGambling(Now.AddDays(1), Now.AddDays(1), false, null)), Now)!.Kind);
    }

    [Fact]
    public void ExpiredRestrictions_DepositLimits_AndUnknownPlayers_AreNoRestriction()
    {
        Assert.Null(SaferGambling.RestrictionOf(With(new ResponsibleGambling(Now.AddSeconds(-1), Now.AddDays(-2), false, null)), Now));
        Assert.Null(SaferGambling.RestrictionOf(With(new ResponsibleGambling(null, null, false, new DepositLimit(100, "week"))), Now));
        Assert.Null(SaferGambling.RestrictionOf(null, Now));
    }

    [Fact]
    public void ABlockedLocation_OffersNothingToLaunch_WithAPlainMessage()
    {
        var profile = With(new ResponsibleGambling(null, null, false, null)) with
        {
            Verification = new Verification(null, null, new GeoCheck("blocked", "US", "NJ", ["outside_licensed_area"], Now)),
        };
        var restriction = SaferGambling.RestrictionOf(profile, Now)!;
        Assert.Equal(MarketingPolicy.GeoBlocked, restriction.Kind);
        Assert.Equal("Not available in your location", restriction.Heading);
        Assert.StartsWith("Games are not available where you are right now.", restriction.Message);
        Assert.Null(SaferGambling.RestrictionOf(profile with { Verification = new Verification(null, null, new GeoCheck("allowed", "GB", null, [], Now)) }, Now));
    }
}
