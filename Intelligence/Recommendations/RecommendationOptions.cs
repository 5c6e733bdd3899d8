using System.ComponentModel.DataAnnotations;
using Intelligence.Recommendations.Model;

namespace Intelligence.Recommendations;

/// <summary>Section <c>Recommendations</c>. Defaults are the settings the offline evaluation chose (see README).</summary>
public sealed class RecommendationOptions : IValidatableObject
{
    public const string Section = "Recommendations";

    /// <summary>How often the model is retrained from every player's plays (one instance trains; the others load it).</summary>
    public TimeSpan RetrainInterval { get; set; } = TimeSpan.FromHours(6);

    /// <summary>Train at start-up when no model is stored yet and players have played.</summary>
    public bool TrainOnStart { get; set; } = true;

    [Range(2, 256)] public int Factors { get; set; } = 32;
    [Range(1, 100)] public int Iterations { get; set; } = 12;
    [Range(0.0001, 10_000)] public double Regularization { get; set; } = 20;
    [Range(0.01, 1000)] public double Alpha { get; set; } = 2;
    [Range(0.01, 1000)] public double Epsilon { get; set; } = 2;
    /// <summary>Days after which a game's plays count half as much for taste.</summary>
    [Range(1, 3650)] public double HalfLifeDays { get; set; } = 45;
    /// <summary>Days after which a play counts half as much for popularity.</summary>
    [Range(1, 3650)] public double PopularityHalfLifeDays { get; set; } = 14;

    /// <summary>Hours of plays the trending list counts.</summary>
    [Range(1, 168)] public int TrendingHours { get; set; } = 6;

    /// <summary>Games released within this many days are candidates for new-for-you.</summary>
    [Range(1, 365)] public int NewReleaseDays { get; set; } = 90;

    /// <summary>At most this many games of one provider in any ten consecutive items of a list.</summary>
    [Range(1, 10)] public int MaxPerProviderInTen { get; set; } = 3;

    /// <summary>
    /// How strongly the current device re-ranks for-you and new-for-you for a player with plays: each game moves by this
    /// times the player's best score times its device lift (see the README); 0 turns the term off.
    /// </summary>
    [Range(0, 10)] public float DeviceWeight { get; set; } = 0.2f;

    /// <summary>Days of the most recent plays held out to judge a new model (their plays are the targets).</summary>
    [Range(1, 60)] public int HoldoutDays { get; set; } = 7;

    /// <summary>A new model must beat most-popular's holdout NDCG@10 by this share (0.05: 5%) to replace the served one.</summary>
    [Range(0, 10)] public double PopularMargin { get; set; } = 0.05;

    /// <summary>Fewer holdout players than this cannot judge a model: a fresh one of the same recipe is served.</summary>
    [Range(1, 1_000_000)] public int MinimumHoldoutPlayers { get; set; } = 50;

    /// <summary>Rejected versions kept (older ones are deleted with their models).</summary>
    [Range(1, 1000)] public int KeepRejected { get; set; } = 10;

    /// <summary>Players read per pipelined batch when training from the store.</summary>
    [Range(10, 10_000)] public int ScanBatch { get; set; } = 500;

    public ModelSettings Model => new(Factors, Iterations, Regularization, Alpha, Epsilon, HalfLifeDays, PopularityHalfLifeDays);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (RetrainInterval < TimeSpan.FromMinutes(1))
        {
            yield return new ValidationResult("Recommendations:RetrainInterval must be at least 00:01:00 (training reads every player).", [nameof(RetrainInterval)]);
        }
    }
}
