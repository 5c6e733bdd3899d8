using Lobby.Catalogue;
using MudBlazor;

namespace Lobby.Components.Layout;

/// <summary>The lobby's dark casino look. Fonts are the device's own: the lobby loads nothing from other sites.</summary>
public static class LobbyTheme
{
    /// <summary>The device's own fonts, for the lobby and the console alike.</summary>
    internal static readonly string[] SystemFonts =
        ["system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "Noto Sans", "sans-serif"];

    public static MudTheme Casino { get; } = new()
    {
        PaletteDark = new PaletteDark
        {
            Primary = "#f5c542",
            PrimaryContrastText = "#1a1204",
            Secondary = "#e0457b",
            Tertiary = "#3fd0c9",
            Background = "#0e0b1f",
            BackgroundGray = "#15102b",
            Surface = "#1b1537",
            AppbarBackground = "#120d26",
            AppbarText = "#f4f1ff",
            DrawerBackground = "#120d26",
            TextPrimary = "#f4f1ff",
            TextSecondary = "#b9b0d9",
            ActionDefault = "#d8d0f5",
            LinesDefault = "#2e2654",
            LinesInputs = "#5a4f8a",
            Divider = "#2e2654",
            // Alerts draw their text in these colours on the page's dark background.
            Info = "#7cc4ff",
            Success = "#69e0a5",
            Warning = "#ffb74d",
            Error = "#ff8a80",
        },
        Typography = new Typography
        {
            Default = new DefaultTypography { FontFamily = SystemFonts },
            H1 = new H1Typography { FontFamily = SystemFonts },
            H2 = new H2Typography { FontFamily = SystemFonts },
            H3 = new H3Typography { FontFamily = SystemFonts },
            H4 = new H4Typography { FontFamily = SystemFonts },
            H5 = new H5Typography { FontFamily = SystemFonts },
            H6 = new H6Typography { FontFamily = SystemFonts },
            Subtitle1 = new Subtitle1Typography { FontFamily = SystemFonts },
            Subtitle2 = new Subtitle2Typography { FontFamily = SystemFonts },
            Body1 = new Body1Typography { FontFamily = SystemFonts },
            Body2 = new Body2Typography { FontFamily = SystemFonts },
            Button = new ButtonTypography { FontFamily = SystemFonts },
            Caption = new CaptionTypography { FontFamily = SystemFonts },
            Overline = new OverlineTypography { FontFamily = SystemFonts },
        },
        LayoutProperties = new LayoutProperties { DefaultBorderRadius = "10px" },
    };

    /// <summary>Badge labels: dark text on bright fills, each pair at least 4.5:1 (checked by a unit test).</summary>
    public static BadgeColors BadgeColorsOf(Badges badge) => badge switch
    {
        Badges.Jackpot => new BadgeColors("#f5c542", "#1a1204"),
        Badges.Hot => new BadgeColors("#ff7a59", "#1f0700"),
        Badges.New => new BadgeColors("#3fd0c9", "#03201e"),
        _ => new BadgeColors("#d8d0f5", "#120d26"),
    };
}

public sealed record BadgeColors(string Background, string Text);
