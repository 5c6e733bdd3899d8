using Intelligence.Recommendations.Model;
using Shared.Contracts;

namespace Intelligence.Recommendations.Evaluation;

/// <summary>
/// A player to predict for: what they had played before the split, and the games they first played after it.
/// <paramref name="Device"/> is the device the player came back on after the split (what a lobby would pass), else
/// their last before it; <paramref name="LastDevice"/> is the last before it (what the profile would say).
/// </summary>
public sealed record EvaluationCase(
    string PlayerId,
    string? Market,
    IReadOnlyList<GameInteraction> Before,
    IReadOnlySet<string> Targets,
    string? Device = null,
    string? LastDevice = null);

/// <summary>
/// A time split of a history: everyone's plays before <see cref="SplitAt"/> to train on, and for each player the games
/// they play for the first time in the <see cref="Horizon"/> after it. Only games a recommender could have offered at
/// the split count as targets: in the catalogue, enabled, released by then and available in the player's market.
/// </summary>
public sealed record EvaluationSet(
    DateTimeOffset SplitAt,
    TimeSpan Horizon,
    IReadOnlyList<Game> Catalogue,
    IReadOnlyList<TrainingPlayer> Training,
    IReadOnlyList<EvaluationCase> Cases)
{
    public bool Offerable(Game g, string? market) =>
        g.Enabled && g.ReleasedAt <= SplitAt && (g.Markets.Contains("*") || (market is not null && g.Markets.Contains(market)));
}

/// <summary>One case under one ranker: its top k (catalogue indexes, best first), how many targets it holds, hit (0 or 1) and NDCG@k.</summary>
public sealed record CaseScore(EvaluationCase Case, int[] Top, int Hits, double Hit, double Ndcg);

public sealed record EvaluationResult(string Name, int Players, double HitRate, double Ndcg, double Coverage, int CoveredGames, int OfferableGames);

/// <summary>Scores every catalogue game (in <see cref="EvaluationSet.Catalogue"/> order) for one case; higher is better.</summary>
public delegate float[] Ranker(EvaluationCase player);

public static class OfflineEvaluation
{
    public static EvaluationSet Split(IEnumerable<HistoryPlayer> history, IReadOnlyList<Game> catalogue, DateTimeOffset splitAt, TimeSpan horizon)
    {
        var training = new List<TrainingPlayer>();
        var cases = new List<EvaluationCase>();
        var end = splitAt + horizon;
        var known = catalogue.ToDictionary(g => g.Id, StringComparer.Ordinal);
        foreach (var player in history.OrderBy(p => p.PlayerId, StringComparer.Ordinal))
        {
            var before = player.Rounds.Where(r => r.Time < splitAt)
                .GroupBy(r => r.GameId, StringComparer.Ordinal)
                .Select(g => new GameInteraction(g.Key, g.LongCount(), 0, g.Max(r => r.Time)))
                .ToList();
            if (player.RegisteredAt is { } at && at >= splitAt) continue;
            // Training sees what the store would: the last device before the split, standing for all the player's plays.
            var lastDevice = player.DeviceBefore(splitAt);
            training.Add(new TrainingPlayer(player.PlayerId, player.Market, null, before, lastDevice));
            var played = before.Select(b => b.GameId).ToHashSet(StringComparer.Ordinal);
            var targets = player.Rounds.Where(r => r.Time >= splitAt && r.Time < end && !played.Contains(r.GameId))
                .Select(r => r.GameId)
                .Where(id => known.TryGetValue(id, out var g) && g.Enabled && g.ReleasedAt <= splitAt)
                .ToHashSet(StringComparer.Ordinal);
            if (targets.Count > 0) cases.Add(new EvaluationCase(player.PlayerId, player.Market, before, targets, player.DeviceFrom(splitAt) ?? lastDevice, lastDevice));
        }
        return new EvaluationSet(splitAt, horizon, catalogue, training, cases);
    }

    /// <summary>
    /// HR@k (share of players with at least one target in their top k), NDCG@k (binary relevance, ideal = all targets
    /// first) and catalogue coverage (share of offerable games that appear in anyone's top k). Games the player had
    /// already played are never candidates: the task is predicting first plays.
    /// </summary>
    public static EvaluationResult Evaluate(string name, EvaluationSet set, Ranker ranker, int k = 10, Func<EvaluationCase, bool>? include = null) =>
        Summarise(name, set, ScoreCases(set, ranker, k, include));

    /// <summary>
    /// Each case's top k under the rules of <see cref="Evaluate"/>, with its hits and NDCG@k, in case order (a stateful
    /// ranker such as <see cref="Random"/> gives the same lists as in <see cref="Evaluate"/>). A score of negative
    /// infinity means "not in this list": such games are never offered, so a list may hold fewer than k games.
    /// </summary>
    public static IEnumerable<CaseScore> ScoreCases(EvaluationSet set, Ranker ranker, int k = 10, Func<EvaluationCase, bool>? include = null)
    {
        foreach (var c in set.Cases)
        {
            if (include is not null && !include(c)) continue;
            var scores = ranker(c);
            var played = c.Before.Select(b => b.GameId).ToHashSet(StringComparer.Ordinal);
            var top = TopK(scores, k, g => !float.IsNegativeInfinity(scores[g]) && set.Offerable(set.Catalogue[g], c.Market) && !played.Contains(set.Catalogue[g].Id));
            var ranked = top.Select(g => set.Catalogue[g].Id).ToList();
            yield return new CaseScore(c, top, ranked.Count(c.Targets.Contains), HitAt(ranked, c.Targets, k), NdcgAt(ranked, c.Targets, k));
        }
    }

    /// <summary>HR@k and NDCG@k averaged over the cases, and the catalogue coverage of their top k lists.</summary>
    public static EvaluationResult Summarise(string name, EvaluationSet set, IEnumerable<CaseScore> scores)
    {
        var covered = new HashSet<int>();
        double hits = 0, ndcg = 0;
        var players = 0;
        var offerable = set.Catalogue.Count(g => g.Enabled && g.ReleasedAt <= set.SplitAt);
        foreach (var s in scores)
        {
            covered.UnionWith(s.Top);
            hits += s.Hit;
            ndcg += s.Ndcg;
            players++;
        }
        return new EvaluationResult(name, players, players == 0 ? 0 : hits / players, players == 0 ? 0 : ndcg / players,
            offerable == 0 ? 0 : (double)covered.Count / offerable, covered.Count, offerable);
    }

    /// <summary>1 when any of the first k is a target.</summary>
    public static double HitAt(IReadOnlyList<string> ranked, IReadOnlySet<string> targets, int k)
    {
        for (var i = 0; i < Math.Min(k, ranked.Count); i++)
        {
            if (targets.Contains(ranked[i])) return 1;
        }
        return 0;
    }

    /// <summary>DCG of the first k (a target at rank r, from 1, gains 1/log₂(r+1)) over the DCG of all targets ranked first.</summary>
    public static double NdcgAt(IReadOnlyList<string> ranked, IReadOnlySet<string> targets, int k)
    {
        if (targets.Count == 0) return 0;
        double dcg = 0, ideal = 0;
        for (var i = 0; i < Math.Min(k, ranked.Count); i++)
        {
            if (targets.Contains(ranked[i])) dcg += 1 / Math.Log2(i + 2);
        }
        for (var i = 0; i < Math.Min(k, targets.Count); i++) ideal += 1 / Math.Log2(i + 2);
        return dcg / ideal;
    }

    /// <summary>The indexes of the k highest scores among those allowed, best first; ties go to the lower index.</summary>
    public static int[] TopK(float[] scores, int k, Func<int, bool> allowed)
    {
        var best = new List<int>(k + 1);
        for (var g = 0; g < scores.Length; g++)
        {
            if (!allowed(g)) continue;
            var s = scores[g];
            if (best.Count == k && s <= scores[best[^1]]) continue;
            var at = best.Count;
            while (at > 0 && s > scores[best[at - 1]]) at--;
            best.Insert(at, g);
            if (best.Count > k) best.RemoveAt(k);
        }
        return [.. best];
    }

    /// <summary>
    /// Baseline: the games most players played before the split (optionally only the last days, in the player's market,
    /// and by players whose device was the case's <see cref="EvaluationCase.Device"/>; a key with no plays falls back
    /// to the market, then to everyone).
    /// </summary>
    public static Ranker MostPopular(EvaluationSet set, TimeSpan? window = null, bool byMarket = false, bool byDevice = false)
    {
        var index = set.Catalogue.Select((g, i) => (g.Id, i)).ToDictionary(x => x.Id, x => x.i, StringComparer.Ordinal);
        var from = window is { } w ? set.SplitAt - w : DateTimeOffset.MinValue;
        var counts = new Dictionary<string, float[]>(StringComparer.Ordinal);
        float[] For(string key) => counts.TryGetValue(key, out var c) ? c : counts[key] = new float[set.Catalogue.Count];
        foreach (var p in set.Training)
        {
            foreach (var play in p.Games)
            {
                if (play.LastPlayedAt < from || !index.TryGetValue(play.GameId, out var g)) continue;
                For("")[g]++;
                if (byMarket && p.Market is not null) For(p.Market)[g]++;
                if (byDevice && p.Device is not null) For((byMarket ? p.Market : null) + "|" + p.Device)[g]++;
            }
        }
        var everyone = For("");
        return c =>
        {
            if (byDevice && c.Device is not null && counts.TryGetValue((byMarket ? c.Market : null) + "|" + c.Device, out var d)) return d;
            return byMarket && c.Market is not null && counts.TryGetValue(c.Market, out var m) ? m : everyone;
        };
    }

    /// <summary>
    /// Our model on the player's device (<see cref="CatalogModel.ForYou(IEnumerable{GameInteraction}, string?, string?, string?, DateTimeOffset, float, float, string?)"/>):
    /// the case's <see cref="EvaluationCase.Device"/>, or with <paramref name="lastDevice"/> the one the profile would
    /// hold. <paramref name="relative"/>: the device term relative to the profile's device, as served.
    /// </summary>
    public static Ranker ModelOnDevice(CatalogModel model, EvaluationSet set, float deviceWeight, bool lastDevice = false, bool relative = true,
        float popularityWeight = 0.3f) =>
        c => model.ForYou(c.Before, c.Market, null, lastDevice ? c.LastDevice : c.Device, set.SplitAt, deviceWeight, popularityWeight,
            relative ? c.LastDevice : null);

    /// <summary>The model's popularity on the case's device in its market (what a player with no plays is shown), smoothed as served.</summary>
    public static Ranker PopularOnDevice(CatalogModel model) => c => model.PopularityFor(c.Market, null, c.Device);

    /// <summary>Baseline: a random order, different for each player, fixed by the seed.</summary>
    public static Ranker Random(EvaluationSet set, int seed)
    {
        var rng = new Random(seed);
        return _ =>
        {
            var scores = new float[set.Catalogue.Count];
            for (var i = 0; i < scores.Length; i++) scores[i] = rng.NextSingle();
            return scores;
        };
    }

    /// <summary>Our model: trained on the plays before the split, asked for each player's for-you scores as serving would.</summary>
    public static Ranker Model(CatalogModel model, EvaluationSet set, float popularityWeight = 0.3f) =>
        c => model.ForYou(c.Before, c.Market, null, set.SplitAt, popularityWeight);

    /// <summary>
    /// The because-you-played list as served: the games most like the player's anchor (<see cref="CatalogModel.Anchor"/>,
    /// a recent favourite) by <see cref="CatalogModel.Similarity"/>; empty for a player with no plays before the split.
    /// </summary>
    public static Ranker BecauseYouPlayed(CatalogModel model, EvaluationSet set) =>
        c =>
        {
            var scores = new float[set.Catalogue.Count];
            var anchor = model.Anchor(c.Before, set.SplitAt);
            for (var g = 0; g < scores.Length; g++)
            {
                scores[g] = anchor is { } a && model.IndexOf(set.Catalogue[g].Id) is { } h && h != a ? model.Similarity(a, h) : float.NegativeInfinity;
            }
            return scores;
        };

    /// <summary>
    /// The new-for-you list as served: for-you scores (on the case's device when <paramref name="deviceWeight"/> is
    /// given), only games released in the <paramref name="days"/> before the split.
    /// </summary>
    public static Ranker NewForYou(CatalogModel model, EvaluationSet set, int days = 90, float popularityWeight = 0.3f, float? deviceWeight = null) =>
        c =>
        {
            var scores = deviceWeight is { } w
                ? model.ForYou(c.Before, c.Market, null, c.Device, set.SplitAt, w, popularityWeight, c.LastDevice)
                : model.ForYou(c.Before, c.Market, null, set.SplitAt, popularityWeight);
            var since = set.SplitAt.AddDays(-days);
            for (var g = 0; g < scores.Length; g++)
            {
                if (set.Catalogue[g].ReleasedAt < since) scores[g] = float.NegativeInfinity;
            }
            return scores;
        };
}
