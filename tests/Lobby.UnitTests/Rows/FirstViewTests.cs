using Lobby.Rows;
using Shared.Contracts;
using static Lobby.UnitTests.TestData;

namespace Lobby.UnitTests.Rows;

public sealed class FirstViewTests
{
    private static LobbyRow Row(string list, params string[] games) => new(list, list, [.. games.Select(g => Item(g, g.ToUpperInvariant()))]);

    private static IReadOnlyList<LobbyRow> Distinct(params LobbyRow[] rows) => FirstView.Distinct(rows, _ => 3);

    [Fact]
    public void ARowShowingWhatARowAboveShows_IsLeftOut()
    {
        // A new player: "Popular with players like you" is "Recommended for you", game for game.
        var rows = Distinct(
            Row(RecommendationLists.ForYou, "g-1", "g-2", "g-3", "g-4", "g-5"),
            Row(RecommendationLists.PopularInSegment, "g-1", "g-2", "g-3", "g-9"),
            Row(RecommendationLists.NewForYou, "g-7", "g-8"));

        Assert.Equal([RecommendationLists.ForYou, RecommendationLists.NewForYou], rows.Select(r => r.List));
    }

    [Fact]
    public void GamesOfContinuePlaying_AreNotRecommendedAgain_AndTheRowFillsUpFromFurtherDown()
    {
        var rows = Distinct(
            Row(RecommendationLists.ContinuePlaying, "g-1", "g-2"),
            Row(RecommendationLists.ForYou, "g-2", "g-3", "g-1", "g-4", "g-5", "g-6"));

        Assert.Equal(["g-1", "g-2"], rows[0].Items.Select(i => i.GameId));
        Assert.Equal(["g-3", "g-4", "g-5"], rows[1].Items.Select(i => i.GameId));
        Assert.Equal("G-3", rows[1].Items[0].Title);
    }

    [Fact]
    public void EveryGame_ShowsAtMostOnce_InTheHighestRowThatHasIt()
    {
        var rows = Distinct(
            Row("placement-pl-1", "g-5"),
            Row(RecommendationLists.ContinuePlaying, "g-1"),
            Row(RecommendationLists.ForYou, "g-1", "g-2", "g-3", "g-5"),
            Row(RecommendationLists.BecauseYouPlayed, "g-3", "g-2", "g-4"),
            Row(RecommendationLists.Trending, "g-4", "g-4", "g-6"));

        var shown = rows.SelectMany(r => r.Items).Select(i => i.GameId).ToList();
        Assert.Equal(shown.Distinct(), shown);
        Assert.Equal(["g-5", "g-1", "g-2", "g-3", "g-4", "g-6"], shown);
    }

    [Fact]
    public void ARowLeftWithNothingNew_IsNotShown_AndRowsKeepTheirOrderAndTitles()
    {
        var rows = Distinct(
            Row(RecommendationLists.ContinuePlaying, "g-1", "g-2"),
            Row(RecommendationLists.BecauseYouPlayed, "g-2", "g-1") with { Title = "Because you played Alpha" },
            Row(RecommendationLists.Trending, "g-3"));

        Assert.Equal([RecommendationLists.ContinuePlaying, RecommendationLists.Trending], rows.Select(r => r.List));
    }

    [Fact]
    public void EachRow_IsCutToItsOwnLength()
    {
        var rows = FirstView.Distinct(
            [Row("placement-pl-1", "g-1", "g-2", "g-3", "g-4"), Row(RecommendationLists.ForYou, "g-5", "g-6", "g-7", "g-8")],
            RecommendationRowSource.LengthOf);

        Assert.Equal(4, rows[0].Items.Count);
        Assert.Equal(4, rows[1].Items.Count);
        var longList = Row(RecommendationLists.ForYou, [.. Enumerable.Range(0, 30).Select(i => $"g-{i}")]);
        Assert.Equal(RecommendationRowSource.RowLength, FirstView.Distinct([longList], RecommendationRowSource.LengthOf)[0].Items.Count);
    }
}
