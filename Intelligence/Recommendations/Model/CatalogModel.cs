using System.Runtime.InteropServices;
using Shared.Contracts;

namespace Intelligence.Recommendations.Model;

/// <summary>
/// A trained model laid over the catalogue as it is now. Every catalogue game gets factors: its ALS factors, plus
/// (shrinking as plays accumulate) the factors its metadata predicts, so a game released after training, or played
/// by nobody yet, still lands near the players whose taste it fits. Also holds each game's nearest neighbours
/// (factor cosine blended with content cosine) and popularity normalised per market and segment. Immutable.
/// </summary>
public sealed class CatalogModel
{
    public const int Neighbours = 50;

    private readonly Dictionary<string, int> _index;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _indexByChars;
    private readonly (int Index, float Value)[][] _content;
    private readonly Dictionary<string, float[]> _popularity;

    public CatalogModel(RecommenderModel model, IReadOnlyList<Game> catalogue)
    {
        Model = model;
        K = model.Settings.Factors;
        Games = catalogue.GroupBy(g => g.Id, StringComparer.Ordinal).Select(g => g.First()).ToArray();
        _index = Games.Select((g, i) => (g.Id, i)).ToDictionary(x => x.Id, x => x.i, StringComparer.Ordinal);
        _indexByChars = _index.GetAlternateLookup<ReadOnlySpan<char>>();
        var trained = model.GameIds.Select((id, i) => (id, i)).ToDictionary(x => x.id, x => x.i, StringComparer.Ordinal);
        var features = new GameFeatures(model.FeatureNames);
        _content = Games.Select(features.Vector).ToArray();

        var n = Games.Length;
        Factors = new float[n * K];
        Players = new int[n];
        var prior = new float[K];
        for (var g = 0; g < n; g++)
        {
            var row = Factors.AsSpan(g * K, K);
            GameFeatures.Project(_content[g], model.FactorMap, K, prior);
            var plays = 0;
            if (trained.TryGetValue(Games[g].Id, out var t))
            {
                model.GameFactors.AsSpan(t * K, K).CopyTo(row);
                plays = model.GamePlayers[t];
            }
            var shrink = plays + model.Settings.ContentPrior > 0 ? (float)(model.Settings.ContentPrior / (plays + model.Settings.ContentPrior)) : 0f;
            for (var c = 0; c < K; c++) row[c] += shrink * prior[c];
            Players[g] = plays;
        }
        Gram = new double[K * K];
        Dense.Gram(Factors, K, Gram);
        Unit = new float[n * K];
        for (var g = 0; g < n; g++)
        {
            var norm = Dense.Norm(Factors.AsSpan(g * K, K));
            if (norm == 0) continue;
            for (var c = 0; c < K; c++) Unit[g * K + c] = Factors[g * K + c] / norm;
        }

        _popularity = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (var (key, values) in model.Popularity)
        {
            var mapped = new float[n];
            for (var g = 0; g < n; g++)
            {
                if (trained.TryGetValue(Games[g].Id, out var t)) mapped[g] = values[t];
            }
            var max = mapped.Length == 0 ? 0 : mapped.Max();
            if (max > 0) for (var g = 0; g < n; g++) mapped[g] /= max;
            _popularity[key] = mapped;
        }

        NeighbourIndex = new int[n][];
        NeighbourScore = new float[n][];
        var sims = new float[n];
        var order = new int[n];
        for (var g = 0; g < n; g++)
        {
            for (var h = 0; h < n; h++) { sims[h] = h == g ? float.NegativeInfinity : Similarity(g, h); order[h] = h; }
            Array.Sort(sims.ToArray(), order, Comparer<float>.Create((a, b) => b.CompareTo(a)));
            var take = Math.Min(Neighbours, n - 1);
            NeighbourIndex[g] = order[..take];
            NeighbourScore[g] = order[..take].Select(h => sims[h]).ToArray();
        }
    }

    public RecommenderModel Model { get; }
    public int K { get; }
    public Game[] Games { get; }
    public float[] Factors { get; }
    /// <summary>Factors scaled to unit length, for cosines.</summary>
    public float[] Unit { get; }
    public double[] Gram { get; }
    /// <summary>How many players played each game in the training data (0 for games the model has not seen).</summary>
    public int[] Players { get; }
    public int[][] NeighbourIndex { get; }
    public float[][] NeighbourScore { get; }

    public int? IndexOf(string gameId) => _index.TryGetValue(gameId, out var i) ? i : null;

    /// <summary>The catalogue index of a game id given as characters (no string needed), or -1.</summary>
    public int Find(ReadOnlySpan<char> gameId) => _indexByChars.TryGetValue(gameId, out var i) ? i : -1;

    public float ContentSimilarity(int g, int h) => GameFeatures.Cosine(_content[g], _content[h]);

    public float FactorCosine(int g, int h) => Dense.Dot(Unit.AsSpan(g * K, K), Unit.AsSpan(h * K, K));

    /// <summary>
    /// How alike two games are: the cosine of their factors where both have enough players to trust it, their
    /// metadata's cosine where they do not (a new game).
    /// </summary>
    public float Similarity(int g, int h)
    {
        var support = Math.Min(Players[g], Players[h]);
        var beta = support / (support + 10f);
        return beta * FactorCosine(g, h) + (1 - beta) * ContentSimilarity(g, h);
    }

    /// <summary>Normalised popularity (best game = 1) for a key of <see cref="RecommenderModel.Popularity"/>, or null.</summary>
    public float[]? Popularity(string key) => _popularity.GetValueOrDefault(key);

    /// <summary>Popularity where the player plays from: their segment and market mixed when both are known, else either, else everyone.</summary>
    public float[] PopularityFor(string? market, string? segment)
    {
        var m = market is { Length: > 0 } ? Popularity(RecommenderModel.MarketKey(market)) : null;
        var s = segment is { Length: > 0 } ? Popularity(RecommenderModel.SegmentKey(segment)) : null;
        if (m is null && s is null) return Popularity(RecommenderModel.Everyone) ?? new float[Games.Length];
        if (m is null || s is null) return (m ?? s)!;
        var mixed = new float[Games.Length];
        for (var g = 0; g < mixed.Length; g++) mixed[g] = 0.5f * (m[g] + s[g]);
        return mixed;
    }

    /// <summary>A player's taste now: their row folded in from their plays against these game factors. Returns how many catalogue games they played.</summary>
    public int FoldIn(IEnumerable<GameInteraction> plays, DateTimeOffset now, Span<float> taste)
    {
        var played = new List<int>();
        var weights = new List<float>();
        var confidence = Model.Settings.Confidence;
        foreach (var play in plays)
        {
            if (IndexOf(play.GameId) is not { } g) continue;
            var w = confidence.Weight(play.Rounds, play.LastPlayedAt, now);
            if (w <= 0) continue;
            played.Add(g);
            weights.Add(w);
        }
        return FoldIn(CollectionsMarshal.AsSpan(played), CollectionsMarshal.AsSpan(weights), taste);
    }

    /// <summary>
    /// The same fold-in from catalogue indexes and their confidence weights (all &gt; 0), in the order given: the order
    /// is part of the result (floating-point sums), so callers keep the order of the player's plays.
    /// </summary>
    public int FoldIn(ReadOnlySpan<int> played, ReadOnlySpan<float> weights, Span<float> taste)
    {
        if (played.Length == 0)
        {
            taste[..K].Clear();
            return 0;
        }
        ImplicitAls.FoldIn(played, weights, Factors, Gram, K, Model.Settings.Regularization, taste);
        return played.Length;
    }

    /// <summary>
    /// The for-you score of every game: predicted preference from the folded-in taste, plus a popularity prior
    /// (market and segment) that fades as the player's own plays accumulate; a new player starts from popularity
    /// and every game they open shifts the list towards their taste.
    /// </summary>
    public float[] ForYou(IEnumerable<GameInteraction> plays, string? market, string? segment, DateTimeOffset now, float popularityWeight = 0.3f)
    {
        Span<float> taste = stackalloc float[K];
        var played = FoldIn(plays, now, taste);
        return Score(taste, played, market, segment, popularityWeight);
    }

    /// <summary><see cref="ForYou(IEnumerable{GameInteraction}, string?, string?, DateTimeOffset, float)"/> from catalogue indexes and confidence weights (see <see cref="FoldIn(ReadOnlySpan{int}, ReadOnlySpan{float}, Span{float})"/>).</summary>
    public float[] ForYou(ReadOnlySpan<int> played, ReadOnlySpan<float> weights, string? market, string? segment, float popularityWeight = 0.3f)
    {
        Span<float> taste = stackalloc float[K];
        var count = FoldIn(played, weights, taste);
        return Score(taste, count, market, segment, popularityWeight);
    }

    private float[] Score(ReadOnlySpan<float> taste, int played, string? market, string? segment, float popularityWeight)
    {
        var popularity = PopularityFor(market, segment);
        var scores = new float[Games.Length];
        var top = 0f;
        for (var g = 0; g < scores.Length; g++)
        {
            scores[g] = Dense.Dot(taste, Factors.AsSpan(g * K, K));
            top = Math.Max(top, scores[g]);
        }
        // The prior is on the scale of the player's own scores (a short history gives small, shrunk scores), so the
        // first game opened already moves the list; with no history at all the list is the popularity itself.
        var prior = played == 0 || top <= 0 ? 1f : popularityWeight * top / (1 + played);
        for (var g = 0; g < scores.Length; g++) scores[g] += prior * popularity[g];
        return scores;
    }
}
