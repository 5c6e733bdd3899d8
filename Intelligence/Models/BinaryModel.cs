using Intelligence.Features;
using Microsoft.Extensions.ObjectPool;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Calibrators;
using Microsoft.ML.Trainers;
using Microsoft.ML.Trainers.FastTree;
using Microsoft.ML.Trainers.LightGbm;

namespace Intelligence.Models;

/// <summary>A row as ML.NET sees it; the vector's length is set per feature set through a schema definition.</summary>
public sealed class ModelInput
{
    public bool Label { get; set; }
    public float[] Features { get; set; } = [];
}

public sealed class BinaryOutput
{
    public float Probability { get; set; }
    public float Score { get; set; }
    public float[] FeatureContributions { get; set; } = [];
}

/// <summary>A model input's contribution to a score, with the player's value in words.</summary>
public sealed record Driver(string Feature, double Contribution, string Description);

/// <summary>
/// A gradient-boosted tree classifier (ML.NET FastTree, Platt-calibrated) with ML.NET's feature contributions
/// appended, so one prediction gives the probability and its drivers. The fitted transformer is immutable and
/// shared; prediction engines are not thread-safe, so each caller borrows one from a pool (what
/// Microsoft.Extensions.ML's PredictionEnginePool does, which is not obtainable here).
/// </summary>
public sealed class BinaryModel
{
    private readonly ObjectPool<PredictionEngine<ModelInput, BinaryOutput>> _engines;

    private BinaryModel(MLContext ml, ITransformer transformer, FeatureSet features)
    {
        Ml = ml;
        Transformer = transformer;
        Features = features;
        var schema = SchemaFor(features);
        _engines = new DefaultObjectPool<PredictionEngine<ModelInput, BinaryOutput>>(
            new EnginePolicy(() => ml.Model.CreatePredictionEngine<ModelInput, BinaryOutput>(transformer, inputSchemaDefinition: schema)),
            Environment.ProcessorCount * 4);
    }

    public MLContext Ml { get; }
    public ITransformer Transformer { get; }
    public FeatureSet Features { get; }

    public sealed class TrainerSettings
    {
        /// <summary><c>FastTree</c> or <c>LightGbm</c> (both gradient-boosted trees; the model benchmark compares them).</summary>
        public string Algorithm { get; set; } = FastTreeName;

        // Small trees with many rows per leaf: measured against bigger ones (150 trees × 24 leaves, 40 rows) on
        // simulator history they rank as well and calibrate better, and they do not overfit a few thousand rows.
        public int Trees { get; set; } = 100;
        public int Leaves { get; set; } = 8;
        public int MinimumExamplesPerLeaf { get; set; } = 100;
        public double LearningRate { get; set; } = 0.1;
        public int Seed { get; set; } = 7;

        public string Trainer => $"{Algorithm} ({Trees} trees × {Leaves} leaves, ≥ {MinimumExamplesPerLeaf} rows a leaf, rate {LearningRate.ToString(System.Globalization.CultureInfo.InvariantCulture)}; Platt-calibrated)";
    }

    public const string FastTreeName = "FastTree";
    public const string LightGbmName = "LightGbm";

    public static BinaryModel Train(IReadOnlyList<Example> rows, FeatureSet features, TrainerSettings settings)
    {
        var ml = new MLContext(settings.Seed);
        var data = Load(ml, rows, features);
        var perLeaf = Math.Max(2, Math.Min(settings.MinimumExamplesPerLeaf, rows.Count / 50));
        return settings.Algorithm switch
        {
            LightGbmName => WithContributions(ml, data, features, ml.BinaryClassification.Trainers.LightGbm(new LightGbmBinaryTrainer.Options
            {
                NumberOfIterations = settings.Trees,
                NumberOfLeaves = settings.Leaves,
                MinimumExampleCountPerLeaf = perLeaf,
                LearningRate = settings.LearningRate,
                Seed = settings.Seed,
                NumberOfThreads = 1,
                Verbose = false,
                Silent = true,
                FeatureColumnName = nameof(ModelInput.Features),
                LabelColumnName = nameof(ModelInput.Label),
            }).Fit(data)),
            FastTreeName => WithContributions(ml, data, features, ml.BinaryClassification.Trainers.FastTree(new FastTreeBinaryTrainer.Options
            {
                NumberOfTrees = settings.Trees,
                NumberOfLeaves = settings.Leaves,
                MinimumExampleCountPerLeaf = perLeaf,
                LearningRate = settings.LearningRate,
                FeatureColumnName = nameof(ModelInput.Features),
                LabelColumnName = nameof(ModelInput.Label),
            }).Fit(data)),
            _ => throw new ArgumentException($"Training:Trees:Algorithm must be {FastTreeName} or {LightGbmName}, not '{settings.Algorithm}'", nameof(settings)),
        };
    }

    /// <summary>The fitted trees followed by ML.NET's per-prediction feature contributions (the drivers).</summary>
    private static BinaryModel WithContributions<TModel, TCalibrator>(MLContext ml, IDataView data, FeatureSet features,
        ISingleFeaturePredictionTransformer<CalibratedModelParametersBase<TModel, TCalibrator>> fitted)
        where TModel : class, ICalculateFeatureContribution
        where TCalibrator : class, ICalibrator
    {
        var contributions = ml.Transforms.CalculateFeatureContribution(fitted, numberOfPositiveContributions: features.Count, numberOfNegativeContributions: features.Count, normalize: true)
            .Fit(fitted.Transform(data));
        return new BinaryModel(ml, new TransformerChain<ITransformer>(fitted, contributions), features);
    }

    /// <summary>Probabilities for many rows at once (evaluation, export).</summary>
    public double[] PredictAll(IReadOnlyList<Example> rows)
    {
        if (rows.Count == 0) return [];
        var scored = Transformer.Transform(Load(Ml, rows, Features));
        return [.. scored.GetColumn<float>(nameof(BinaryOutput.Probability)).Select(p => (double)p)];
    }

    /// <summary>Every row's feature contributions, the numbers <see cref="Predict"/> picks drivers from (export).</summary>
    public float[][] ContributionsAll(IReadOnlyList<Example> rows)
    {
        if (rows.Count == 0) return [];
        var scored = Transformer.Transform(Load(Ml, rows, Features));
        return [.. scored.GetColumn<float[]>(nameof(BinaryOutput.FeatureContributions))];
    }

    public (double Probability, IReadOnlyList<Driver> Drivers) Predict(float[] features, int drivers = 4)
    {
        var engine = _engines.Get();
        BinaryOutput output;
        try
        {
            output = engine.Predict(new ModelInput { Features = features });
        }
        finally
        {
            _engines.Return(engine);
        }
        return (output.Probability, Explain(features, output.FeatureContributions, drivers));
    }

    private List<Driver> Explain(float[] features, float[] contributions, int count)
    {
        var top = new List<Driver>(count);
        foreach (var i in Enumerable.Range(0, Math.Min(contributions.Length, Features.Count))
            .Where(i => contributions[i] != 0).OrderByDescending(i => Math.Abs(contributions[i])).Take(count))
        {
            var f = Features.Features[i];
            top.Add(new Driver(f.Name, Math.Round(contributions[i], 4), f.Describe(features[i])));
        }
        return top;
    }

    public byte[] Save()
    {
        using var stream = new MemoryStream();
        Ml.Model.Save(Transformer, Load(Ml, [], Features).Schema, stream);
        return stream.ToArray();
    }

    public static BinaryModel Load(byte[] bytes, FeatureSet features)
    {
        var ml = new MLContext();
        using var stream = new MemoryStream(bytes);
        var transformer = ml.Model.Load(stream, out _);
        return new BinaryModel(ml, transformer, features);
    }

    internal static SchemaDefinition SchemaFor(FeatureSet features)
    {
        var schema = SchemaDefinition.Create(typeof(ModelInput));
        schema[nameof(ModelInput.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, features.Count);
        return schema;
    }

    private static IDataView Load(MLContext ml, IReadOnlyList<Example> rows, FeatureSet features) =>
        ml.Data.LoadFromEnumerable(rows.Select(r => new ModelInput { Label = r.Label, Features = r.Features }), SchemaFor(features));

    private sealed class EnginePolicy(Func<PredictionEngine<ModelInput, BinaryOutput>> create) : PooledObjectPolicy<PredictionEngine<ModelInput, BinaryOutput>>
    {
        public override PredictionEngine<ModelInput, BinaryOutput> Create() => create();
        public override bool Return(PredictionEngine<ModelInput, BinaryOutput> obj) => true;
    }
}
