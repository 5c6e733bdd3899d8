using System.Globalization;
using Intelligence.Features;

namespace Intelligence.SaferGambling;

/// <summary>
/// The harm model's inputs: every marker's value (<see cref="HarmMarkers"/>) and the weighted-marker rule's probability,
/// so a model starts from the rule's signal and can only add to it (as churn and VIP models hold their rules).
/// </summary>
public static class HarmFeatures
{
    public const string RuleFeature = "harmRule";

    public static readonly FeatureSet Set = new("harm",
        [
            .. HarmMarkers.Names.Select(n => new Feature(n, v => $"{n} at {v.ToString("0.##", CultureInfo.InvariantCulture)}")),
            new Feature(RuleFeature, v => $"The weighted-marker rule puts the risk at {(v * 100).ToString("0", CultureInfo.InvariantCulture)}%"),
        ]);

    /// <summary>A row as known before the start of day <paramref name="cutoff"/>, with the markers it came from (their words become the drivers).</summary>
    public static (float[] Row, IReadOnlyList<HarmMarker> Markers) At(PlayerHistory h, string? country, long cutoff)
    {
        var markers = HarmMarkers.At(h, h.Harm, country, cutoff);
        return (Row(markers), markers);
    }

    public static float[] Row(IReadOnlyList<HarmMarker> markers)
    {
        var row = new float[Set.Count];
        foreach (var m in markers) row[Set.IndexOf(m.Name)] = (float)m.Value;
        row[^1] = (float)HarmRule.Score(markers).Probability;
        return row;
    }
}
