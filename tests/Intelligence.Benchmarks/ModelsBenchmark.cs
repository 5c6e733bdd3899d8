using Shared.Contracts;
using System.Diagnostics;
using System.Globalization;
using Intelligence.Features;
using Intelligence.Models;
using Intelligence.Training;
using Shared.Store;
using Simulator;

namespace Intelligence.Benchmarks;

/// <summary>
/// How the churn and VIP models rank against their rules on the rolling holdouts training uses, over many simulated
/// casinos (seeds): the claim "better than the rule" is a figure measured across seeds, not one lucky holdout. Histories
/// are simulated and folded in memory exactly as <see cref="SimulatedStore"/> writes them, then judged by
/// <see cref="CandidateJudge"/>, the code training runs use. Every casino ends on a fixed day, so the figures are the
/// same on any day. With <c>--search</c>, a small grid of trainer settings is compared on the same folds.
/// </summary>
internal static class ModelsBenchmark
{
    public static readonly DateTimeOffset End = new(2026, 11, 2, 0, 0, 0, TimeSpan.Zero);
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    private static readonly int[] GridLeaves = [8, 16, 32];
    private static readonly int[] GridPerLeaf = [20, 100];

    public static int Run(int[] seeds, int players, int days, BinaryModel.TrainerSettings settings, bool search, string? export)
    {
        Console.WriteLine($"models: {players:N0} players × {days} days per casino, seeds {string.Join(", ", seeds)}, history ending {End:yyyy-MM-dd}; load average {File.ReadAllText("/proc/loadavg").Trim()}");
        var grid = search ? Grid() : [settings];
        var results = new Dictionary<(string Kind, int Config), List<(int Seed, Judgement J)>>();
        foreach (var seed in seeds)
        {
            var watch = Stopwatch.StartNew();
            var histories = Histories(seed, players, days);
            var today = ProfileReader.DayOf(End);
            var firstDay = histories.Where(h => h.DayNumbers.Length > 0).Select(h => h.DayNumbers[0]).DefaultIfEmpty(today).Min();
            var folds = new Dictionary<string, IReadOnlyList<TrainingSet>>
            {
                [ModelKinds.Churn] = TrainingSets.ChurnFolds(histories, today, new ChurnDefinition()),
                [ModelKinds.Vip] = TrainingSets.VipFolds(histories, today, firstDay, new VipDefinition()),
            };
            Console.WriteLine($"seed {seed}: {histories.Count:N0} players simulated and folded in {watch.Elapsed.TotalSeconds:0.0} s");
            foreach (var (kind, kindFolds) in folds)
            {
                var features = kind == ModelKinds.Churn ? ChurnFeatures.Set : VipFeatures.Set;
                if (export is not null) Export(export, seed, kind, kindFolds, features);
                for (var c = 0; c < grid.Count; c++)
                {
                    watch.Restart();
                    var j = CandidateJudge.Judge(kind, kindFolds, features, null, null, grid[c]);
                    if (!results.TryGetValue((kind, c), out var list)) results[(kind, c)] = list = [];
                    list.Add((seed, j));
                    if (j.NotTrained is not null)
                    {
                        Console.WriteLine($"  {kind,-5} {grid[c].Trainer}: not trained, {j.NotTrained}");
                        continue;
                    }
                    Console.WriteLine($"  {kind,-5} {grid[c].Trainer}, rule '{j.Rule.Name}', {watch.Elapsed.TotalSeconds:0.0} s");
                    foreach (var f in j.Folds)
                    {
                        Console.WriteLine($"    holdout {f.HoldoutFrom:yyyy-MM-dd}{(f.HoldoutTo > f.HoldoutFrom ? $"…{f.HoldoutTo:yyyy-MM-dd}" : "")}: {f.TrainRows,7:N0} train / {f.HoldoutRows,6:N0} holdout rows ({f.HoldoutPositives:N0} positive): model AUC {f.Model.Auc:0.000}, rule {f.Rule.Auc:0.000} ({f.Model.Auc - f.Rule.Auc:+0.000;-0.000}); log-loss {f.Model.LogLoss:0.000} vs {f.Rule.LogLoss:0.000}");
                    }
                    Console.WriteLine($"    mean over {j.Folds.Count} folds: model {j.MeanModelAuc:0.000}, rule {j.MeanRuleAuc:0.000}, gain {j.GainOverRule:+0.000;-0.000}");
                }
            }
        }
        Console.WriteLine();
        Console.WriteLine("summary (gain = model AUC − rule AUC, mean over each casino's rolling holdouts):");
        foreach (var ((kind, c), list) in results.OrderBy(r => r.Key.Kind, StringComparer.Ordinal).ThenByDescending(r => MeanGain(r.Value)))
        {
            var judged = list.Where(x => x.J.NotTrained is null).ToList();
            if (judged.Count == 0) continue;
            var gains = judged.Select(x => x.J.GainOverRule).ToList();
            Console.WriteLine($"  {kind,-5} {grid[c].Trainer,-52} model AUC {judged.Average(x => x.J.MeanModelAuc):0.000}, rule {judged.Average(x => x.J.MeanRuleAuc):0.000}; " +
                $"gain mean {gains.Average():+0.000;-0.000}, min {gains.Min():+0.000;-0.000}, max {gains.Max():+0.000;-0.000}, sd {Sd(gains):0.000} over {gains.Count} casinos; beats the rule in {gains.Count(g => g > 0)}");
        }
        return 0;
    }

    private static double MeanGain(List<(int Seed, Judgement J)> list) =>
        list.Where(x => x.J.NotTrained is null).Select(x => x.J.GainOverRule).DefaultIfEmpty(double.NaN).Average();

    private static double Sd(List<double> v)
    {
        var m = v.Average();
        return v.Count < 2 ? 0 : Math.Sqrt(v.Sum(x => (x - m) * (x - m)) / (v.Count - 1));
    }

    /// <summary>FastTree and LightGbm, small and larger trees, few and many rows per leaf.</summary>
    private static List<BinaryModel.TrainerSettings> Grid() =>
    [
        .. from algorithm in new[] { BinaryModel.FastTreeName, BinaryModel.LightGbmName }
           from leaves in GridLeaves
           from perLeaf in GridPerLeaf
           select new BinaryModel.TrainerSettings { Algorithm = algorithm, Trees = 200, Leaves = leaves, MinimumExamplesPerLeaf = perLeaf, LearningRate = 0.05 },
    ];

    /// <summary>Every player of a casino, folded in memory as the store would hold them, as the models read them.</summary>
    public static List<PlayerHistory> Histories(int seed, int players, int days)
    {
        var world = World.Create(seed, players, days, End);
        var histories = new PlayerHistory[players];
        Parallel.For(0, players, i =>
        {
            var f = SimulatedStore.Fold(world, i);
            histories[i] = PlayerHistory.From(f.PlayerId, f.Profile, f.Days);
        });
        return [.. histories];
    }

    /// <summary>Each fold's rows as CSV (features, label, fold), for comparing other learners on exactly these holdouts.</summary>
    private static void Export(string dir, int seed, string kind, IReadOnlyList<TrainingSet> folds, FeatureSet features)
    {
        Directory.CreateDirectory(dir);
        using var w = new StreamWriter(Path.Combine(dir, $"{kind}-seed{seed}.csv"));
        w.WriteLine("fold,part,playerId,cutoff,label," + string.Join(',', features.Names));
        for (var k = 0; k < folds.Count; k++)
        {
            foreach (var (part, rows) in new[] { ("train", folds[k].Train), ("holdout", folds[k].Holdout) })
            {
                foreach (var e in rows)
                {
                    w.Write($"{k},{part},{e.PlayerId},{e.Cutoff},{(e.Label ? 1 : 0)}");
                    foreach (var v in e.Features) w.Write("," + v.ToString("R", Inv));
                    w.WriteLine();
                }
            }
        }
    }
}
