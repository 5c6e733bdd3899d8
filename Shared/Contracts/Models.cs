namespace Shared.Contracts;

// Model versions as GET /v1/models shows them (and the console reads them): Intelligence trains, judges and serves them.

public static class ModelKinds
{
    public const string Churn = "churn";
    public const string Vip = "vip";
    public const string Segments = "segments";

    /// <summary>Harm risk: a model trained on later self-exclusions, closures and case outcomes, served only where it beats the weighted-marker rule.</summary>
    public const string Harm = "harm";
    public static readonly IReadOnlyList<string> All = [Churn, Vip, Segments, Harm];

    /// <summary>The game recommender (Intelligence/Recommendations): versioned, judged, promoted and rolled back like the others.</summary>
    public const string Recommendations = "recommendations";

    /// <summary>What <c>POST /v1/models/train</c> and the <c>train</c> command accept.</summary>
    public static readonly IReadOnlyList<string> Trainable = [Churn, Vip, Segments, Recommendations, Harm];
}

/// <summary>What scores a kind: a trained model, or the operator's rule turned into a probability.</summary>
public static class ModelSources
{
    public const string Model = "model";
    public const string Rule = "rule";
}

public static class ModelStatus
{
    public const string Promoted = "promoted";
    public const string Rejected = "rejected";
    public const string Retired = "retired";
}

/// <summary>
/// What a model version is: how it was trained, on what, how it scored on its holdout, and what became of it. A
/// version whose <paramref name="Source"/> is <see cref="ModelSources.Rule"/> is a calibration of the kind's rule
/// (<paramref name="Rule"/> names it), served when no trained model beats it.
/// </summary>
public sealed record ModelCard(
    string Kind,
    string Version,
    DateTimeOffset TrainedAt,
    string Status,
    string Trainer,
    IReadOnlyList<string> Features,
    ModelWindow Window,
    ModelEvaluation Evaluation,
    string Decision,
    double TrainingSeconds,
    IReadOnlyList<SegmentInfo>? Segments = null,
    string Source = ModelSources.Model,
    string? Rule = null);

public sealed record ModelWindow(DateTimeOffset From, DateTimeOffset AsOf, IReadOnlyList<DateTimeOffset> TrainCutoffs, IReadOnlyList<DateTimeOffset> HoldoutCutoffs, string Split);

/// <param name="Model">This version on the latest holdout.</param>
/// <param name="Baseline">The rule on the same holdout (calibrated on the training rows).</param>
/// <param name="Current">The version served when this one was trained, on the same holdout (null if none).</param>
/// <param name="Clustering">Segments: Davies-Bouldin index (lower is better) by k, and of this and the served version on the same players.</param>
/// <param name="Folds">Churn and VIP: every rolling holdout, latest first, with the candidate's, the rule's and the served model's metrics.</param>
/// <param name="RuleMargin">The mean AUC gain over the rule the candidate needed to be promoted.</param>
/// <param name="Ranking">Recommendations: the candidate's recipe against most-popular (and the served recipe) on a holdout of recent plays.</param>
public sealed record ModelEvaluation(int TrainRows, int HoldoutRows, string? BaselineRule, Metrics? Model, Metrics? Baseline, Metrics? Current,
    ClusteringEvaluation? Clustering = null, IReadOnlyList<FoldResult>? Folds = null, double? RuleMargin = null, RankingEvaluation? Ranking = null);

/// <summary>
/// A recommender recipe judged on the games players played since <paramref name="SplitAt"/>, trained on what they played
/// before: NDCG@10 and HR@10 over <paramref name="Cases"/> players, catalogue coverage of their top tens, the same for
/// most-popular (last 30 days, by market), and for the served model's recipe when its settings differ.
/// </summary>
public sealed record RankingEvaluation(DateTimeOffset SplitAt, int Players, int Cases, double Ndcg, double HitRate, double Coverage,
    double PopularNdcg, double PopularHitRate, double? ServedRecipeNdcg);

public sealed record ClusteringEvaluation(int K, double DaviesBouldin, IReadOnlyDictionary<int, double> DaviesBouldinByK, double? CurrentDaviesBouldin);

/// <summary>How well probabilities rank and how honest they are, on a holdout.</summary>
/// <param name="Auc">Area under the ROC curve.</param>
/// <param name="PrAuc">Area under the precision-recall curve (average precision).</param>
/// <param name="LogLoss">Mean negative log-likelihood (natural log).</param>
/// <param name="CalibrationError">Expected calibration error over ten equal-width probability bins.</param>
/// <param name="TopDecileLift">Positive rate in the top tenth by score over the overall positive rate.</param>
public sealed record Metrics(double Auc, double PrAuc, double LogLoss, double CalibrationError, double TopDecileLift, int Rows, double PositiveRate);

/// <summary>
/// One rolling holdout's verdict: the candidate trained on the fold's training rows, the rule calibrated on them, and
/// the served model (when the fold is later than anything it learnt from), all judged on the fold's holdout.
/// </summary>
/// <param name="HoldoutFrom">The fold's first holdout cut-off (churn) or first held-out cohort (VIP).</param>
/// <param name="Current">Null when no model is served or the served one may have trained on this fold's holdout period.</param>
public sealed record FoldResult(DateTimeOffset HoldoutFrom, DateTimeOffset HoldoutTo, int TrainRows, int HoldoutRows, int HoldoutPositives,
    Metrics Model, Metrics Rule, Metrics? Current);

/// <summary>A segment as marketers see it: a stable id, a name from its centroid, its share of players when trained.</summary>
public sealed record SegmentInfo(string Id, string Name, int Size, float[] Centroid);

/// <summary>A kind's served version and its history.</summary>
public sealed record ModelKindView(string Kind, string? Current, IReadOnlyList<ModelCard> Versions);

public sealed record ModelsView(IReadOnlyList<ModelKindView> Models);
