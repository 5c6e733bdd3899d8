using System.Globalization;
using Shared.Contracts;

namespace Lobby.Components.Console.Experiments;

/// <summary>How the console words experiments and their figures. Pure.</summary>
public static class ExperimentFormat
{
    private static readonly CultureInfo Culture = CultureInfo.InvariantCulture;

    public static string Kind(string kind) => kind switch
    {
        ExperimentKinds.Lobby => "Personalised lobby rows",
        ExperimentKinds.Placement => "Lobby placement",
        ExperimentKinds.Segment => "Segment campaigns (CRM)",
        _ => kind,
    };

    public static string Share(double share) => share.ToString("0.#%", Culture);

    /// <summary>A metric's value in its unit: money with two decimals and the currency, days with one decimal, shares and rates as percentages.</summary>
    public static string Value(double? value, string unit, string currency) => value is not { } v ? "–" : unit switch
    {
        "money" => $"{v.ToString("N2", Culture)} {currency}",
        "days" => v.ToString("0.00", Culture),
        "share" or "rate" => v.ToString("0.0#%", Culture),
        _ => v.ToString("0.###", Culture),
    };

    /// <summary>A signed absolute uplift in the metric's unit ("+1.20 EUR", "−0.4 pp").</summary>
    public static string Difference(double? value, string unit, string currency)
    {
        if (value is not { } v) return "–";
        var sign = v >= 0 ? "+" : "−";
        var a = Math.Abs(v);
        return unit switch
        {
            "money" => $"{sign}{a.ToString("N2", Culture)} {currency}",
            "share" or "rate" => $"{sign}{(a * 100).ToString("0.0#", Culture)} pp",
            _ => $"{sign}{a.ToString("0.00", Culture)}",
        };
    }

    public static string Relative(double? value) => value is { } v ? (v >= 0 ? "+" : "−") + Math.Abs(v * 100).ToString("0.0", Culture) + "%" : "–";

    /// <summary>"+1.2% to +7.0%", or "–" when there is no interval yet.</summary>
    public static string Interval(double? low, double? high) => low is null || high is null ? "–" : $"{Relative(low)} to {Relative(high)}";

    public static string AbsoluteInterval(double? low, double? high, string unit, string currency) =>
        low is null || high is null ? "–" : $"{Difference(low, unit, currency)} to {Difference(high, unit, currency)}";

    /// <summary>What a metric's verdict says to a marketer.</summary>
    public static string Verdict(ExperimentMetric m) => m.Ci95Low is null
        ? "not enough data"
        : !m.Significant ? "no difference shown" : m.Uplift > 0 ? "higher with treatment" : "lower with treatment";
}
