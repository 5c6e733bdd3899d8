using System.Globalization;
using Shared.Contracts;

namespace Intelligence.Recommendations.Model;

/// <summary>
/// A game described by its metadata as a sparse, unit-length vector over named features (category, provider, each
/// tag, volatility, RTP band, jackpot). Two games' cosine is their content similarity; a ridge map from these
/// features to ALS game factors places a game nobody has played yet where players who like its kind will find it.
/// </summary>
public sealed class GameFeatures
{
    private readonly Dictionary<string, int> _index;

    public GameFeatures(IEnumerable<string> names)
    {
        Names = names.Distinct(StringComparer.Ordinal).ToArray();
        _index = Names.Select((n, i) => (n, i)).ToDictionary(x => x.n, x => x.i, StringComparer.Ordinal);
    }

    /// <summary>Feature names in index order (stored with the model, so a game added after training maps the same way).</summary>
    public IReadOnlyList<string> Names { get; }

    public int Count => Names.Count;

    /// <summary>The vocabulary of a catalogue.</summary>
    public static GameFeatures Of(IEnumerable<Game> games) => new(games.SelectMany(g => Named(g).Select(f => f.Name)).Order(StringComparer.Ordinal));

    /// <summary>A game's features with their weights, before normalisation; category, provider and themes weigh most.</summary>
    public static IEnumerable<(string Name, float Weight)> Named(Game g)
    {
        yield return ("category:" + g.Category, 1f);
        yield return ("provider:" + g.Provider, 1f);
        foreach (var tag in g.Tags.Distinct(StringComparer.Ordinal)) yield return ("tag:" + tag, 1f);
        yield return ("volatility:" + g.Volatility, 0.5f);
        if (g.Jackpot) yield return ("jackpot", 0.5f);
        var band = g.Rtp >= 97 ? "high" : g.Rtp >= 95 ? "mid" : "low";
        yield return ("rtp:" + band, 0.3f);
    }

    /// <summary>The game's unit-length vector over this vocabulary, as (index, value) pairs sorted by index; unknown features are dropped.</summary>
    public (int Index, float Value)[] Vector(Game g)
    {
        var cells = new SortedDictionary<int, float>();
        foreach (var (name, w) in Named(g))
        {
            if (_index.TryGetValue(name, out var i)) cells[i] = cells.GetValueOrDefault(i) + w;
        }
        var norm = MathF.Sqrt(cells.Values.Sum(v => v * v));
        return norm == 0 ? [] : cells.Select(c => (c.Key, c.Value / norm)).ToArray();
    }

    public static float Cosine((int Index, float Value)[] x, (int Index, float Value)[] y)
    {
        float s = 0;
        int i = 0, j = 0;
        while (i < x.Length && j < y.Length)
        {
            if (x[i].Index == y[j].Index) s += x[i++].Value * y[j++].Value;
            else if (x[i].Index < y[j].Index) i++;
            else j++;
        }
        return s;
    }

    /// <summary>
    /// Ridge regression from features to factors, <c>W = (FᵀSF + μI)⁻¹ FᵀSY</c> (d×k), where S weighs each game by how
    /// much its factors can be trusted (how many players played it). A game's content factors are then <c>F·W</c>.
    /// </summary>
    public float[] FitFactorMap(IReadOnlyList<(int Index, float Value)[]> features, ReadOnlySpan<float> factors, int k,
        IReadOnlyList<float> trust, double mu = 1)
    {
        var d = Count;
        var ftf = new double[d * d];
        var fty = new double[d * k];
        for (var g = 0; g < features.Count; g++)
        {
            var s = trust[g];
            if (s <= 0) continue;
            var f = features[g];
            var y = factors.Slice(g * k, k);
            foreach (var (i, vi) in f)
            {
                foreach (var (j, vj) in f) ftf[i * d + j] += s * vi * vj;
                for (var c = 0; c < k; c++) fty[i * k + c] += s * vi * y[c];
            }
        }
        for (var i = 0; i < d; i++) ftf[i * d + i] += mu;
        var w = new float[d * k];
        var a = new double[d * d];
        var b = new double[d];
        for (var c = 0; c < k; c++)
        {
            ftf.CopyTo(a, 0);
            for (var i = 0; i < d; i++) b[i] = fty[i * k + c];
            Dense.CholeskySolve(a, b, d);
            for (var i = 0; i < d; i++) w[i * k + c] = (float)b[i];
        }
        return w;
    }

    /// <summary><c>f·W</c>: the factors the metadata alone predicts for a game.</summary>
    public static void Project((int Index, float Value)[] f, ReadOnlySpan<float> map, int k, Span<float> result)
    {
        result[..k].Clear();
        foreach (var (i, v) in f)
        {
            var row = map.Slice(i * k, k);
            for (var c = 0; c < k; c++) result[c] += v * row[c];
        }
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Count} features");
}
