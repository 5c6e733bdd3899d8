using MudBlazor;

namespace Lobby.Components.Console;

/// <summary>The console's look: a light, quiet working surface, unlike the players' casino night. System fonts only.</summary>
public static class ConsoleTheme
{
    private static string[] SystemFonts => Layout.LobbyTheme.SystemFonts;

    public static MudTheme Light { get; } = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#3949ab",
            Secondary = "#00897b",
            Tertiary = "#8e24aa",
            Info = "#1e88e5",
            Success = "#2e7d32",
            Warning = "#ef6c00",
            Error = "#c62828",
            Background = "#f5f6fa",
            Surface = "#ffffff",
            AppbarBackground = "#1f2340",
            AppbarText = "#ffffff",
            DrawerBackground = "#ffffff",
            DrawerText = "#2b2f45",
            TextPrimary = "#1f2340",
            TextSecondary = "#5c6280",
            LinesDefault = "#e3e5ef",
            TableLines = "#e3e5ef",
            Divider = "#e3e5ef",
        },
        Typography = new Typography
        {
            Default = new DefaultTypography { FontFamily = SystemFonts },
            H4 = new H4Typography { FontFamily = SystemFonts, FontWeight = "600" },
            H5 = new H5Typography { FontFamily = SystemFonts, FontWeight = "600" },
            H6 = new H6Typography { FontFamily = SystemFonts, FontWeight = "600" },
            Subtitle1 = new Subtitle1Typography { FontFamily = SystemFonts },
            Subtitle2 = new Subtitle2Typography { FontFamily = SystemFonts, FontWeight = "600" },
            Body1 = new Body1Typography { FontFamily = SystemFonts },
            Body2 = new Body2Typography { FontFamily = SystemFonts },
            Button = new ButtonTypography { FontFamily = SystemFonts, TextTransform = "none", FontWeight = "600" },
            Caption = new CaptionTypography { FontFamily = SystemFonts },
            Overline = new OverlineTypography { FontFamily = SystemFonts },
        },
        LayoutProperties = new LayoutProperties { DefaultBorderRadius = "8px", DrawerWidthLeft = "232px" },
    };
}
