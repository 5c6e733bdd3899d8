using System.ComponentModel.DataAnnotations;
using Shared.Contracts;

namespace Intelligence.SaferGambling;

/// <summary>
/// Section <c>SaferGambling</c>: the harm-risk bands and what each market does at them. A market's actions are
/// <c>suppress</c> (no marketing on any channel: segments, webhooks, placements, promotional lobby rows),
/// <c>reduce</c> (no bonus-led content) or <c>none</c>; at <c>elevated</c> and above a case is opened for the
/// safer-gambling team. Set per market as <c>SaferGambling__Markets__GB__Elevated=suppress</c>; <c>*</c> is every other market.
/// </summary>
public sealed class SaferGamblingOptions
{
    public const string Section = "SaferGambling";

    [Range(0, 1)] public double Elevated { get; set; } = 0.3;
    [Range(0, 1)] public double High { get; set; } = 0.6;

    public Dictionary<string, MarketActions> Markets { get; set; } = new(StringComparer.OrdinalIgnoreCase) { ["*"] = new() };

    public string Band(double p) => p >= High ? "high" : p >= Elevated ? "elevated" : "low";

    /// <summary>The flag the profile keeps for a band in a market (the profile's market, else its country); null at <c>low</c>.</summary>
    public HarmFlag? Flag(string band, string? market)
    {
        if (band == "low") return null;
        var actions = market is not null && Markets.TryGetValue(market, out var m) ? m : Markets.GetValueOrDefault("*") ?? new MarketActions();
        return new HarmFlag(band, band == "high" ? actions.High : actions.Elevated);
    }

    public static readonly IReadOnlyList<string> Actions = [HarmFlag.Suppress, HarmFlag.Reduce, HarmFlag.None];
}

public sealed class MarketActions
{
    public string High { get; set; } = HarmFlag.Suppress;
    public string Elevated { get; set; } = HarmFlag.Reduce;
}
