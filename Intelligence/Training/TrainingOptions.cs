using System.ComponentModel.DataAnnotations;
using Intelligence.Models;

namespace Intelligence.Training;

/// <summary>Section <c>Training</c>: label definitions, trainer settings, schedule and promotion rule.</summary>
public sealed class TrainingOptions
{
    public const string Section = "Training";

    public ChurnDefinition Churn { get; set; } = new();
    public VipDefinition Vip { get; set; } = new();
    public HarmDefinition Harm { get; set; } = new();
    public BinaryModel.TrainerSettings Trees { get; set; } = new();
    public SegmentModel.Settings Segments { get; set; } = new();

    /// <summary>Retrain every this often (0 turns the schedule off).</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Train at start-up when a kind has no model yet and the store holds players.</summary>
    public bool TrainWhenMissing { get; set; } = true;

    /// <summary>The first retry for a kind still without a model (too little history); each further one waits twice as long, up to <see cref="Interval"/>.</summary>
    public TimeSpan MissingRetry { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Rejected versions kept per kind (older ones, with their serialised models, are deleted after each run).</summary>
    [Range(1, 1000)] public int KeepRejected { get; set; } = 20;

    /// <summary>
    /// A new version is promoted only if its holdout AUC is at least the served version's AUC on the same holdout
    /// minus this (0: not worse at all). Segments compare Davies-Bouldin indices the same way, relative.
    /// </summary>
    [Range(0, 0.1)] public double PromotionTolerance { get; set; }

    /// <summary>
    /// A churn or VIP version must also beat its rule on the mean of the rolling holdouts, by <see cref="RuleMargin"/>,
    /// to be promoted: a model that a one-line rule matches is not worth serving (the rule serves instead).
    /// </summary>
    public bool RequireBeatingBaseline { get; set; } = true;

    /// <summary>The mean AUC gain over the rule, across the rolling holdouts, a candidate needs (0.005: half a point).</summary>
    [Range(0, 0.1)] public double RuleMargin { get; set; } = 0.005;

    /// <summary>A training run is abandoned after this long (the lock expires with it).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(30);
}
