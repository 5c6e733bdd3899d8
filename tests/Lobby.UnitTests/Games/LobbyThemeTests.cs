using Lobby.Catalogue;
using Lobby.Components.Layout;
using MudBlazor.Utilities;

namespace Lobby.UnitTests.Games;

/// <summary>WCAG 2.x contrast of the text colours the lobby uses, computed from the theme's own palette.</summary>
public sealed class LobbyThemeTests
{
    private const double TextMinimum = 4.5;

    internal static double Contrast(string foreground, string background)
    {
        static double Luminance(string hex)
        {
            var color = new MudColor(hex);
            static double Linear(byte channel)
            {
                var c = channel / 255.0;
                return c <= 0.03928 ? c / 12.92 : Math.Pow((c + 0.055) / 1.055, 2.4);
            }
            return 0.2126 * Linear(color.R) + 0.7152 * Linear(color.G) + 0.0722 * Linear(color.B);
        }
        var (a, b) = (Luminance(foreground), Luminance(background));
        return (Math.Max(a, b) + 0.05) / (Math.Min(a, b) + 0.05);
    }

    [Fact]
    public void Contrast_OfKnownColours_IsComputedRight()
    {
        Assert.Equal(21, Contrast("#000000", "#ffffff"), 2);
        Assert.Equal(1, Contrast("#777777", "#777777"), 2);
    }

    [Fact]
    public void BodyText_OnEveryBackground_MeetsFourAndAHalfToOne()
    {
        var p = LobbyTheme.Casino.PaletteDark;
        foreach (var background in new[] { p.Background, p.Surface, p.AppbarBackground, p.BackgroundGray })
        {
            Assert.True(Contrast(p.TextPrimary.ToString(MudColorOutputFormats.Hex), background.ToString(MudColorOutputFormats.Hex)) >= TextMinimum, $"text on {background}");
            Assert.True(Contrast(p.TextSecondary.ToString(MudColorOutputFormats.Hex), background.ToString(MudColorOutputFormats.Hex)) >= TextMinimum, $"secondary text on {background}");
            // Links and the win result are drawn in the primary colour.
            Assert.True(Contrast(p.Primary.ToString(MudColorOutputFormats.Hex), background.ToString(MudColorOutputFormats.Hex)) >= TextMinimum, $"primary on {background}");
            // Outlined alerts (the safer-gambling message, round errors) write in their severity's colour.
            foreach (var severity in new[] { p.Info, p.Success, p.Warning, p.Error })
            {
                Assert.True(Contrast(severity.ToString(MudColorOutputFormats.Hex), background.ToString(MudColorOutputFormats.Hex)) >= TextMinimum, $"{severity} on {background}");
            }
        }
        Assert.True(Contrast(p.PrimaryContrastText.ToString(MudColorOutputFormats.Hex), p.Primary.ToString(MudColorOutputFormats.Hex)) >= TextMinimum, "button text");
    }

    [Theory]
    [InlineData(Badges.New)]
    [InlineData(Badges.Jackpot)]
    [InlineData(Badges.Hot)]
    public void BadgeText_MeetsFourAndAHalfToOne(Badges badge)
    {
        var colors = LobbyTheme.BadgeColorsOf(badge);

        Assert.True(Contrast(colors.Text, colors.Background) >= TextMinimum, $"{badge}: {Contrast(colors.Text, colors.Background):0.00}");
    }
}
