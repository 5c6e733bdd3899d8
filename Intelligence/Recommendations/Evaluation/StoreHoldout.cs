using Intelligence.Models;
using Intelligence.Recommendations.Model;
using Shared.Contracts;

namespace Intelligence.Recommendations.Evaluation;

/// <summary>
/// A holdout cut from what the store keeps of each player's plays (per game: rounds and the last time played):
/// everything last played before the split trains; the games a player played in the days since are the targets.
/// The store keeps a game's last play, not its first, so a target may be a game also played before the split; it is
/// then unknown to the model judged (its plays are held out whole), so every ranker faces the same task.
/// </summary>
public static class StoreHoldout
{
    public static EvaluationSet Split(IReadOnlyList<TrainingPlayer> players, IReadOnlyList<Game> catalogue, DateTimeOffset splitAt)
    {
        var known = catalogue.ToDictionary(g => g.Id, StringComparer.Ordinal);
        var training = new List<TrainingPlayer>(players.Count);
        var cases = new List<EvaluationCase>();
        foreach (var p in players)
        {
            var before = p.Games.Where(g => g.LastPlayedAt is { } t && t < splitAt).ToList();
            training.Add(p with { Games = before });
            var targets = p.Games.Where(g => g.LastPlayedAt is not { } t || t >= splitAt)
                .Select(g => g.GameId)
                .Where(id => known.TryGetValue(id, out var game) && game.Enabled && game.ReleasedAt <= splitAt)
                .ToHashSet(StringComparer.Ordinal);
            if (targets.Count > 0) cases.Add(new EvaluationCase(p.PlayerId, p.Market, before, targets, p.Device, p.Device));
        }
        return new EvaluationSet(splitAt, TimeSpan.Zero, catalogue, training, cases);
    }

    /// <summary>
    /// The candidate's recipe, most-popular (last 30 days in the player's market) and, when the served model was made
    /// with other settings, the served model's recipe, each trained on the plays before the split and judged on the
    /// same players by NDCG@10 and HR@10 as served (on the player's device).
    /// </summary>
    public static RankingEvaluation Judge(IReadOnlyList<TrainingPlayer> players, IReadOnlyList<Game> catalogue, DateTimeOffset now, int holdoutDays,
        ModelSettings candidate, ModelSettings? served, float deviceWeight, CancellationToken ct = default)
    {
        var split = now.AddDays(-holdoutDays);
        var set = Split(players, catalogue, split);
        EvaluationResult Recipe(ModelSettings settings)
        {
            var model = new CatalogModel(ModelBuilder.Train(set.Training, catalogue, settings, split, "holdout", ct: ct), catalogue);
            return OfflineEvaluation.Evaluate("model", set, OfflineEvaluation.ModelOnDevice(model, set, deviceWeight));
        }
        var ours = Recipe(candidate);
        var popular = OfflineEvaluation.Evaluate("most-popular", set, OfflineEvaluation.MostPopular(set, TimeSpan.FromDays(30), byMarket: true));
        double? servedNdcg = served is not null && served != candidate ? Recipe(served).Ndcg : null;
        return new RankingEvaluation(split, set.Training.Count, ours.Players, ours.Ndcg, ours.HitRate, ours.Coverage, popular.Ndcg, popular.HitRate, servedNdcg);
    }
}
