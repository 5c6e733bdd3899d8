using Lobby.Catalogue;
using static Lobby.UnitTests.TestData;

namespace Lobby.UnitTests.Catalogue;

public sealed class GameBadgesTests
{
    [Fact]
    public void Badges_New_WithinTheConfiguredDays_Jackpot_FromTheCatalogue_Hot_FromPlayCounts()
    {
        var games = Catalog(
            Game("g-new", "Fresh") with { ReleasedAt = Now.AddDays(-3) },
            Game("g-old", "Classic") with { ReleasedAt = Now.AddDays(-31) },
            Game("g-pot", "Mega Pot") with { Jackpot = true },
            Game("g-soon", "Soon") with { ReleasedAt = Now.AddDays(1) });
        var badges = new GameBadges(games, new HashSet<string> { "g-old", "g-pot" }, Now, newReleaseDays: 30);

        Assert.Equal(Badges.New, badges.For("g-new"));
        Assert.Equal(Badges.Hot, badges.For("g-old"));
        Assert.Equal(Badges.Jackpot | Badges.Hot, badges.For("g-pot"));
        Assert.Equal(Badges.None, badges.For("g-soon"));
        Assert.Equal(Badges.None, badges.For("g-unknown"));
    }

    [Fact]
    public void NoBadges_GivesNoGameABadge()
    {
        Assert.Equal(Badges.None, GameBadges.None.For("g-pot"));
    }

    [Fact]
    public void HotGames_AreTheMostPlayed_TiesByIdSoTheSetIsStable()
    {
        var counts = new Dictionary<string, double> { ["g-a"] = 3, ["g-b"] = 9, ["g-c"] = 3, ["g-d"] = 1, ["g-zero"] = 0 };

        Assert.Equal(["g-a", "g-b"], StoreHotGames.Top(counts, 2).Order());
        Assert.DoesNotContain("g-zero", StoreHotGames.Top(counts, 10));
    }
}
