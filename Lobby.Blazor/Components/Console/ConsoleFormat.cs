using System.Globalization;
using Shared.Contracts;

namespace Lobby.Components.Console;

/// <summary>How the console words times, counts, purposes and the reasons players are kept out of a segment.</summary>
public static class ConsoleFormat
{
    private static readonly CultureInfo Culture = CultureInfo.InvariantCulture;

    public static string Count(long n) => n.ToString("N0", Culture);

    /// <summary>A round step between a chart's horizontal lines giving about five of them up to <paramref name="max"/>.</summary>
    public static int TickStep(double max)
    {
        if (max <= 5) return 1;
        var raw = max / 5;
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        var nice = (raw / magnitude) switch { <= 1 => 1, <= 2 => 2, <= 5 => 5, _ => 10 };
        return (int)(nice * magnitude);
    }

    /// <summary>"1 member", "2 members".</summary>
    public static string Members(long n) => n == 1 ? "member" : "members";

    public static string Money(decimal amount, string currency) => $"{amount.ToString("N2", Culture)} {currency}";

    public static string Percent(double? share) => share is { } s ? s.ToString("P0", Culture) : "–";

    public static string Score(double? probability) => probability is { } p ? p.ToString("0.00", Culture) : "–";

    /// <summary>An exact time, in UTC: the console's one time zone.</summary>
    public static string Exact(DateTimeOffset at) => at.ToUniversalTime().ToString("d MMM yyyy, HH:mm 'UTC'", Culture);

    public static string Exact(DateTimeOffset? at) => at is { } t ? Exact(t) : "–";

    /// <summary>"just now", "5 min ago", "3 h ago", "yesterday", then the date.</summary>
    public static string Ago(DateTimeOffset at, DateTimeOffset now)
    {
        var age = now - at;
        if (age < TimeSpan.FromMinutes(1) && age > TimeSpan.FromMinutes(-1)) return "just now";
        if (age < TimeSpan.Zero) return Exact(at);
        if (age < TimeSpan.FromHours(1)) return $"{(int)age.TotalMinutes} min ago";
        if (age < TimeSpan.FromDays(1)) return $"{(int)age.TotalHours} h ago";
        if (age < TimeSpan.FromDays(2)) return "yesterday";
        return at.ToUniversalTime().ToString("d MMM yyyy", Culture);
    }

    public static string Purpose(string purpose, string? channel) => purpose switch
    {
        SegmentPurposes.Marketing => channel is null ? "Marketing" : $"Marketing · {channel}",
        SegmentPurposes.Analysis => "Analysis",
        _ => purpose,
    };

    /// <summary>Why matching players were kept out of a marketing segment, in plain words.</summary>
    public static string ExclusionReason(string reason) => reason switch
    {
        MarketingPolicy.SelfExcluded => "Self-excluded",
        MarketingPolicy.CoolingOff => "Cooling off",
        MarketingPolicy.Blocked => "Account blocked",
        MarketingPolicy.NoConsent => "No consent to marketing on this channel",
        MarketingPolicy.KycRejected => "Identity verification rejected",
        MarketingPolicy.AmlHighRisk => "High money-laundering risk",
        MarketingPolicy.GeoBlocked => "Playing from a blocked location",
        MarketingPolicy.HarmRiskHigh => "High harm risk",
        MarketingPolicy.HarmRiskElevated => "Elevated harm risk",
        _ => Culture.TextInfo.ToTitleCase(reason.Replace('_', ' ').Replace('.', ' ')),
    };

    /// <summary>The rule behind the reason, for the preview's small print.</summary>
    public static string ExclusionExplanation(string reason) => reason switch
    {
        MarketingPolicy.SelfExcluded => "Players who excluded themselves from gambling are never marketed to.",
        MarketingPolicy.CoolingOff => "Players taking a break are never marketed to until it ends.",
        MarketingPolicy.Blocked => "Accounts the operator blocked are never marketed to.",
        MarketingPolicy.NoConsent => "Players who have not consented to marketing on the segment's channel (or on any channel, when none is set).",
        MarketingPolicy.KycRejected => "Players whose identity verification was rejected are never marketed to.",
        MarketingPolicy.AmlHighRisk => "Players assessed at high anti-money-laundering risk are never marketed to.",
        MarketingPolicy.GeoBlocked => "Players whose latest location check was blocked are never marketed to.",
        MarketingPolicy.HarmRiskHigh or MarketingPolicy.HarmRiskElevated => "Players whose behaviour shows markers of gambling harm at a band their market keeps from marketing.",
        _ => "Kept out by the marketing policy.",
    };

    public static string Channel(string? channel) => channel switch
    {
        null or "" => "Any consented channel",
        "email" => "Email",
        "sms" => "SMS",
        "push" => "Push notifications",
        "phone" => "Phone",
        "site" => "On-site messages",
        _ => channel,
    };
}
