using Shared.Contracts;

namespace Intelligence.Tests.Scoring;

public sealed class MarketingPolicyTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    internal static PlayerProfile Profile(ResponsibleGambling? rg = null, Dictionary<string, bool>? consents = null)
    {
        var zero = new ActivityTotals(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        return new PlayerProfile("p-1", Now.AddDays(-100), "MT", "MT", "EUR", "verified", null, null, null, null, null,
            consents ?? new Dictionary<string, bool> { ["email"] = true },
            rg ?? new ResponsibleGambling(null, null, false, null),
            new LifetimeTotals(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, null, null, null, null),
            new Dictionary<string, ActivityTotals> { ["1d"] = zero, ["7d"] = zero, ["30d"] = zero, ["90d"] = zero },
            new GameAffinity([], [], new Dictionary<string, decimal>(), new Dictionary<string, decimal>()));
    }

    [Fact]
    public void A_consenting_player_without_restrictions_may_be_marketed_to_on_their_channels()
    {
        var p = MarketingPolicy.Evaluate(Profile(consents: new() { ["email"] = true, ["sms"] = false, ["push"] = true }), Now);
        Assert.True(p.Allowed);
        Assert.Empty(p.Reasons);
        Assert.Equal(["email", "push"], p.Channels);
    }

    [Fact]
    public void Self_exclusion_cooling_off_and_blocks_each_forbid_marketing_whatever_the_consents()
    {
        Assert.Equal([MarketingPolicy.SelfExcluded], MarketingPolicy.Evaluate(Profile(new(Now.AddDays(30), null, false, null)), Now).Reasons);
        Assert.Equal([MarketingPolicy.CoolingOff], MarketingPolicy.Evaluate(Profile(new(null, Now.AddHours(1), false, null)), Now).Reasons);
        Assert.Equal([MarketingPolicy.Blocked], MarketingPolicy.Evaluate(Profile(new(null, null, true, null)), Now).Reasons);
        var all = MarketingPolicy.Evaluate(Profile(new(Now.AddDays(1), Now.AddDays(1), true, null), new() { ["email"] = false }), Now);
        Assert.False(all.Allowed);
        Assert.Equal([MarketingPolicy.SelfExcluded, MarketingPolicy.CoolingOff, MarketingPolicy.Blocked, MarketingPolicy.NoConsent], all.Reasons);
        Assert.Empty(all.Channels);
    }

    [Fact]
    public void An_expired_restriction_no_longer_applies_and_no_consent_is_a_reason_of_its_own()
    {
        Assert.True(MarketingPolicy.Evaluate(Profile(new(Now.AddDays(-1), Now.AddSeconds(-1), false, null)), Now).Allowed);
        var none = MarketingPolicy.Evaluate(Profile(consents: new()), Now);
        Assert.Equal([MarketingPolicy.NoConsent], none.Reasons);
    }

    internal static PlayerProfile Verified(string kyc = "verified", string? aml = null, string? geo = null) =>
        Profile() with
        {
            KycStatus = kyc,
            Verification = new Verification(null,
                aml is null ? null : new AmlCheck(aml, "aml-vendor", [], Now),
                geo is null ? null : new GeoCheck(geo, "GB", null, [], Now)),
        };

    [Fact]
    public void A_rejected_KYC_a_high_AML_risk_and_a_blocked_location_each_forbid_marketing_whatever_the_consents()
    {
        Assert.Equal([MarketingPolicy.KycRejected], MarketingPolicy.Evaluate(Verified("rejected"), Now).Reasons);
        Assert.Equal([MarketingPolicy.AmlHighRisk], MarketingPolicy.Evaluate(Verified(aml: "high"), Now).Reasons);
        Assert.Equal([MarketingPolicy.GeoBlocked], MarketingPolicy.Evaluate(Verified(geo: "blocked"), Now).Reasons);
        Assert.True(MarketingPolicy.Evaluate(Verified("retry", aml: "medium", geo: "error"), Now).Allowed);
    }
}
