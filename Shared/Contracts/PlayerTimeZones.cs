namespace Shared.Contracts;

/// <summary>
/// A player's time zone from their country, for markers that depend on the local hour (night-time play). One zone per
/// country: the most populous one where a country has several. Unknown countries are read as UTC.
/// </summary>
public static class PlayerTimeZones
{
    private static readonly Dictionary<string, string> ByCountry = new(StringComparer.OrdinalIgnoreCase)
    {
        ["AT"] = "Europe/Vienna", ["AU"] = "Australia/Sydney", ["BE"] = "Europe/Brussels", ["BR"] = "America/Sao_Paulo",
        ["CA"] = "America/Toronto", ["CH"] = "Europe/Zurich", ["CY"] = "Asia/Nicosia", ["CZ"] = "Europe/Prague",
        ["DE"] = "Europe/Berlin", ["DK"] = "Europe/Copenhagen", ["EE"] = "Europe/Tallinn", ["ES"] = "Europe/Madrid",
        ["FI"] = "Europe/Helsinki", ["FR"] = "Europe/Paris", ["GB"] = "Europe/London", ["GR"] = "Europe/Athens",
        ["IE"] = "Europe/Dublin", ["IN"] = "Asia/Kolkata", ["IT"] = "Europe/Rome", ["JP"] = "Asia/Tokyo",
        ["LT"] = "Europe/Vilnius", ["LV"] = "Europe/Riga", ["MT"] = "Europe/Malta", ["MX"] = "America/Mexico_City",
        ["NL"] = "Europe/Amsterdam", ["NO"] = "Europe/Oslo", ["NZ"] = "Pacific/Auckland", ["PE"] = "America/Lima",
        ["PL"] = "Europe/Warsaw", ["PT"] = "Europe/Lisbon", ["RO"] = "Europe/Bucharest", ["SE"] = "Europe/Stockholm",
        ["US"] = "America/New_York", ["ZA"] = "Africa/Johannesburg",
    };

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, TimeZoneInfo> Zones = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The zone of <paramref name="country"/> (ISO 3166-1 alpha-2); UTC when unknown or when the zone data is missing.</summary>
    public static TimeZoneInfo Of(string? country) => country is null || !ByCountry.TryGetValue(country, out var id) ? TimeZoneInfo.Utc
        : Zones.GetOrAdd(id, static z =>
        {
            try { return TimeZoneInfo.FindSystemTimeZoneById(z); }
            catch (TimeZoneNotFoundException) { return TimeZoneInfo.Utc; }
        });

    /// <summary>The local hour (0–23) at <paramref name="utc"/> in <paramref name="zone"/>.</summary>
    public static int LocalHour(TimeZoneInfo zone, DateTimeOffset utc) => TimeZoneInfo.ConvertTime(utc, zone).Hour;
}
