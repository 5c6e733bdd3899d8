using Lobby.Rows;
using static Lobby.UnitTests.TestData;

namespace Lobby.UnitTests.Rows;

public sealed class RowBuilderTests
{
    [Fact]
    public void ContinuePlaying_OrdersByLastPlayed()
    {
        var profile = Profile("p-1",
            Played("g-old", Now.AddDays(-9)),
            Played("g-newest", Now.AddMinutes(-1)),
            Played("g-never", null, rounds: 500),
            Played("g-middle", Now.AddDays(-2)));

        var row = RowBuilder.ContinuePlaying(profile, Catalog(), Now);

        Assert.Equal(["g-newest", "g-middle", "g-old", "g-never"], row.Items.Select(i => i.GameId));
    }

    [Fact]
    public void ContinuePlaying_TakesTitleProviderAndCategoryFromTheCatalogue()
    {
        var profile = Profile("p-1", Played("g-starburst", Now));
        var catalog = Catalog(Game("g-starburst", "Starburst", "NetEnt", "slots"));

        var item = Assert.Single(RowBuilder.ContinuePlaying(profile, catalog, Now).Items);

        Assert.Equal(Item("g-starburst", "Starburst", "NetEnt", "slots"), item);
    }

    [Fact]
    public void ContinuePlaying_UnknownGame_ShowsItsIdAsTitle()
    {
        var profile = Profile("p-1", Played("g-mystery", Now));

        var item = Assert.Single(RowBuilder.ContinuePlaying(profile, Catalog(), Now).Items);

        Assert.Equal(Item("g-mystery", "g-mystery", "", ""), item);
    }

    [Fact]
    public void ContinuePlaying_LeavesOutGamesTheOperatorDisabled()
    {
        var profile = Profile("p-1", Played("g-off", Now), Played("g-on", Now.AddDays(-1)));
        var catalog = Catalog(Game("g-off", "Retired", enabled: false), Game("g-on", "Live One"));

        var row = RowBuilder.ContinuePlaying(profile, catalog, Now);

        Assert.Equal(["g-on"], row.Items.Select(i => i.GameId));
    }

    [Fact]
    public void ContinuePlaying_IsNamedForTheRecommendationList()
    {
        var row = RowBuilder.ContinuePlaying(Profile("p-1"), Catalog(), Now);

        Assert.Equal("continue-playing", row.List);
        Assert.Equal("Continue playing", row.Title);
        Assert.Empty(row.Items);
    }

    [Fact]
    public void ContinuePlaying_StopsAtTheLimit_KeepingTheMostRecent()
    {
        var plays = Enumerable.Range(0, 30).Select(i => Played($"g-{i:00}", Now.AddHours(-i))).ToArray();

        var row = RowBuilder.ContinuePlaying(Profile("p-1", plays), Catalog(), Now, limit: 5);

        Assert.Equal(["g-00", "g-01", "g-02", "g-03", "g-04"], row.Items.Select(i => i.GameId));
    }

    [Fact]
    public void ContinuePlaying_ShowsAGamePlayedTwiceOnce()
    {
        var profile = Profile("p-1", Played("g-1", Now), Played("g-1", Now.AddDays(-1)));

        Assert.Single(RowBuilder.ContinuePlaying(profile, Catalog(), Now).Items);
    }

    [Fact]
    public void ContinuePlaying_TakesRecentAndMostPlayedGames_AtTheirLatestPlay()
    {
        var profile = Profile("p-1",
            top: [Played("g-favourite", Now.AddDays(-3), rounds: 900), Played("g-recent", Now.AddDays(-5))],
            recent: [Played("g-recent", Now.AddMinutes(-5)), Played("g-new", Now.AddHours(-1))]);

        var row = RowBuilder.ContinuePlaying(profile, Catalog(), Now);

        Assert.Equal(["g-recent", "g-new", "g-favourite"], row.Items.Select(i => i.GameId));
        Assert.Equal(["g-favourite", "g-new", "g-recent"], RowBuilder.GameIds(profile).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void ContinuePlaying_LeavesOutGamesNotOfferedInThePlayersMarketOrNotYetReleased_JackpotOrNot()
    {
        // The profile's market is MT.
        var profile = Profile("p-1", Played("g-everywhere", Now), Played("g-mt-jackpot", Now.AddMinutes(-1)),
            Played("g-de-only", Now.AddMinutes(-2)), Played("g-next-week", Now.AddMinutes(-3)));
        var catalog = Catalog(
            Game("g-everywhere", "Everywhere"),
            Game("g-mt-jackpot", "MT Jackpot") with { Markets = ["MT", "SE"], Jackpot = true },
            Game("g-de-only", "DE Only") with { Markets = ["DE"] },
            Game("g-next-week", "Next Week") with { ReleasedAt = Now.AddDays(7) });

        var row = RowBuilder.ContinuePlaying(profile, catalog, Now);

        Assert.Equal(["g-everywhere", "g-mt-jackpot"], row.Items.Select(i => i.GameId));
        Assert.DoesNotContain("g-mt-jackpot", RowBuilder.ContinuePlaying(profile with { Market = null, Country = null }, catalog, Now).Items.Select(i => i.GameId));
    }
}
