using System.ComponentModel.DataAnnotations;

namespace Intelligence.Scoring;

/// <summary>Section <c>Scoring</c>: bands, live rescoring and the sweep.</summary>
public sealed class ScoringOptions
{
    public const string Section = "Scoring";

    [Range(0, 1)] public double ChurnMedium { get; set; } = 0.3;
    [Range(0, 1)] public double ChurnHigh { get; set; } = 0.6;
    [Range(0, 1)] public double VipMedium { get; set; } = 0.15;
    [Range(0, 1)] public double VipHigh { get; set; } = 0.4;

    /// <summary>Players rescored per claim from the change feed.</summary>
    [Range(1, 5000)] public int RescoreBatch { get; set; } = 200;

    /// <summary>How often the change feed is checked when no notification arrives.</summary>
    public TimeSpan RescorePollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A claim not finished in this long goes back to the change feed (its worker died).</summary>
    public TimeSpan RescoreLease { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Everyone is rescored this often, so recency-driven scores stay true without events (0: off).</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromHours(1);
}
