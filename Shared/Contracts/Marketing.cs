namespace Shared.Contracts;

/// <summary>
/// Whether a player may be marketed to, and if not, why. Responsible gambling comes first: a self-excluded,
/// cooling-off or blocked player is never marketed to, whatever their consents; so is a player whose identity
/// verification was rejected, whose anti-money-laundering risk is high or whose location was found blocked
/// (contract 1b), nor one whose harm-risk band their market suppresses marketing at (<c>harm_risk_high</c>); otherwise
/// at least one marketing channel must have been granted.
/// </summary>
public sealed record MarketingStatus(bool Allowed, IReadOnlyList<string> Reasons, IReadOnlyList<string> Channels);

public static class MarketingPolicy
{
    public const string SelfExcluded = "self_excluded";
    public const string CoolingOff = "cooling_off";
    public const string Blocked = "blocked";
    public const string NoConsent = "no_marketing_consent";
    public const string KycRejected = "kyc_rejected";
    public const string AmlHighRisk = "aml_high_risk";
    public const string GeoBlocked = "geo_blocked";
    public const string HarmRiskHigh = "harm_risk_high";
    public const string HarmRiskElevated = "harm_risk_elevated";

    /// <summary>Channels a player can consent to being marketed through (<c>site</c> is on-site messaging).</summary>
    public static readonly IReadOnlyList<string> MarketingChannels = ["email", "sms", "push", "phone", "site"];

    /// <summary>True when a responsible-gambling restriction is in force at <paramref name="now"/>.</summary>
    public static bool Restricted(PlayerProfile profile, DateTimeOffset now) =>
        profile.Rg.SelfExcludedUntil > now || profile.Rg.CoolingOffUntil > now || profile.Rg.Blocked;

    /// <summary>The verification verdicts that keep a player from being marketed to, in the order reasons are given.</summary>
    public static IEnumerable<string> VerificationReasons(PlayerProfile profile)
    {
        if (profile.KycStatus == "rejected") yield return KycRejected;
        if (profile.Verification?.Aml?.RiskLevel == "high") yield return AmlHighRisk;
        if (profile.Verification?.Geo?.Result == "blocked") yield return GeoBlocked;
        if (HarmReason(profile) is { } harm) yield return harm;
    }

    /// <summary>The harm-risk reason when the player's market suppresses marketing at their harm band, else null.</summary>
    public static string? HarmReason(PlayerProfile profile) => profile.Harm is { Action: HarmFlag.Suppress } h
        ? h.Band == "high" ? HarmRiskHigh : HarmRiskElevated : null;

    public static MarketingStatus Evaluate(PlayerProfile profile, DateTimeOffset now)
    {
        var reasons = new List<string>(2);
        if (profile.Rg.SelfExcludedUntil > now) reasons.Add(SelfExcluded);
        if (profile.Rg.CoolingOffUntil > now) reasons.Add(CoolingOff);
        if (profile.Rg.Blocked) reasons.Add(Blocked);
        reasons.AddRange(VerificationReasons(profile));
        var channels = MarketingChannels.Where(c => profile.Consents.TryGetValue(c, out var granted) && granted).ToList();
        if (channels.Count == 0) reasons.Add(NoConsent);
        return new MarketingStatus(reasons.Count == 0, reasons, reasons.Count == 0 ? channels : []);
    }
}
