namespace Shared.Contracts;

/// <summary>
/// <c>GET /v1/players/{playerId}/recommendations</c>: one list of games for a player, best first, each with a reason a
/// player would understand. <see cref="Note"/> says why a list is empty on purpose (e.g. no promotional rows for a
/// player who may not be marketed to); null otherwise.
/// </summary>
public sealed record RecommendationList(
    string PlayerId,
    string List,
    IReadOnlyList<RecommendedGame> Items,
    string ModelVersion,
    DateTimeOffset GeneratedAt,
    string? Note = null);

public sealed record RecommendedGame(string GameId, double Score, string Reason);

/// <summary>
/// <c>GET /v1/players/{playerId}/recommendations/lists</c>: several of a player's lists at once, in the order asked,
/// each exactly as <c>GET /v1/players/{playerId}/recommendations?list=…</c> gives it (a lobby's rows in one call).
/// </summary>
public sealed record PlayerRecommendations(string PlayerId, IReadOnlyList<RecommendationList> Lists, DateTimeOffset GeneratedAt);

/// <summary><c>GET /v1/games/{gameId}/similar</c>: games like this one, most alike first.</summary>
public sealed record SimilarGames(string GameId, IReadOnlyList<RecommendedGame> Items, string ModelVersion, DateTimeOffset GeneratedAt);

public static class RecommendationLists
{
    public const string ForYou = "for-you";
    public const string BecauseYouPlayed = "because-you-played";
    public const string PopularInSegment = "popular-in-segment";
    public const string Trending = "trending";
    public const string NewForYou = "new-for-you";
    public const string ContinuePlaying = "continue-playing";

    /// <summary>The six personalised lists.</summary>
    public static readonly IReadOnlyList<string> All = [ForYou, BecauseYouPlayed, PopularInSegment, Trending, NewForYou, ContinuePlaying];

    /// <summary>
    /// Not personalised: the games most played in the player's market (their country when no market is set), what the
    /// lobby experiment's control group sees instead of the personalised rows.
    /// </summary>
    public const string PopularInMarket = "popular-in-market";

    /// <summary>Every list the recommendations endpoints serve.</summary>
    public static readonly IReadOnlyList<string> Served = [.. All, PopularInMarket];
}
