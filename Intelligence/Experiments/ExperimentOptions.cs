using System.ComponentModel.DataAnnotations;

namespace Intelligence.Experiments;

/// <summary>Section <c>Experiments</c>: control groups and how reports decide.</summary>
public sealed class ExperimentOptions
{
    public const string Section = "Experiments";
    public const double MaxControlShare = 0.5;

    /// <summary>
    /// The secret every instance hashes assignments with. Unset: a random key is created once in the store and shared by
    /// every instance. Set it to reproduce assignments elsewhere (the demo's simulator does); changing it changes the groups
    /// of players not yet assigned only.
    /// </summary>
    public string? AssignmentKey { get; set; }

    /// <summary>Control share of every placement and marketing segment, unless <c>PUT /v1/experiments/{id}</c> set its own.</summary>
    [Range(0, MaxControlShare)] public double DefaultControlShare { get; set; } = 0.1;

    /// <summary>Share of players whose lobby shows non-personalised rows (experiment <c>lobby-personalisation</c>); 0 turns the experiment off.</summary>
    [Range(0, MaxControlShare)] public double LobbyControlShare { get; set; } = 0.1;

    /// <summary>Players with a complete horizon each group needs before a report is final (the fixed sample of the design).</summary>
    [Range(2, 10_000_000)] public int MinimumPlayersPerGroup { get; set; } = 100;

    /// <summary>How long a computed report is served before it is computed again.</summary>
    public TimeSpan ReportCacheFor { get; set; } = TimeSpan.FromMinutes(1);
}
