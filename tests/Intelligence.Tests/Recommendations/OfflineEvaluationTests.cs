using Intelligence.Recommendations.Evaluation;
using Intelligence.Recommendations.Model;

namespace Intelligence.Tests.Recommendations;

public sealed class OfflineEvaluationTests
{
    private static readonly DateTimeOffset Split = TestCatalogue.Now;

    [Fact]
    public void Ndcg_IsOneForTargetsRankedFirst_AndDiscountsLowerRanks()
    {
        var targets = new HashSet<string> { "a", "b" };
        Assert.Equal(1, OfflineEvaluation.NdcgAt(["a", "b", "c"], targets, 10), 9);
        Assert.Equal(1, OfflineEvaluation.NdcgAt(["b", "a", "c"], targets, 10), 9);
        // One target at rank 3: (1/log2 4) / (1 + 1/log2 3).
        Assert.Equal(0.5 / (1 + 1 / Math.Log2(3)), OfflineEvaluation.NdcgAt(["x", "y", "a"], targets, 10), 9);
        Assert.Equal(0, OfflineEvaluation.NdcgAt(["x", "y", "a"], targets, 2));
        Assert.Equal(1, OfflineEvaluation.HitAt(["x", "y", "a"], targets, 3));
        Assert.Equal(0, OfflineEvaluation.HitAt(["x", "y", "a"], targets, 2));
    }

    [Fact]
    public void TopK_TakesTheHighestAllowedScores_BestFirst_TiesToTheLowerIndex()
    {
        float[] scores = [0.1f, 0.9f, 0.5f, 0.9f, 0.7f];
        Assert.Equal([1, 3, 4], OfflineEvaluation.TopK(scores, 3, _ => true));
        Assert.Equal([3, 4, 2], OfflineEvaluation.TopK(scores, 3, g => g != 1));
    }

    [Fact]
    public void Split_TargetsOnlyFirstPlaysInTheHorizon_OfGamesThatCouldHaveBeenOffered()
    {
        var games = TestCatalogue.Games();
        games.Add(TestCatalogue.Game("g-later", "Later", "slots", "fruit", released: Split.AddDays(2)));
        var p = new HistoryPlayer("p-1") { Market = "MT", RegisteredAt = Split.AddDays(-30) };
        p.Rounds.AddRange([
            new Round("g-ra-0", Split.AddDays(-3)), new Round("g-ra-0", Split.AddDays(-2)),
            new Round("g-ra-0", Split.AddDays(1)),            // played before: not a target
            new Round("g-ra-1", Split.AddDays(2)),            // first play inside the horizon: a target
            new Round("g-later", Split.AddDays(3)),           // released after the split: cannot be offered
            new Round("g-ra-2", Split.AddDays(9)),            // after the horizon
        ]);
        var late = new HistoryPlayer("p-2") { RegisteredAt = Split.AddDays(1) };
        late.Rounds.Add(new Round("g-ra-3", Split.AddDays(2)));

        var set = OfflineEvaluation.Split([p, late], games, Split, TimeSpan.FromDays(7));
        var c = Assert.Single(set.Cases);
        Assert.Equal(["g-ra-1"], c.Targets);
        var before = Assert.Single(c.Before);
        Assert.Equal(("g-ra-0", 2L, Split.AddDays(-2)), (before.GameId, before.Rounds, before.LastPlayedAt!.Value));
        Assert.Single(set.Training);
    }

    [Fact]
    public void Evaluate_ScoresAnOracleAsPerfect_NeverOffersPlayedGames_AndCountsCoverage()
    {
        var games = TestCatalogue.Games();
        var cases = new List<EvaluationCase>
        {
            new("p-1", "MT", [new GameInteraction("g-ra-0", 5, 0, Split.AddDays(-1))], new HashSet<string> { "g-ra-1" }),
            new("p-2", "MT", [], new HashSet<string> { "g-orbit-1", "g-orbit-2" }),
        };
        var set = new EvaluationSet(Split, TimeSpan.FromDays(7), games, [], cases);
        float[] Oracle(EvaluationCase c) => games.Select(g => c.Targets.Contains(g.Id) ? 1f : 0f).ToArray();
        var perfect = OfflineEvaluation.Evaluate("oracle", set, Oracle);
        Assert.Equal((2, 1.0, 1.0), (perfect.Players, perfect.HitRate, perfect.Ndcg));
        // Top 10 of each player out of 24 offerable games: p-1 can never get g-ra-0, its played game.
        Assert.Equal(24, perfect.OfferableGames);

        // A ranker that loves the played game: it is skipped, so the target is still found.
        float[] LovesPlayed(EvaluationCase c) => games.Select(g => g.Id == "g-ra-0" ? 10f : c.Targets.Contains(g.Id) ? 1f : 0f).ToArray();
        Assert.Equal(1.0, OfflineEvaluation.Evaluate("x", set, LovesPlayed).HitRate);

        // The same list for everyone (the last ten games) covers ten games; a list that misses every target scores zero.
        float[] Fixed(EvaluationCase c) => games.Select((_, i) => (float)i).ToArray();
        var same = OfflineEvaluation.Evaluate("fixed", set, Fixed);
        Assert.Equal((0.0, 0.0), (same.HitRate, same.Ndcg));
        Assert.Equal(10, same.CoveredGames);
    }

    [Fact]
    public void ScoreCases_NeverOffersGamesScoredNegativeInfinity_AndAddsUpToEvaluate()
    {
        var games = TestCatalogue.Games();
        var cases = new List<EvaluationCase>
        {
            new("p-1", "MT", [], new HashSet<string> { "g-ra-1" }),
            new("p-2", "MT", [], new HashSet<string> { "g-orbit-1" }),
        };
        var set = new EvaluationSet(Split, TimeSpan.FromDays(7), games, [], cases);
        // A list of three games for p-1 (the target among them), an empty list for p-2 (as because-you-played without plays).
        float[] Short(EvaluationCase c) =>
            games.Select(g => c.PlayerId == "p-1" && g.Id is "g-ra-1" or "g-ra-2" or "g-ra-3" ? 1f : float.NegativeInfinity).ToArray();
        var rows = OfflineEvaluation.ScoreCases(set, Short).ToList();
        Assert.Equal([3, 0], rows.Select(r => r.Top.Length));
        Assert.Equal([1, 0], rows.Select(r => r.Hits));
        var all = OfflineEvaluation.Evaluate("short", set, Short);
        Assert.Equal((2, 0.5, 3), (all.Players, all.HitRate, all.CoveredGames));
        Assert.Equal(all, OfflineEvaluation.Summarise("short", set, rows));
    }

    [Fact]
    public void MostPopular_RanksByHowManyPlayersPlayedEachGame()
    {
        var games = TestCatalogue.Games();
        var training = new List<TrainingPlayer>
        {
            new("a", "MT", null, [new("g-ra-5", 1, 0, Split.AddDays(-1)), new("g-orbit-1", 1, 0, Split.AddDays(-1))]),
            new("b", "MT", null, [new("g-ra-5", 500, 0, Split.AddDays(-1))]),
            new("c", "DE", null, [new("g-orbit-1", 1, 0, Split.AddDays(-1)), new("g-ra-5", 1, 0, Split.AddDays(-1))]),
        };
        var set = new EvaluationSet(Split, TimeSpan.FromDays(7), games, training, []);
        var scores = OfflineEvaluation.MostPopular(set)(new EvaluationCase("z", null, [], new HashSet<string>()));
        Assert.Equal(3, scores[games.FindIndex(g => g.Id == "g-ra-5")]);
        Assert.Equal(2, scores[games.FindIndex(g => g.Id == "g-orbit-1")]);
    }

    [Fact]
    public void OnASimulatedHistory_TheModelBeatsPopularityAndRandom()
    {
        // A small run of the benchmark's own pipeline: simulator history → NDJSON → split → train → evaluate.
        var dir = Path.Combine(Path.GetTempPath(), "recs-test-" + Guid.NewGuid().ToString("N"));
        try
        {
            var end = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
            Simulator.History.HistoryGenerator.Run(Simulator.World.Create(11, 600, 60, end), new Simulator.FaultRates(), dir, writeTruth: false);
            var catalogue = System.Text.Json.JsonSerializer.Deserialize(File.ReadAllBytes(Path.Combine(dir, "games.json")), Shared.Contracts.ContractsJsonContext.Default.ListGame)!;
            var history = CanonicalHistory.Read(Directory.GetFiles(dir, "events-*.ndjson.gz"));
            var set = OfflineEvaluation.Split(history.Values, catalogue, end.AddDays(-7), TimeSpan.FromDays(7));
            Assert.True(set.Cases.Count > 100);
            var model = new CatalogModel(ModelBuilder.Train(set.Training, catalogue, new ModelSettings(), set.SplitAt, "t"), catalogue);
            var ours = OfflineEvaluation.Evaluate("als", set, OfflineEvaluation.Model(model, set));
            var popular = OfflineEvaluation.Evaluate("popular", set, OfflineEvaluation.MostPopular(set));
            var random = OfflineEvaluation.Evaluate("random", set, OfflineEvaluation.Random(set, 1));
            Assert.True(ours.Ndcg > 1.3 * popular.Ndcg, $"ALS {ours.Ndcg:0.000} vs popular {popular.Ndcg:0.000}");
            Assert.True(popular.Ndcg > random.Ndcg);
            Assert.True(ours.Coverage > 3 * popular.Coverage);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
