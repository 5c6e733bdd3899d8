using Microsoft.Extensions.Options;
using Shared.Contracts;

namespace Intelligence.Placements;

/// <summary>
/// Section <c>Compliance</c>: market rules that go beyond <see cref="MarketingPolicy"/> (which, in every market, keeps
/// players with a rejected KYC, a high AML risk or a blocked location out of marketing).
/// </summary>
public sealed class ComplianceOptions
{
    public const string Section = "Compliance";

    /// <summary>
    /// Markets (the profile's market, else its country; ISO codes, or <c>*</c> for all) that require identity
    /// verification before bonuses: there, bonus-led placements are shown only to players whose KYC is <c>verified</c>.
    /// Set as <c>Compliance__BonusesRequireVerification__0=GB</c>.
    /// </summary>
    public List<string> BonusesRequireVerification { get; set; } = [];

    /// <summary>Whether the player may be shown bonus-led content.</summary>
    public bool BonusesAllowed(PlayerProfile profile)
    {
        // A player whose harm-risk band reduces promotional intensity (or suppresses marketing) is offered no bonus.
        if (profile.Harm is { Action: HarmFlag.Reduce or HarmFlag.Suppress }) return false;
        if (profile.KycStatus == "verified" || BonusesRequireVerification.Count == 0) return true;
        var market = profile.Market ?? profile.Country;
        return !BonusesRequireVerification.Any(m => m == "*" || string.Equals(m, market, StringComparison.OrdinalIgnoreCase));
    }
}

public static class ComplianceRegistration
{
    public static IHostApplicationBuilder AddCompliance(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ComplianceOptions>().BindConfiguration(ComplianceOptions.Section)
            .Validate(o => o.BonusesRequireVerification.All(m => m == "*" || (m.Length == 2 && m.All(char.IsAsciiLetter))),
                "Compliance:BonusesRequireVerification lists markets as two-letter codes (e.g. GB) or * for all")
            .ValidateOnStart();
        return builder;
    }
}
