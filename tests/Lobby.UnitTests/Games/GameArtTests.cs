using System.Xml.Linq;
using Lobby.Components.Games;

namespace Lobby.UnitTests.Games;

public sealed class GameArtTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    [Fact]
    public void SameGame_AlwaysGetsTheSamePicture()
    {
        Assert.Equal(GameArt.DataUri("Starburst", "NetEnt", "slots"), GameArt.DataUri("Starburst", "NetEnt", "slots"));
    }

    [Fact]
    public void KnownGame_GetsAKnownPicture()
    {
        // Pinned so that a change of hash or layout, which would repaint every tile, is a visible decision.
        Assert.Equal(0x80F6A5E5u, GameArt.Fnv1a("Starburst"));
    }

    [Theory]
    [InlineData("Starburst", "NetEnt", "slots", "Gonzo's Quest", "NetEnt", "slots")]
    [InlineData("Starburst", "NetEnt", "slots", "Starburst", "Pragmatic Play", "slots")]
    [InlineData("Starburst", "NetEnt", "slots", "Starburst", "NetEnt", "live")]
    public void DifferentGames_GetDifferentPictures(string title1, string provider1, string category1, string title2, string provider2, string category2)
    {
        Assert.NotEqual(GameArt.Svg(title1, provider1, category1), GameArt.Svg(title2, provider2, category2));
    }

    [Fact]
    public void GamesOfOneProvider_ShareTheirBaseColour()
    {
        static string? BaseColour(string title) =>
            XDocument.Parse(GameArt.Svg(title, "NetEnt", "slots")).Descendants(Svg + "stop").First().Attribute("stop-color")?.Value;

        Assert.Equal(BaseColour("Starburst"), BaseColour("Gonzo's Quest"));
    }

    [Theory]
    [InlineData("slots")]
    [InlineData("live")]
    [InlineData("table")]
    [InlineData("crash")]
    [InlineData("instant")]
    [InlineData("bingo")]
    [InlineData("")]
    public void Picture_IsWellFormedSvg_ThatFetchesNothing(string category)
    {
        var svg = GameArt.Svg("Tom & <Jo> \"Win\"'", "Studio", category);

        var doc = XDocument.Parse(svg);
        Assert.Equal(Svg + "svg", doc.Root!.Name);
        Assert.Equal("Tom & <Jo> \"Win\"'", doc.Descendants(Svg + "text").Single().Value);
        Assert.DoesNotContain("href", svg, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("@import", svg, StringComparison.Ordinal);
    }

    [Fact]
    public void LongTitle_IsShortenedOnThePicture()
    {
        var text = XDocument.Parse(GameArt.Svg("The Extraordinarily Long Adventures of Captain Spin", "Studio", "slots"))
            .Descendants(Svg + "text").Single().Value;

        Assert.True(text.Length <= 22, text);
        Assert.EndsWith("…", text, StringComparison.Ordinal);
    }
}
