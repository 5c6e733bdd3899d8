using Intelligence.Recommendations.Model;

namespace Intelligence.Tests.Recommendations;

public sealed class ColdStartTests
{
    private static int Best(CatalogModel model, float[] scores) => Enumerable.Range(0, scores.Length).MaxBy(g => scores[g]);

    [Fact]
    public void ANewPlayer_GetsWhatIsPopularInTheirMarketAndSegment()
    {
        var model = new CatalogModel(TestCatalogue.Train(), TestCatalogue.Games());
        // Group A plays from MT (segment a), group B from DE (segment b).
        Assert.StartsWith("g-ra-", model.Games[Best(model, model.ForYou([], "MT", null, TestCatalogue.Now))].Id, StringComparison.Ordinal);
        Assert.StartsWith("g-orbit-", model.Games[Best(model, model.ForYou([], "DE", null, TestCatalogue.Now))].Id, StringComparison.Ordinal);
        Assert.StartsWith("g-orbit-", model.Games[Best(model, model.ForYou([], null, "seg-b", TestCatalogue.Now))].Id, StringComparison.Ordinal);
    }

    [Fact]
    public void TheFirstGamesANewPlayerOpens_ShiftTheirListAwayFromPopularity()
    {
        var model = new CatalogModel(TestCatalogue.Train(), TestCatalogue.Games());
        // From MT, where egyptian slots are popular, but the first game opened is a space crash game.
        int SpaceInTop5(float[] scores) => Enumerable.Range(0, scores.Length).Where(g => model.Games[g].Id != "g-orbit-3")
            .OrderByDescending(g => scores[g]).Take(5).Count(g => model.Games[g].Id.StartsWith("g-orbit-", StringComparison.Ordinal));
        Assert.Equal(0, SpaceInTop5(model.ForYou([], "MT", null, TestCatalogue.Now)));
        Assert.True(SpaceInTop5(model.ForYou([new("g-orbit-3", 3, 0.3m, TestCatalogue.Now)], "MT", null, TestCatalogue.Now)) >= 3);
        Assert.Equal(5, SpaceInTop5(model.ForYou([new("g-orbit-3", 3, 0.3m, TestCatalogue.Now), new("g-orbit-5", 10, 1m, TestCatalogue.Now)], "MT", null, TestCatalogue.Now)));
    }

    [Fact]
    public void ANewGameNobodyHasPlayed_ReachesPlayersWhoseTasteItFits()
    {
        var games = TestCatalogue.Games();
        var model = TestCatalogue.Train(games);
        // Released after training: not in the model at all, only in the catalogue.
        var newGame = TestCatalogue.Game("g-ra-new", "Ra Studio", "slots", "egyptian", released: TestCatalogue.Now);
        var view = new CatalogModel(model, [.. games, newGame]);
        var g = view.IndexOf("g-ra-new")!.Value;
        Assert.Equal(0, view.Players[g]);

        var egyptFan = view.ForYou([new("g-ra-0", 80, 8m, TestCatalogue.Now), new("g-ra-2", 40, 4m, TestCatalogue.Now)], null, null, TestCatalogue.Now, 0);
        var spaceFan = view.ForYou([new("g-orbit-0", 80, 8m, TestCatalogue.Now), new("g-orbit-2", 40, 4m, TestCatalogue.Now)], null, null, TestCatalogue.Now, 0);
        Assert.True(egyptFan[g] > spaceFan[g]);
        var spaceGames = Enumerable.Range(0, 8).Select(i => egyptFan[view.IndexOf($"g-orbit-{i}")!.Value]);
        Assert.True(egyptFan[g] > spaceGames.Max(), "the new egyptian game outranks every space game for the egyptian fan");
        // And its neighbours, by metadata, are the egyptian games.
        Assert.All(view.NeighbourIndex[g].Take(5), h => Assert.StartsWith("g-ra-", view.Games[h].Id, StringComparison.Ordinal));
    }

    [Fact]
    public void WithoutAnyTrainedModel_SimilarityFallsBackToMetadata()
    {
        var games = TestCatalogue.Games();
        var view = new CatalogModel(Intelligence.Recommendations.RecommenderModels.Empty(games), games);
        var g = view.IndexOf("g-orbit-0")!.Value;
        Assert.All(view.NeighbourIndex[g].Take(7), h => Assert.StartsWith("g-orbit-", view.Games[h].Id, StringComparison.Ordinal));
    }
}
