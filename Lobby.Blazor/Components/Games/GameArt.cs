using System.Globalization;
using System.Text;
using Shared.Contracts;

namespace Lobby.Components.Games;

/// <summary>
/// Artwork for a game tile, drawn from hashes of the game's provider, category and title: the same game always gets
/// the same picture, nothing is fetched, and a game without artwork still looks like a game.
/// </summary>
public static class GameArt
{
    public const int Width = 240;
    public const int Height = 180;
    private const string FontStack = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif";
    private const int MaxTitleLength = 22;

    public static string DataUri(LobbyItem item) => DataUri(item.Title, item.Provider, item.Category);

    public static string DataUri(string title, string provider, string category) =>
        "data:image/svg+xml;base64," + Convert.ToBase64String(Encoding.UTF8.GetBytes(Svg(title, provider, category)));

    public static string Svg(string title, string provider, string category)
    {
        var providerHash = Fnv1a(provider);
        var titleHash = Fnv1a(title);
        var random = new XorShift(titleHash ^ Fnv1a(category) ^ 0x9E3779B9u);

        // The provider sets the palette, so one studio's games look like family; the title varies it.
        var hue = (int)(providerHash % 360);
        var hue2 = (hue + 40 + (int)(titleHash % 80)) % 360;
        var from = Hsl(hue, 0.65, 0.32);
        var to = Hsl(hue2, 0.70, 0.18);
        var accent = Hsl((hue + 180) % 360, 0.85, 0.62);
        var shine = Hsl(hue2, 0.80, 0.70);

        var svg = new StringBuilder(1600);
        var c = CultureInfo.InvariantCulture;
        svg.Append(c, $"<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {Width} {Height}\" width=\"{Width}\" height=\"{Height}\">");
        svg.Append(c, $"<defs><linearGradient id=\"g\" x1=\"0\" y1=\"0\" x2=\"{random.Next(40, 100)}%\" y2=\"100%\">");
        svg.Append(c, $"<stop offset=\"0\" stop-color=\"{from}\"/><stop offset=\"1\" stop-color=\"{to}\"/></linearGradient></defs>");
        svg.Append(c, $"<rect width=\"{Width}\" height=\"{Height}\" fill=\"url(#g)\"/>");

        for (var i = 0; i < 5; i++)
        {
            svg.Append(c, $"<circle cx=\"{random.Next(0, Width)}\" cy=\"{random.Next(0, Height)}\" r=\"{random.Next(12, 60)}\" fill=\"{shine}\" fill-opacity=\"0.{random.Next(6, 16):00}\"/>");
        }
        Motif(svg, category, accent, random);

        var caption = title.Length > MaxTitleLength ? title[..(MaxTitleLength - 1)].TrimEnd() + "…" : title;
        var fontSize = caption.Length > 16 ? 15 : 18;
        svg.Append(c, $"<rect y=\"{Height - 44}\" width=\"{Width}\" height=\"44\" fill=\"#000\" fill-opacity=\"0.45\"/>");
        svg.Append(c, $"<text x=\"{Width / 2}\" y=\"{Height - 16}\" text-anchor=\"middle\" font-family=\"{FontStack}\" font-size=\"{fontSize}\" font-weight=\"700\" fill=\"#fff\">{Escape(caption)}</text>");
        svg.Append("</svg>");
        return svg.ToString();
    }

    /// <summary>A shape that says what kind of game it is, placed with some play.</summary>
    private static void Motif(StringBuilder svg, string category, string accent, XorShift random)
    {
        var c = CultureInfo.InvariantCulture;
        var cx = Width / 2 + random.Next(-30, 31);
        const int cy = 68;
        switch (category)
        {
            case "slots":
                for (var i = -1; i <= 1; i++)
                {
                    var x = cx + i * 46 - 19;
                    svg.Append(c, $"<rect x=\"{x}\" y=\"{cy - 34}\" width=\"38\" height=\"68\" rx=\"8\" fill=\"#fff\" fill-opacity=\"0.9\"/>");
                    svg.Append(c, $"<circle cx=\"{x + 19}\" cy=\"{cy + random.Next(-14, 15)}\" r=\"{random.Next(8, 13)}\" fill=\"{accent}\"/>");
                }
                break;
            case "live":
                svg.Append(c, $"<circle cx=\"{cx}\" cy=\"{cy}\" r=\"46\" fill=\"none\" stroke=\"{accent}\" stroke-width=\"8\"/>");
                svg.Append(c, $"<circle cx=\"{cx}\" cy=\"{cy}\" r=\"30\" fill=\"{accent}\" fill-opacity=\"0.35\"/>");
                svg.Append(c, $"<circle cx=\"{cx + random.Next(-20, 21)}\" cy=\"{cy - 38}\" r=\"6\" fill=\"#fff\"/>");
                break;
            case "table":
                for (var i = 0; i < 3; i++)
                {
                    var angle = -20 + i * 20 + random.Next(-5, 6);
                    svg.Append(c, $"<rect x=\"{cx - 24}\" y=\"{cy - 36}\" width=\"48\" height=\"70\" rx=\"6\" fill=\"#fff\" stroke=\"{accent}\" stroke-width=\"3\" transform=\"rotate({angle} {cx} {cy + 40})\"/>");
                }
                break;
            case "crash":
                var rise = random.Next(40, 90);
                svg.Append(c, $"<path d=\"M20 {cy + 40} Q {cx} {cy + 40} {Width - 30} {cy + 40 - rise}\" fill=\"none\" stroke=\"{accent}\" stroke-width=\"7\" stroke-linecap=\"round\"/>");
                svg.Append(c, $"<circle cx=\"{Width - 30}\" cy=\"{cy + 40 - rise}\" r=\"9\" fill=\"#fff\"/>");
                break;
            case "bingo":
                for (var row = 0; row < 2; row++)
                {
                    for (var col = 0; col < 4; col++)
                    {
                        var filled = random.Next(0, 3) == 0;
                        svg.Append(c, $"<circle cx=\"{cx - 57 + col * 38}\" cy=\"{cy - 18 + row * 38}\" r=\"15\" fill=\"{(filled ? accent : "#fff")}\" fill-opacity=\"0.9\"/>");
                    }
                }
                break;
            default:
                var points = new StringBuilder();
                for (var i = 0; i < 8; i++)
                {
                    var radius = i % 2 == 0 ? 44 : 18;
                    var a = Math.PI / 4 * i - Math.PI / 2;
                    points.Append(c, $"{cx + radius * Math.Cos(a):0.#},{cy + radius * Math.Sin(a):0.#} ");
                }
                svg.Append(c, $"<polygon points=\"{points.ToString().TrimEnd()}\" fill=\"{accent}\"/>");
                break;
        }
    }

    /// <summary>FNV-1a over the UTF-16 code units: stable across processes, unlike <see cref="string.GetHashCode()"/>.</summary>
    internal static uint Fnv1a(string value)
    {
        var hash = 2166136261u;
        foreach (var ch in value)
        {
            hash = (hash ^ ch) * 16777619u;
        }
        return hash;
    }

    private static string Hsl(int hue, double saturation, double lightness)
    {
        var chroma = (1 - Math.Abs(2 * lightness - 1)) * saturation;
        var h = hue / 60.0;
        var x = chroma * (1 - Math.Abs(h % 2 - 1));
        var (r, g, b) = (int)h switch
        {
            0 => (chroma, x, 0.0),
            1 => (x, chroma, 0.0),
            2 => (0.0, chroma, x),
            3 => (0.0, x, chroma),
            4 => (x, 0.0, chroma),
            _ => (chroma, 0.0, x),
        };
        var m = lightness - chroma / 2;
        return string.Create(CultureInfo.InvariantCulture, $"#{To255(r + m):x2}{To255(g + m):x2}{To255(b + m):x2}");
    }

    private static int To255(double channel) => (int)Math.Round(Math.Clamp(channel, 0, 1) * 255);

    private static string Escape(string text) => text
        .Replace("&", "&amp;", StringComparison.Ordinal)
        .Replace("<", "&lt;", StringComparison.Ordinal)
        .Replace(">", "&gt;", StringComparison.Ordinal)
        .Replace("\"", "&quot;", StringComparison.Ordinal)
        .Replace("'", "&apos;", StringComparison.Ordinal);

    /// <summary>A tiny seeded generator, so the pictures do not depend on <see cref="Random"/>'s algorithm.</summary>
    private sealed class XorShift(uint seed)
    {
        private uint _state = seed == 0 ? 0x6D2B79F5u : seed;

        /// <summary>An integer in [min, max).</summary>
        public int Next(int min, int max)
        {
            _state ^= _state << 13;
            _state ^= _state >> 17;
            _state ^= _state << 5;
            return min + (int)(_state % (uint)(max - min));
        }
    }
}
