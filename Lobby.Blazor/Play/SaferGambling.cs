using System.Globalization;
using Shared.Contracts;

namespace Lobby.Play;

/// <summary>A responsible-gambling restriction in force: what kind, and until when (null: until lifted).</summary>
public sealed record Restriction(string Kind, DateTimeOffset? Until)
{
    /// <summary>The lobby's message to the player, in plain words and without any promotion.</summary>
    public string Message => Kind switch
    {
        MarketingPolicy.SelfExcluded => Until is { } until
            ? $"You have excluded yourself from gambling until {Format(until)}. Your games are not available until then."
            : "You have excluded yourself from gambling. Your games are not available.",
        MarketingPolicy.CoolingOff => Until is { } until
            ? $"You are taking a break from gambling until {Format(until)}. Your games will be available again after that."
            : "You are taking a break from gambling. Your games are not available for now.",
        MarketingPolicy.GeoBlocked => "Games are not available where you are right now. They will be again when you play from a place where our licence allows it.",
        _ => "Your account is paused, so games are not available. Please contact customer support.",
    };

    public string Heading => Kind switch
    {
        MarketingPolicy.SelfExcluded => "You are self-excluded",
        MarketingPolicy.CoolingOff => "You are taking a break",
        MarketingPolicy.GeoBlocked => "Not available in your location",
        _ => "Your account is paused",
    };

    private static string Format(DateTimeOffset until) =>
        until.UtcDateTime.ToString("d MMMM yyyy, HH:mm 'UTC'", CultureInfo.InvariantCulture);
}

/// <summary>Reads a player's safer-gambling state from their profile (the <c>rg</c> fields Intelligence serves).</summary>
public static class SaferGambling
{
    public const string HelpText =
        "If gambling is no longer fun, you are not alone: free, confidential help is available from your country's gambling support services, " +
        "and our support team can set limits, breaks or exclusions for you at any time.";

    /// <summary>
    /// The restriction in force at <paramref name="now"/>, the strictest first (a block, then a self-exclusion, then a
    /// cooling-off period, then a blocked location), or null when the player may play. A player without a profile has none.
    /// </summary>
    public static Restriction? RestrictionOf(PlayerProfile? profile, DateTimeOffset now)
    {
        if (profile is null) return null;
        var rg = profile.Rg;
        if (rg.Blocked) return new Restriction(MarketingPolicy.Blocked, null);
        // A self-exclusion "until" far in the future is how an indefinite exclusion arrives from some feeds; it still reads as a date.
        if (rg.SelfExcludedUntil > now) return new Restriction(MarketingPolicy.SelfExcluded, rg.SelfExcludedUntil);
        if (rg.CoolingOffUntil > now) return new Restriction(MarketingPolicy.CoolingOff, rg.CoolingOffUntil);
        // The latest location check said the player is where the licence does not allow play (contract 1b, player.geo).
        if (profile.Verification?.Geo?.Result == "blocked") return new Restriction(MarketingPolicy.GeoBlocked, null);
        return null;
    }
}
