using Shared.Contracts;
using System.Globalization;
using Intelligence.Features;
using Microsoft.Extensions.ObjectPool;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;

namespace Intelligence.Models;

public sealed class ClusterOutput
{
    public uint PredictedLabel { get; set; }
    public float[] Score { get; set; } = [];
}


/// <summary>
/// ML.NET KMeans over standardised behaviour features (<see cref="SegmentFeatures"/>). k is the one of
/// <see cref="Settings.MinK"/>..<see cref="Settings.MaxK"/> with the lowest Davies-Bouldin index (compact, well
/// separated clusters). Segments keep their ids across retrains by matching centroids to the previous version's,
/// and are named from their centroids in marketers' words.
/// </summary>
public sealed class SegmentModel
{
    private readonly ObjectPool<PredictionEngine<ModelInput, ClusterOutput>> _engines;

    private SegmentModel(MLContext ml, ITransformer transformer, IReadOnlyList<SegmentInfo> segments)
    {
        Ml = ml;
        Transformer = transformer;
        Segments = segments;
        var schema = BinaryModel.SchemaFor(SegmentFeatures.Set);
        _engines = new DefaultObjectPool<PredictionEngine<ModelInput, ClusterOutput>>(
            new EnginePolicy(() => ml.Model.CreatePredictionEngine<ModelInput, ClusterOutput>(transformer, inputSchemaDefinition: schema)),
            Environment.ProcessorCount * 4);
    }

    public MLContext Ml { get; }
    public ITransformer Transformer { get; }

    /// <summary>Segments by cluster (cluster k is at index k − 1).</summary>
    public IReadOnlyList<SegmentInfo> Segments { get; }

    public sealed class Settings
    {
        public int MinK { get; set; } = 3;
        public int MaxK { get; set; } = 8;

        /// <summary>Rows used to choose k (all rows are used to fit the chosen k).</summary>
        public int SelectionSample { get; set; } = 20_000;

        /// <summary>A new centroid keeps an old segment's id when closer than this (in standard deviations, per feature RMS).</summary>
        public double MatchDistance { get; set; } = 0.75;

        public int Seed { get; set; } = 7;
    }

    public sealed record Fit(SegmentModel Model, int K, double DaviesBouldin, IReadOnlyDictionary<int, double> DaviesBouldinByK);

    public static Fit Train(IReadOnlyList<float[]> rows, IReadOnlyList<SegmentInfo>? previous, Settings settings)
    {
        if (rows.Count < settings.MinK) throw new InvalidOperationException($"segmentation needs at least {settings.MinK} players with history, got {rows.Count}");
        var ml = new MLContext(settings.Seed);
        var sample = rows.Count <= settings.SelectionSample ? rows : Sample(rows, settings.SelectionSample, settings.Seed);
        var sampleView = Load(ml, sample);
        var byK = new SortedDictionary<int, double>();
        var maxK = Math.Min(settings.MaxK, sample.Count - 1);
        for (var k = settings.MinK; k <= maxK; k++)
        {
            var model = Pipeline(ml, k).Fit(sampleView);
            byK[k] = DaviesBouldin(ml, model, sampleView);
        }
        var best = byK.MinBy(kv => kv.Value).Key;
        var all = Load(ml, rows);
        var fitted = Pipeline(ml, best).Fit(all);

        // Centroids in the features' own units (means of members), which is what names and matching read.
        var labels = fitted.Transform(all).GetColumn<uint>(nameof(ClusterOutput.PredictedLabel)).ToArray();
        var dims = SegmentFeatures.Set.Count;
        var sums = new double[best, dims];
        var counts = new int[best];
        for (var i = 0; i < rows.Count; i++)
        {
            var c = (int)labels[i] - 1;
            counts[c]++;
            for (var j = 0; j < dims; j++) sums[c, j] += rows[i][j];
        }
        var centroids = Enumerable.Range(0, best).Select(c => Enumerable.Range(0, dims).Select(j => counts[c] > 0 ? (float)(sums[c, j] / counts[c]) : 0f).ToArray()).ToList();
        var spread = StandardDeviations(rows);
        var ids = AssignIds(centroids, previous ?? [], spread, settings.MatchDistance);
        var names = SegmentNamer.Name(centroids, rows);
        var segments = Enumerable.Range(0, best).Select(c => new SegmentInfo(ids[c], names[c], counts[c], centroids[c])).ToList();
        return new Fit(new SegmentModel(ml, fitted, segments), best, byK[best], byK);
    }

    public double DaviesBouldin(IReadOnlyList<float[]> rows) => DaviesBouldin(Ml, Transformer, Load(Ml, rows));

    public SegmentInfo Assign(float[] features)
    {
        var engine = _engines.Get();
        try
        {
            var cluster = (int)engine.Predict(new ModelInput { Features = features }).PredictedLabel;
            return Segments[Math.Clamp(cluster - 1, 0, Segments.Count - 1)];
        }
        finally
        {
            _engines.Return(engine);
        }
    }

    public SegmentInfo[] AssignAll(IReadOnlyList<float[]> rows)
    {
        if (rows.Count == 0) return [];
        return [.. Transformer.Transform(Load(Ml, rows)).GetColumn<uint>(nameof(ClusterOutput.PredictedLabel))
            .Select(c => Segments[Math.Clamp((int)c - 1, 0, Segments.Count - 1)])];
    }

    public byte[] Save()
    {
        using var stream = new MemoryStream();
        Ml.Model.Save(Transformer, Load(Ml, []).Schema, stream);
        return stream.ToArray();
    }

    public static SegmentModel Load(byte[] bytes, IReadOnlyList<SegmentInfo> segments)
    {
        var ml = new MLContext();
        using var stream = new MemoryStream(bytes);
        return new SegmentModel(ml, ml.Model.Load(stream, out _), segments);
    }

    /// <summary>
    /// Greedy matching of new centroids to old ones, nearest pair first: a new segment inherits the id of the old one
    /// it is close to, and the rest get ids never used before.
    /// </summary>
    public static string[] AssignIds(IReadOnlyList<float[]> centroids, IReadOnlyList<SegmentInfo> previous, double[] spread, double maxDistance)
    {
        var ids = new string?[centroids.Count];
        var pairs = new List<(double D, int New, int Old)>();
        for (var i = 0; i < centroids.Count; i++)
        {
            for (var j = 0; j < previous.Count; j++)
            {
                if (previous[j].Centroid.Length == centroids[i].Length) pairs.Add((Distance(centroids[i], previous[j].Centroid, spread), i, j));
            }
        }
        var usedOld = new HashSet<int>();
        foreach (var (d, i, j) in pairs.OrderBy(p => p.D))
        {
            if (d > maxDistance || ids[i] is not null || !usedOld.Add(j)) continue;
            ids[i] = previous[j].Id;
        }
        var next = previous.Select(s => int.TryParse(s.Id.AsSpan(4), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0).DefaultIfEmpty(0).Max() + 1;
        for (var i = 0; i < ids.Length; i++) ids[i] ??= $"seg-{next++}";
        return ids!;
    }

    public static double Distance(float[] a, float[] b, double[] spread)
    {
        double sum = 0;
        for (var j = 0; j < a.Length; j++)
        {
            var d = (a[j] - b[j]) / (spread[j] > 1e-9 ? spread[j] : 1);
            sum += d * d;
        }
        return Math.Sqrt(sum / a.Length);
    }

    public static double[] StandardDeviations(IReadOnlyList<float[]> rows)
    {
        var dims = rows[0].Length;
        var mean = new double[dims];
        var sq = new double[dims];
        foreach (var r in rows)
        {
            for (var j = 0; j < dims; j++) { mean[j] += r[j]; sq[j] += (double)r[j] * r[j]; }
        }
        return [.. Enumerable.Range(0, dims).Select(j => Math.Sqrt(Math.Max(0, sq[j] / rows.Count - Math.Pow(mean[j] / rows.Count, 2))))];
    }

    private static EstimatorChain<ClusteringPredictionTransformer<KMeansModelParameters>> Pipeline(MLContext ml, int k) =>
        ml.Transforms.NormalizeMeanVariance(nameof(ModelInput.Features))
            .Append(ml.Clustering.Trainers.KMeans(new KMeansTrainer.Options
            {
                NumberOfClusters = k,
                FeatureColumnName = nameof(ModelInput.Features),
                InitializationAlgorithm = KMeansTrainer.InitializationAlgorithm.KMeansPlusPlus,
                MaximumNumberOfIterations = 200,
                OptimizationTolerance = 1e-6f,
                // One thread: the same players give the same clusters (and the same k) on every run.
                NumberOfThreads = 1,
            }));

    private static double DaviesBouldin(MLContext ml, ITransformer model, IDataView data) =>
        // The normaliser writes over the Features column, so this is judged in the standardised space the
        // clusters were formed in.
        ml.Clustering.Evaluate(model.Transform(data), scoreColumnName: nameof(ClusterOutput.Score), featureColumnName: nameof(ModelInput.Features)).DaviesBouldinIndex;

    private static List<float[]> Sample(IReadOnlyList<float[]> rows, int n, int seed)
    {
        var rng = new Random(seed);
        return [.. Enumerable.Range(0, rows.Count).OrderBy(_ => rng.Next()).Take(n).Order().Select(i => rows[i])];
    }

    private static IDataView Load(MLContext ml, IReadOnlyList<float[]> rows) =>
        ml.Data.LoadFromEnumerable(rows.Select(r => new ModelInput { Features = r }), BinaryModel.SchemaFor(SegmentFeatures.Set));

    private sealed class EnginePolicy(Func<PredictionEngine<ModelInput, ClusterOutput>> create) : PooledObjectPolicy<PredictionEngine<ModelInput, ClusterOutput>>
    {
        public override PredictionEngine<ModelInput, ClusterOutput> Create() => create();
        public override bool Return(PredictionEngine<ModelInput, ClusterOutput> obj) => true;
    }
}
