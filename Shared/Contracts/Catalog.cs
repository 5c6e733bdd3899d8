namespace Shared.Contracts;

/// <summary>One game of the catalogue (<c>PUT /v1/catalog/games</c>).</summary>
public sealed record Game(
    string Id,
    string Title,
    string Provider,
    string Category,
    IReadOnlyList<string> Tags,
    decimal Rtp,
    string Volatility,
    decimal MinBet,
    decimal MaxBet,
    bool Jackpot,
    IReadOnlyList<string> Markets,
    DateTimeOffset ReleasedAt,
    bool Enabled);

public static class GameCategories
{
    public static readonly IReadOnlyList<string> All = ["slots", "live", "table", "crash", "instant", "bingo"];
}

public static class Volatilities
{
    public static readonly IReadOnlyList<string> All = ["low", "medium", "high", "very_high"];
}
