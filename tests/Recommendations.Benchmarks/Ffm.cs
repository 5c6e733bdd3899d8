using Intelligence.Recommendations.Evaluation;
using Intelligence.Recommendations.Model;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;

namespace Recommendations.Benchmarks;

/// <summary>
/// The candidate inside ML.NET: a field-aware factorization machine (binary classification) with three fields, the
/// player (one-hot), the game (one-hot) and the game's metadata (<see cref="GameFeatures"/>). Implicit feedback becomes
/// labels by sampling: every played (player, game) is a positive and four unplayed games per positive, drawn uniformly,
/// are negatives. Unweighted: ML.NET 5.0.1's FFM rejects an example-weight column (it takes it for a feature field).
/// The ranking is the FM's score of every game for the player.
/// </summary>
internal static class Ffm
{
    private const int NegativesPerPositive = 4;

    public static Ranker Train(EvaluationSet set, int seed)
    {
        var ml = new MLContext(seed);
        var catalogue = set.Catalogue;
        var games = catalogue.Select((g, i) => (g.Id, i)).ToDictionary(x => x.Id, x => x.i, StringComparer.Ordinal);
        var features = GameFeatures.Of(catalogue);
        var meta = catalogue.Select(features.Vector).ToArray();
        var players = set.Training.Select((p, i) => (p.PlayerId, i)).ToDictionary(x => x.PlayerId, x => x.i, StringComparer.Ordinal);
        var rng = new Random(seed);

        var rows = new List<Row>();
        for (var p = 0; p < set.Training.Count; p++)
        {
            var player = set.Training[p];
            var played = new HashSet<int>();
            foreach (var play in player.Games)
            {
                if (!games.TryGetValue(play.GameId, out var g)) continue;
                played.Add(g);
                rows.Add(RowOf(p, g, true));
            }
            for (var n = played.Count * NegativesPerPositive; n > 0 && played.Count < catalogue.Count; n--)
            {
                int g;
                do g = rng.Next(catalogue.Count); while (played.Contains(g));
                rows.Add(RowOf(p, g, false));
            }
        }

        var schema = Schema(set.Training.Count, catalogue.Count, features.Count);
        var data = ml.Data.LoadFromEnumerable(rows, schema);
        var trainer = ml.BinaryClassification.Trainers.FieldAwareFactorizationMachine(new FieldAwareFactorizationMachineTrainer.Options
        {
            FeatureColumnName = nameof(Row.Player),
            ExtraFeatureColumns = [nameof(Row.Game), nameof(Row.Meta)],
            LabelColumnName = nameof(Row.Label),
            LatentDimension = 16,
            NumberOfIterations = 10,
            Shuffle = true,
        });
        var model = trainer.Fit(data);

        var scores = new Dictionary<string, float[]>(StringComparer.Ordinal);
        var queries = new List<Row>();
        foreach (var c in set.Cases)
        {
            var p = players[c.PlayerId];
            for (var g = 0; g < catalogue.Count; g++) queries.Add(RowOf(p, g, false));
        }
        var predicted = model.Transform(ml.Data.LoadFromEnumerable(queries, schema));
        var all = predicted.GetColumn<float>("Score").ToArray();
        for (var i = 0; i < set.Cases.Count; i++) scores[set.Cases[i].PlayerId] = all.AsSpan(i * catalogue.Count, catalogue.Count).ToArray();
        return c => scores[c.PlayerId];

        Row RowOf(int p, int g, bool label) => new()
        {
            Label = label,
            Player = new VBuffer<float>(set.Training.Count, 1, [1f], [p]),
            Game = new VBuffer<float>(catalogue.Count, 1, [1f], [g]),
            Meta = new VBuffer<float>(features.Count, meta[g].Length, meta[g].Select(x => x.Value).ToArray(), meta[g].Select(x => x.Index).ToArray()),
        };
    }

    private static SchemaDefinition Schema(int players, int games, int features)
    {
        var schema = SchemaDefinition.Create(typeof(Row));
        schema[nameof(Row.Player)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, players);
        schema[nameof(Row.Game)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, games);
        schema[nameof(Row.Meta)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, features);
        return schema;
    }

    private sealed class Row
    {
        public bool Label { get; set; }
        public VBuffer<float> Player { get; set; }
        public VBuffer<float> Game { get; set; }
        public VBuffer<float> Meta { get; set; }
    }
}
