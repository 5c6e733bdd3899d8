using System.Globalization;

namespace Intelligence.Features;

/// <summary>One model input: its name (as the model sees it) and how a CRM user reads a value of it.</summary>
public sealed record Feature(string Name, Func<float, string> Describe);

/// <summary>An ordered list of features, as a model was trained on them (its order is part of the model version).</summary>
public sealed class FeatureSet(string name, IReadOnlyList<Feature> features)
{
    public string Name { get; } = name;
    public IReadOnlyList<Feature> Features { get; } = features;
    public int Count => Features.Count;
    public IEnumerable<string> Names => Features.Select(f => f.Name);

    public int IndexOf(string feature)
    {
        for (var i = 0; i < Features.Count; i++)
        {
            if (Features[i].Name == feature) return i;
        }
        return -1;
    }
}

/// <summary>Ways of turning numbers into words for drivers and segment names.</summary>
internal static class Words
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static float Log(double money) => (float)Math.Log(1 + Math.Max(0, money));
    public static float SignedLog(double money) => (float)(Math.Sign(money) * Math.Log(1 + Math.Abs(money)));
    public static double Unlog(float v) => Math.Exp(v) - 1;
    public static double UnlogSigned(float v) => Math.Sign(v) * (Math.Exp(Math.Abs(v)) - 1);

    public static string Money(double amount) => amount switch
    {
        >= 10_000 => (amount / 1000).ToString("0", Inv) + "k",
        >= 100 => amount.ToString("0", Inv),
        _ => amount.ToString("0.##", Inv),
    };

    public static string Count(float n, string one, string many) =>
        Math.Round(n) == 1 ? $"1 {one}" : $"{Math.Round(n).ToString("0", Inv)} {many}";

    public static string Days(float days, float cap, string what) => days >= cap
        ? $"No {what} in the last {cap.ToString("0", Inv)} days"
        : days < 1 ? $"Last {what} today" : $"Last {what} {Count(days, "day", "days")} ago";

    public static string Percent(float share) => (share * 100).ToString("0", Inv) + "%";

    public static string Trend(float ratio, string what, string recent = "this week", string pace = "30-day") => ratio switch
    {
        < 0.05f => $"No {what} {recent}",
        < 0.8f => $"{what[..1].ToUpperInvariant()}{what[1..]} {recent} {Percent(1 - ratio)} below their {pace} pace",
        > 1.25f => $"{what[..1].ToUpperInvariant()}{what[1..]} {recent} {Percent(ratio - 1)} above their {pace} pace",
        _ => $"{what[..1].ToUpperInvariant()}{what[1..]} {recent} in line with their {pace} pace",
    };
}
