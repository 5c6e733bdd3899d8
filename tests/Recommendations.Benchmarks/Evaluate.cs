using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Intelligence.Recommendations;
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

    private static readonly float[] SweepDeviceWeight = [0, 0.1f, 0.2f, 0.3f, 0.5f, 0.8f, 1.2f, 2f];

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>Part of the cached history's folder name: bump it when the simulator's output changes, so a stale history is not reused.</summary>
    public const int SimulatorVersion = 3;

    public static readonly DateTimeOffset End = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    public static async Task RunAsync(int players, int days, int seed, string? data, bool ffm, bool sweep, string? export, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var dir = data;
        DateTimeOffset end;
        if (dir is null)
        {
            dir = Path.Combine(Path.GetTempPath(), $"recs-eval-v{SimulatorVersion}-{seed}-{players}-{days}");
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
        var deviceWeight = new RecommendationOptions().DeviceWeight;
        Add(string.Create(CultureInfo.InvariantCulture, $"implicit ALS + metadata + device (k={settings.Factors}, device weight {deviceWeight})"),
            OfflineEvaluation.ModelOnDevice(model, set, deviceWeight), trainSeconds);
        Add("same, device = the profile's last before the split", OfflineEvaluation.ModelOnDevice(model, set, deviceWeight, lastDevice: true), trainSeconds);
        Add("same, device popularity only (device weight 0)", OfflineEvaluation.ModelOnDevice(model, set, 0), trainSeconds);
        Add($"implicit ALS + metadata, no device (k={settings.Factors})", OfflineEvaluation.Model(model, set), trainSeconds);
        Add("implicit ALS, no popularity prior, no device", OfflineEvaluation.Model(model, set, popularityWeight: 0), trainSeconds);
        if (ffm)
        {
            var watch = Stopwatch.StartNew();
            var ranker = Ffm.Train(set, seed);
            Add("ML.NET field-aware FM (player, game, metadata)", ranker, watch.Elapsed.TotalSeconds);
        }
        Add("most-popular (all history)", OfflineEvaluation.MostPopular(set), 0);
        Add("most-popular (last 30 days, by market)", OfflineEvaluation.MostPopular(set, TimeSpan.FromDays(30), byMarket: true), 0);
        Add("most-popular (last 30 days, by market and device)", OfflineEvaluation.MostPopular(set, TimeSpan.FromDays(30), byMarket: true, byDevice: true), 0);
        Add("popularity by market × device, smoothed (served cold start)", OfflineEvaluation.PopularOnDevice(model), trainSeconds);
        Add("popularity by market (served cold start without device)", c => model.PopularityFor(c.Market, null), trainSeconds);
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
        var withoutDevice = results.First(r => r.All.Name.StartsWith("implicit ALS + metadata, no device", StringComparison.Ordinal)).All;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"device term: NDCG@10 {withoutDevice.Ndcg:0.000} → {ours.Ndcg:0.000} ({(ours.Ndcg / withoutDevice.Ndcg - 1) * 100:+0.0;-0.0}%), HR@10 {withoutDevice.HitRate:0.000} → {ours.HitRate:0.000}"));

        var devices = set.Cases.GroupBy(c => c.Device ?? "none").OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}");
        var switched = set.Cases.Count(c => c.Device != c.LastDevice);
        Console.WriteLine($"cases by device: {string.Join(", ", devices)}; {switched} came back on another device than their last before the split");

        // The device weight: chosen here (NDCG@10 over everyone), printed on every run.
        Console.WriteLine();
        // "Switched": players who came back on another device than the one their profile last saw, where context
        // should matter most. The first row is the model without any device, for comparison.
        Console.WriteLine("| device weight | HR@10 | NDCG@10 | coverage | NDCG@10 new players | NDCG@10 switched |");
        Console.WriteLine("|---|---|---|---|---|---|");
        bool Switched(EvaluationCase c) => c.Device != c.LastDevice;
        void Row(string label, Ranker ranker)
        {
            var r = OfflineEvaluation.Evaluate("", set, ranker);
            var cold = OfflineEvaluation.Evaluate("", set, ranker, include: Cold);
            var other = OfflineEvaluation.Evaluate("", set, ranker, include: Switched);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {label} | {r.HitRate:0.000} | {r.Ndcg:0.000} | {r.Coverage:0.000} | {cold.Ndcg:0.000} | {other.Ndcg:0.000} |"));
        }
        Row("no device", OfflineEvaluation.Model(model, set));
        foreach (var w in SweepDeviceWeight) Row(w.ToString(CultureInfo.InvariantCulture), OfflineEvaluation.ModelOnDevice(model, set, w));
        foreach (var w in SweepDeviceWeight.Where(w => w > 0))
        {
            Row(string.Create(CultureInfo.InvariantCulture, $"{w}, absolute (not relative to the profile's device)"), OfflineEvaluation.ModelOnDevice(model, set, w, relative: false));
        }

        if (export is not null) Export(export, set, model, seed);

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
                var r = OfflineEvaluation.Evaluate("", set, OfflineEvaluation.ModelOnDevice(m, set, deviceWeight));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {s.Factors} | {s.Regularization} | {s.Alpha} | {s.HalfLifeDays} | {s.ContentPrior} | {r.HitRate:0.000} | {r.Ndcg:0.000} | {r.Coverage:0.000} |"));
            }
        }
    }

    /// <summary>
    /// The evaluation per player, for notebooks/04-recommendations: recs_eval.csv (one row per evaluated player and
    /// list or baseline), recs_coverage.csv (one row per list or baseline) and recs_split.json (the split). Same split,
    /// candidates and scoring as the table above; the random baseline starts from the same seed, so it matches too.
    /// </summary>
    private static void Export(string dir, EvaluationSet set, CatalogModel model, int seed)
    {
        Directory.CreateDirectory(dir);
        var newReleaseDays = new RecommendationOptions().NewReleaseDays;
        var rankers = new (string Name, string Kind, Ranker Ranker)[]
        {
            ("for-you", "list", OfflineEvaluation.ModelOnDevice(model, set, new RecommendationOptions().DeviceWeight)),
            ("because-you-played", "list", OfflineEvaluation.BecauseYouPlayed(model, set)),
            ("new-for-you", "list", OfflineEvaluation.NewForYou(model, set, newReleaseDays, deviceWeight: new RecommendationOptions().DeviceWeight)),
            ("most-popular", "baseline", OfflineEvaluation.MostPopular(set)),
            ("popular-in-market-30d", "baseline", OfflineEvaluation.MostPopular(set, TimeSpan.FromDays(30), byMarket: true)),
            ("random", "baseline", OfflineEvaluation.Random(set, seed)),
        };
        var inv = CultureInfo.InvariantCulture;
        using var rows = new StreamWriter(Path.Combine(dir, "recs_eval.csv"));
        rows.WriteLine("playerId,model,kind,market,gamesBefore,roundsBefore,firstPlays,recommended,hits,hit,ndcg");
        using var coverage = new StreamWriter(Path.Combine(dir, "recs_coverage.csv"));
        coverage.WriteLine("model,kind,players,hitRate,ndcg,coveredGames,offerableGames,coverage");
        foreach (var (name, kind, ranker) in rankers)
        {
            var scores = OfflineEvaluation.ScoreCases(set, ranker).ToList();
            foreach (var s in scores)
            {
                var c = s.Case;
                rows.WriteLine(string.Create(inv,
                    $"{c.PlayerId},{name},{kind},{c.Market},{c.Before.Count},{c.Before.Sum(b => b.Rounds)},{c.Targets.Count},{s.Top.Length},{s.Hits},{s.Hit},{s.Ndcg:0.######}"));
            }
            var r = OfflineEvaluation.Summarise(name, set, scores);
            coverage.WriteLine(string.Create(inv, $"{name},{kind},{r.Players},{r.HitRate:0.######},{r.Ndcg:0.######},{r.CoveredGames},{r.OfferableGames},{r.Coverage:0.######}"));
        }
        var since = set.SplitAt.AddDays(-newReleaseDays);
        var split = new Dictionary<string, object>
        {
            ["splitAt"] = set.SplitAt.ToString("O", inv),
            ["horizonDays"] = set.Horizon.TotalDays,
            ["k"] = 10,
            ["trainingPlayers"] = set.Training.Count,
            ["evaluatedPlayers"] = set.Cases.Count,
            ["targets"] = set.Cases.Sum(c => c.Targets.Count),
            ["catalogueGames"] = set.Catalogue.Count,
            ["offerableGames"] = set.Catalogue.Count(g => g.Enabled && g.ReleasedAt <= set.SplitAt),
            ["newReleaseDays"] = newReleaseDays,
            ["newGamesOfferable"] = set.Catalogue.Count(g => g.Enabled && g.ReleasedAt <= set.SplitAt && g.ReleasedAt >= since),
            ["targetsOnNewGames"] = set.Cases.Sum(c => c.Targets.Count(id => set.Catalogue.First(g => g.Id == id).ReleasedAt >= since)),
        };
        File.WriteAllText(Path.Combine(dir, "recs_split.json"), JsonSerializer.Serialize(split, Indented));
        Console.WriteLine($"exported recs_eval.csv, recs_coverage.csv and recs_split.json to {dir}");
    }

    private static (CatalogModel Model, double Seconds) Train(EvaluationSet set, ModelSettings settings, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        var model = ModelBuilder.Train(set.Training, set.Catalogue, settings, set.SplitAt, "eval", ct: ct);
        return (new CatalogModel(model, set.Catalogue), watch.Elapsed.TotalSeconds);
    }
}
