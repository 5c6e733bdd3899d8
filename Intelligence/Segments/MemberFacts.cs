using System.Globalization;
using System.Text;
using Shared.Contracts;

namespace Intelligence.Segments;

/// <summary>The facts of a member a marketer recognises, from the index.</summary>
public static class MemberFacts
{
    private static readonly int Country = Text("country"), Market = Text("market"), Churn = Number("scores.churn.probability"), Vip = Number("scores.vip.probability"),
        Deposits = Number("lifetime.depositAmount"), LastActive = SegmentFields.Static["lifetime.lastActiveAt"].Column;

    public static SegmentMember Of(PlayerIndex index, IndexColumns c, int row, DateTimeOffset? enteredAt)
    {
        static double? N(double v) => double.IsNaN(v) ? null : v;
        var last = c.Dates[LastActive][row];
        return new SegmentMember(c.Ids[row] ?? "", index.Texts[Country].Decode(c.Texts[Country][row]), index.Texts[Market].Decode(c.Texts[Market][row]),
            Math.Round((decimal)c.Numbers[Deposits][row], 4), last == long.MinValue ? null : DateTimeOffset.FromUnixTimeMilliseconds(last),
            N(c.Numbers[Churn][row]), N(c.Numbers[Vip][row]), enteredAt);
    }

    private static int Text(string path) => SegmentFields.Static[path].Column;

    private static int Number(string path) => SegmentFields.Static[path].Column;
}

/// <summary>
/// One member as a CSV line (RFC 4180 quoting). A text field starting with <c>=</c>, <c>+</c>, <c>-</c>, <c>@</c>, a tab or
/// a carriage return gets a leading <c>'</c> (OWASP's advice against CSV injection): a marketer opens the export in a
/// spreadsheet, and a player id or market sent as <c>=HYPERLINK(...)</c> would otherwise run there as a formula.
/// </summary>
internal static class Csv
{
    public static string Line(SegmentMember m) => string.Join(',',
        Field(m.PlayerId), Field(m.Country), Field(m.Market), m.LifetimeDepositAmount.ToString(CultureInfo.InvariantCulture),
        m.LastActiveAt?.ToString("O", CultureInfo.InvariantCulture) ?? "", m.Churn?.ToString("R", CultureInfo.InvariantCulture) ?? "",
        m.Vip?.ToString("R", CultureInfo.InvariantCulture) ?? "", m.EnteredAt?.ToString("O", CultureInfo.InvariantCulture) ?? "") + "\n";

    public static string Field(string? value)
    {
        if (value is null) return "";
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r') value = "'" + value;
        return value.AsSpan().IndexOfAny(",\"\r\n") < 0 ? value : "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }
}

/// <summary>Opaque page cursors: the last player id of a page, base64url.</summary>
internal static class Cursor
{
    public static string Encode(string playerId) => Convert.ToBase64String(Encoding.UTF8.GetBytes(playerId)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static string? Decode(string cursor)
    {
        try
        {
            var s = cursor.Replace('-', '+').Replace('_', '/');
            s = s.PadRight(s.Length + (4 - s.Length % 4) % 4, '=');
            var id = Encoding.UTF8.GetString(Convert.FromBase64String(s));
            return id.Length is > 0 and <= 128 ? id : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
