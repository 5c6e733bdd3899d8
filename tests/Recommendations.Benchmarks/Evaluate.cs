using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Intelligence.Recommendations.Evaluation;
using Intelligence.Recommendations.Model;
using Shared.Contracts;
using Simulator;
using Simulator.History;

namespace Recommendations.Benchmarks;

internal static class Evaluate
{
    private static readonly int[] SweepFactors = [16, 32, 48];
    private static readonly double[] SweepRegularization = [5, 20, 50];
    private static readonly double[] SweepAlpha = [1, 2, 4];

    public static readonly DateTimeOffset End = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    public static async Task RunAsync(int players, int days, int seed, string? data, bool ffm, bool sweep, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var dir = data;
        DateTimeOffset end;
        if (dir is null)
        {
            dir = Path.Combine(Path.GetTempPath(), $"recs-eval-{seed}-{players}-{days}");
            if (!File.Exists(Path.Combine(dir, HistoryGenerator.GamesFile)))
            {
                HistoryGenerator.Run(World.Create(seed, players, days, End), new FaultRates(), dir, writeTruth: true);
            }
            end = End;
            Console.WriteLine($"history: {players} players, {days} days, seed {seed}, in {dir} ({clock.Elapsed.TotalSeconds:0.0} s)");
        }
        else
        {
            end = default;
            Console.WriteLine($"history: {dir}");
        }
        var catalogue = JsonSerializer.Deserialize(await File.ReadAllBytesAsync(Path.Combine(dir, HistoryGenerator.GamesFile), ct), ContractsJsonContext.Default.ListGame)!;
        var history = CanonicalHistory.Read(Directory.GetFiles(dir, HistoryGenerator.EventsPattern).Order(StringComparer.Ordinal));
        if (end == default) end = history.Values.SelectMany(p => p.Rounds).Max(r => r.Time);
        var split = end.AddDays(-7);
        var set = OfflineEvaluation.Split(history.Values, catalogue, split, TimeSpan.FromDays(7));
        Console.WriteLine($"split at {split:u}: {set.Training.Count} players to train on ({set.Training.Sum(p => p.Games.Count)} player-games), " +
            $"{set.Cases.Count} with first plays in the next 7 days ({set.Cases.Sum(c => c.Targets.Count)} targets), {catalogue.Count} games ({clock.Elapsed.TotalSeconds:0.0} s)");

        var results = new List<(EvaluationResult All, EvaluationResult Cold, double Seconds)>();
        bool Cold(EvaluationCase c) => c.Before.Count <= 2;
        void Add(string name, Ranker ranker, double seconds) =>
            results.Add((OfflineEvaluation.Evaluate(name, set, ranker), OfflineEvaluation.Evaluate(name, set, ranker, include: Cold), seconds));

        var settings = new ModelSettings();
        var (model, trainSeconds) = Train(set, settings, ct);
        Add($"implicit ALS + metadata (k={settings.Factors})", OfflineEvaluation.Model(model, set), trainSeconds);
        Add("implicit ALS, no popularity prior", OfflineEvaluation.Model(model, set, popularityWeight: 0), trainSeconds);
        if (ffm)
        {
            var watch = Stopwatch.StartNew();
            var ranker = Ffm.Train(set, seed);
            Add("ML.NET field-aware FM (player, game, metadata)", ranker, watch.Elapsed.TotalSeconds);
        }
        Add("most-popular (all history)", OfflineEvaluation.MostPopular(set), 0);
        Add("most-popular (last 30 days, by market)", OfflineEvaluation.MostPopular(set, TimeSpan.FromDays(30), byMarket: true), 0);
        Add("random", OfflineEvaluation.Random(set, seed), 0);

        Console.WriteLine();
        Console.WriteLine($"| model | HR@10 | NDCG@10 | coverage | HR@10 new players | NDCG@10 new players | train s |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        foreach (var (all, cold, seconds) in results)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {all.Name} | {all.HitRate:0.000} | {all.Ndcg:0.000} | {all.Coverage:0.000} ({all.CoveredGames}/{all.OfferableGames}) | {cold.HitRate:0.000} | {cold.Ndcg:0.000} | {seconds:0.0} |"));
        }
        var popular = results.First(r => r.All.Name.StartsWith("most-popular (all", StringComparison.Ordinal)).All;
        var ours = results[0].All;
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"players evaluated: {ours.Players} (new players, ≤ 2 games before the split: {results[0].Cold.Players}); ALS NDCG@10 / most-popular = {ours.Ndcg / popular.Ndcg:0.00}× (target ≥ 1.5×)"));

        if (sweep)
        {
            Console.WriteLine();
            Console.WriteLine("| factors | λ | α | half-life d | content prior | HR@10 | NDCG@10 | coverage |");
            Console.WriteLine("|---|---|---|---|---|---|---|---|");
            var grid = from k in SweepFactors
                       from lambda in SweepRegularization
                       from alpha in SweepAlpha
                       select settings with { Factors = k, Regularization = lambda, Alpha = alpha };
            var extra = new[] { settings with { HalfLifeDays = 15 }, settings with { HalfLifeDays = 1000 }, settings with { ContentPrior = 0 }, settings with { ContentPrior = 10 }, settings with { Iterations = 6 } };
            foreach (var s in grid.Concat(extra))
            {
                var (m, _) = Train(set, s, ct);
                var r = OfflineEvaluation.Evaluate("", set, OfflineEvaluation.Model(m, set));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {s.Factors} | {s.Regularization} | {s.Alpha} | {s.HalfLifeDays} | {s.ContentPrior} | {r.HitRate:0.000} | {r.Ndcg:0.000} | {r.Coverage:0.000} |"));
            }
        }
    }

    private static (CatalogModel Model, double Seconds) Train(EvaluationSet set, ModelSettings settings, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        var model = ModelBuilder.Train(set.Training, set.Catalogue, settings, set.SplitAt, "eval", ct: ct);
        return (new CatalogModel(model, set.Catalogue), watch.Elapsed.TotalSeconds);
    }
}
