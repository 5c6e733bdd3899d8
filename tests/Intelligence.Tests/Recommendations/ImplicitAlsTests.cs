using CsCheck;
using Intelligence.Recommendations.Model;

namespace Intelligence.Tests.Recommendations;

public sealed class ImplicitAlsTests
{
    [Fact]
    public void CholeskySolve_SolvesRandomPositiveDefiniteSystems()
    {
        Gen.Int[2, 12].SelectMany(k => Gen.Double[-1, 1].Array[k * k].Select(m => (k, m))).Sample(t =>
        {
            var (k, m) = t;
            // MᵀM + I is symmetric positive definite.
            var a = new double[k * k];
            for (var i = 0; i < k; i++)
                for (var j = 0; j < k; j++)
                {
                    for (var r = 0; r < k; r++) a[i * k + j] += m[r * k + i] * m[r * k + j];
                    if (i == j) a[i * k + j] += 1;
                }
            var x = Enumerable.Range(0, k).Select(i => (double)(i + 1) / k).ToArray();
            var b = new double[k];
            for (var i = 0; i < k; i++) for (var j = 0; j < k; j++) b[i] += a[i * k + j] * x[j];
            Dense.CholeskySolve((double[])a.Clone(), b, k);
            for (var i = 0; i < k; i++) Assert.Equal(x[i], b[i], 1e-8);
        }, iter: 200);
    }

    [Fact]
    public void FoldIn_EqualsTheNaiveLeastSquaresOverEveryCell()
    {
        var k = 4;
        var rng = new Random(5);
        var games = Enumerable.Range(0, 12 * k).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        int[] played = [1, 4, 7];
        float[] weights = [3f, 0.5f, 10f];
        var gram = new double[k * k];
        Dense.Gram(games, k, gram);
        var folded = new float[k];
        ImplicitAls.FoldIn(played, weights, games, gram, k, 0.7, folded);

        // Σ over all 12 games of c·y yᵀ + λI, with c = 1 + w for played games and 1 otherwise; b = Σ c·p·y.
        var a = new double[k * k];
        var b = new double[k];
        for (var g = 0; g < 12; g++)
        {
            var at = Array.IndexOf(played, g);
            var c = at >= 0 ? 1 + weights[at] : 1;
            for (var i = 0; i < k; i++)
            {
                for (var j = 0; j < k; j++) a[i * k + j] += c * games[g * k + i] * games[g * k + j];
                if (at >= 0) b[i] += c * games[g * k + i];
            }
        }
        for (var i = 0; i < k; i++) a[i * k + i] += 0.7;
        Dense.CholeskySolve(a, b, k);
        for (var i = 0; i < k; i++) Assert.Equal(b[i], folded[i], 1e-4);
    }

    [Fact]
    public void Als_PutsPlayersOfOneTasteNearTheGamesOfThatTaste()
    {
        var model = new CatalogModel(TestCatalogue.Train(), TestCatalogue.Games());
        // A group-A-like player who played two egyptian games: every unplayed egyptian game outscores every space game.
        var scores = model.ForYou([new("g-ra-0", 50, 5m, TestCatalogue.Now), new("g-ra-1", 20, 2m, TestCatalogue.Now)], null, null, TestCatalogue.Now, 0);
        var ra = Enumerable.Range(2, 6).Select(i => scores[model.IndexOf($"g-ra-{i}")!.Value]).ToList();
        var orbit = Enumerable.Range(0, 8).Select(i => scores[model.IndexOf($"g-orbit-{i}")!.Value]).ToList();
        Assert.True(ra.Min() > orbit.Max(), $"egyptian min {ra.Min()} vs space max {orbit.Max()}");
    }

    [Fact]
    public void FoldIn_ShiftsTasteWithEveryNewPlay_WithoutRetraining()
    {
        var model = new CatalogModel(TestCatalogue.Train(), TestCatalogue.Games());
        List<GameInteraction> plays = [new("g-ra-0", 30, 3m, TestCatalogue.Now.AddDays(-3))];
        float Space(float[] s) => Enumerable.Range(1, 7).Average(i => s[model.IndexOf($"g-orbit-{i}")!.Value]);
        float Egypt(float[] s) => Enumerable.Range(1, 7).Average(i => s[model.IndexOf($"g-ra-{i}")!.Value]);
        var before = model.ForYou(plays, null, null, TestCatalogue.Now, 0);
        Assert.True(Egypt(before) > Space(before));

        // The player now plays a space game a lot: the same model, folded in again, now prefers space games.
        plays.Add(new GameInteraction("g-orbit-0", 400, 40m, TestCatalogue.Now));
        var after = model.ForYou(plays, null, null, TestCatalogue.Now, 0);
        Assert.True(Space(after) > Space(before));
        Assert.True(Space(after) > Egypt(after), $"space {Space(after)} vs egyptian {Egypt(after)}");
    }

    [Fact]
    public void Confidence_GrowsWithRounds_AndFadesWithTime()
    {
        var c = new Confidence(Alpha: 2, Epsilon: 2, HalfLifeDays: 30);
        var now = TestCatalogue.Now;
        Assert.Equal(0, c.Weight(0, now, now));
        Assert.True(c.Weight(100, now, now) > c.Weight(10, now, now));
        Assert.Equal(c.Weight(10, now, now) / 2, c.Weight(10, now.AddDays(-30), now), 1e-4);
    }

    [Fact]
    public void Model_SurvivesTheRoundTripThroughItsStoredForm()
    {
        var model = TestCatalogue.Train();
        var copy = RecommenderModel.Deserialize(model.Serialize());
        Assert.Equal(model.Version, copy.Version);
        Assert.Equal(model.Settings, copy.Settings);
        Assert.Equal(model.GameIds, copy.GameIds);
        Assert.Equal(model.GameFactors, copy.GameFactors);
        Assert.Equal(model.FactorMap, copy.FactorMap);
        Assert.Equal(model.Popularity.Keys.Order(), copy.Popularity.Keys.Order());
        Assert.Equal(model.Popularity["market:MT"], copy.Popularity["market:MT"]);
    }
}
