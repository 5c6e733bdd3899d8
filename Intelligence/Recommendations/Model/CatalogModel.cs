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
    private readonly Dictionary<string, float[]> _deviceLift;
    private readonly Dictionary<string, float[]> _devicePopularity;

    /// <summary>
    /// Pseudo-players that pull a game's device mix towards everyone's mix: a game few have played looks like the
    /// average game on every device, and only a game many play mostly on one device gets a clear lift.
    /// </summary>
    public const float DeviceSmoothing = 10;

    /// <summary>
    /// Recency-weighted plays that pull a market's popularity on a device towards the market's popularity reweighted by
    /// the device's lift: a small market's few phone players do not make its phone list on their own.
    /// </summary>
    public const float MarketDeviceSmoothing = 100;

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
        var raw = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (var (key, values) in model.Popularity)
        {
            var mapped = new float[n];
            for (var g = 0; g < n; g++)
            {
                if (trained.TryGetValue(Games[g].Id, out var t)) mapped[g] = values[t];
            }
            raw[key] = mapped;
            _popularity[key] = Normalised(mapped);
        }
        (_deviceLift, _devicePopularity) = DeviceContext(raw, n);

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

    /// <summary>The devices the model has counted plays on.</summary>
    public IReadOnlyCollection<string> Devices => _deviceLift.Keys;

    /// <summary>
    /// How much more (above 0) or less each game is played on <paramref name="device"/> than everyone's device mix
    /// says: ln(smoothed share of the game's players on the device ÷ the device's share of all players). Null for no
    /// device or one the model has not seen.
    /// </summary>
    public float[]? DeviceLift(string? device) => device is not null ? _deviceLift.GetValueOrDefault(device) : null;

    /// <summary>
    /// Popularity where and on what the player plays: for a device the model knows, the market's popularity on that
    /// device (smoothed towards the market's popularity reweighted by the device's lift, so a market with few plays on
    /// it backs off to the market; without a market, everyone's on the device), mixed half and half with the segment's
    /// popularity reweighted by the lift when a segment is known. Otherwise as <see cref="PopularityFor(string?, string?)"/>.
    /// </summary>
    public float[] PopularityFor(string? market, string? segment, string? device)
    {
        if (DeviceLift(device) is not { } lift) return PopularityFor(market, segment);
        var m = market is { Length: > 0 } ? _devicePopularity.GetValueOrDefault(RecommenderModel.MarketDeviceKey(market, device!)) : null;
        var s = segment is { Length: > 0 } ? Popularity(RecommenderModel.SegmentKey(segment)) : null;
        if (s is null) return m ?? _devicePopularity[RecommenderModel.DeviceKey(device!)];
        var lifted = new float[Games.Length];
        for (var g = 0; g < lifted.Length; g++) lifted[g] = s[g] * MathF.Exp(lift[g]);
        lifted = Normalised(lifted);
        if (m is null) return lifted;
        for (var g = 0; g < lifted.Length; g++) lifted[g] = 0.5f * (m[g] + lifted[g]);
        return lifted;
    }

    /// <summary>A recent favourite: of the player's five most-weighted games (rounds, fading with time), the one played last.</summary>
    public int? Anchor(IReadOnlyList<GameInteraction> plays, DateTimeOffset now)
    {
        var confidence = Model.Settings.Confidence;
        return plays.Where(p => p.Rounds > 0 && IndexOf(p.GameId) is not null)
            .OrderByDescending(p => confidence.Weight(p.Rounds, p.LastPlayedAt, now)).ThenBy(p => p.GameId, StringComparer.Ordinal)
            .Take(5)
            .OrderByDescending(p => p.LastPlayedAt).ThenBy(p => p.GameId, StringComparer.Ordinal)
            .Select(p => IndexOf(p.GameId))
            .FirstOrDefault();
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

    /// <summary>
    /// <see cref="ForYou(IEnumerable{GameInteraction}, string?, string?, DateTimeOffset, float)"/> on a device: the
    /// popularity prior is the device's (<see cref="PopularityFor(string?, string?, string?)"/>), and for a player with
    /// plays each game moves by <paramref name="deviceWeight"/> × the player's best score × its
    /// <see cref="DeviceLift"/>, so games rarely played on this device sink and games that do well on it rise. When the
    /// device the player usually plays on is known (<paramref name="usualDevice"/>), the move is by the lift on this
    /// device less the lift on that one: the taste was learned from plays on the usual device, so it already leans that
    /// way, and only a different device shifts it (nothing moves when the two are the same).
    /// </summary>
    public float[] ForYou(IEnumerable<GameInteraction> plays, string? market, string? segment, string? device, DateTimeOffset now, float deviceWeight,
        float popularityWeight = 0.3f, string? usualDevice = null)
    {
        Span<float> taste = stackalloc float[K];
        var played = FoldIn(plays, now, taste);
        return Score(taste, played, market, segment, popularityWeight, device, deviceWeight, usualDevice);
    }

    /// <summary>The device-aware for-you from catalogue indexes and confidence weights (see <see cref="FoldIn(ReadOnlySpan{int}, ReadOnlySpan{float}, Span{float})"/>).</summary>
    public float[] ForYou(ReadOnlySpan<int> played, ReadOnlySpan<float> weights, string? market, string? segment, string? device, float deviceWeight,
        float popularityWeight = 0.3f, string? usualDevice = null)
    {
        Span<float> taste = stackalloc float[K];
        var count = FoldIn(played, weights, taste);
        return Score(taste, count, market, segment, popularityWeight, device, deviceWeight, usualDevice);
    }

    private float[] Score(ReadOnlySpan<float> taste, int played, string? market, string? segment, float popularityWeight, string? device = null,
        float deviceWeight = 0, string? usualDevice = null)
    {
        var popularity = PopularityFor(market, segment, device);
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
        // On the same scale as the player's own scores, and not fading with plays: the device matters to a regular too.
        if (played > 0 && top > 0 && deviceWeight > 0 && DeviceLift(device) is { } lift && usualDevice != device)
        {
            var scale = deviceWeight * top;
            if (DeviceLift(usualDevice) is { } usual)
            {
                for (var g = 0; g < scores.Length; g++) scores[g] += scale * (lift[g] - usual[g]);
            }
            else
            {
                for (var g = 0; g < scores.Length; g++) scores[g] += scale * lift[g];
            }
        }
        return scores;
    }

    /// <summary>A copy scaled so the largest value is 1 (unchanged when all are 0).</summary>
    private static float[] Normalised(float[] values)
    {
        var result = (float[])values.Clone();
        var max = result.Length == 0 ? 0 : result.Max();
        if (max > 0) for (var g = 0; g < result.Length; g++) result[g] /= max;
        return result;
    }

    /// <summary>
    /// Each device's lift per game, and popularity per device and per market and device, from the raw recency-weighted
    /// player counts (catalogue order). Empty when the model counted no devices.
    /// </summary>
    private static (Dictionary<string, float[]> Lift, Dictionary<string, float[]> Popularity) DeviceContext(Dictionary<string, float[]> raw, int n)
    {
        const string devicePrefix = "device:";
        var lifts = new Dictionary<string, float[]>(StringComparer.Ordinal);
        var popularity = new Dictionary<string, float[]>(StringComparer.Ordinal);
        var devices = raw.Keys.Where(k => k.StartsWith(devicePrefix, StringComparison.Ordinal)).Select(k => k[devicePrefix.Length..])
            .Order(StringComparer.Ordinal).ToList();
        var perGame = new double[n];
        var total = 0.0;
        foreach (var d in devices)
        {
            var counts = raw[RecommenderModel.DeviceKey(d)];
            for (var g = 0; g < n; g++) { perGame[g] += counts[g]; total += counts[g]; }
        }
        if (total <= 0) return (lifts, popularity);
        var everyone = raw.GetValueOrDefault(RecommenderModel.Everyone) ?? new float[n];
        var markets = raw.Keys.Where(k => k.StartsWith("market:", StringComparison.Ordinal) && !k.Contains("|device:", StringComparison.Ordinal))
            .Select(k => k["market:".Length..]).ToList();
        foreach (var d in devices)
        {
            var counts = raw[RecommenderModel.DeviceKey(d)];
            var share = counts.Sum(c => (double)c) / total;
            if (share <= 0) continue;
            var lift = new float[n];
            for (var g = 0; g < n; g++) lift[g] = (float)Math.Log((counts[g] + DeviceSmoothing * share) / (perGame[g] + DeviceSmoothing) / share);
            lifts[d] = lift;
            popularity[RecommenderModel.DeviceKey(d)] = Smoothed(counts, everyone, lift);
            foreach (var m in markets)
            {
                var byMarket = raw.GetValueOrDefault(RecommenderModel.MarketDeviceKey(m, d)) ?? new float[n];
                popularity[RecommenderModel.MarketDeviceKey(m, d)] = Smoothed(byMarket, raw[RecommenderModel.MarketKey(m)], lift);
            }
        }
        return (lifts, popularity);
    }

    /// <summary>
    /// Counts on a device, smoothed towards <paramref name="backOff"/> reweighted by the device's lift (a Dirichlet prior
    /// of <see cref="MarketDeviceSmoothing"/> plays), normalised so the best game is 1.
    /// </summary>
    private static float[] Smoothed(float[] counts, float[] backOff, float[] lift)
    {
        var n = counts.Length;
        var prior = new double[n];
        double priorSum = 0, countSum = 0;
        for (var g = 0; g < n; g++)
        {
            prior[g] = backOff[g] * Math.Exp(lift[g]);
            priorSum += prior[g];
            countSum += counts[g];
        }
        var result = new float[n];
        if (countSum + (priorSum > 0 ? MarketDeviceSmoothing : 0) <= 0) return result;
        for (var g = 0; g < n; g++)
        {
            var p = priorSum > 0 ? MarketDeviceSmoothing * prior[g] / priorSum : 0;
            result[g] = (float)((counts[g] + p) / (countSum + (priorSum > 0 ? MarketDeviceSmoothing : 0)));
        }
        return Normalised(result);
    }
}
