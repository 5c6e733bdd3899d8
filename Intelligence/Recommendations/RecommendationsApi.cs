using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Shared.Contracts;
using Shared.ServiceDefaults.ApiKeys;
using Shared.Store;

namespace Intelligence.Recommendations;

public static class RecommendationsApi
{
    public static IHostApplicationBuilder AddRecommendations(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<RecommendationOptions>().BindConfiguration(RecommendationOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.TryAddSingleton<CatalogCache>();
        builder.Services.AddSingleton<RecommenderModels>();
        builder.Services.AddSingleton<RecommenderTrainer>();
        builder.Services.AddSingleton<Recommender>();
        builder.Services.AddSingleton<Trending>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<Trending>());
        builder.Services.AddHostedService<ModelRefresher>();
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, ContractsJsonContext.Default));
        return builder;
    }

    public static IEndpointRouteBuilder MapRecommendationsApi(this IEndpointRouteBuilder app)
    {
        var v1 = app.MapGroup("/v1").RequireAuthorization(Scopes.ScoresRead).WithTags("Recommendations");
        v1.MapGet("/players/{playerId}/recommendations", GetRecommendationsAsync)
            .WithName("GetRecommendations").ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("A list of games for a player, each with a reason")
            .WithDescription("Lists: for-you (taste, folded in from every round), because-you-played (like a recent favourite, named in the reason), " +
                "popular-in-segment (the player's ML segment, else their market), trending (distinct players in the last hours), new-for-you " +
                "(recent releases that fit the taste) and continue-playing. Only games enabled and available in the player's market; at most a few " +
                "games of one provider in any ten; no trending and no jackpot games for a player who may not be marketed to. " +
                "excludePlayed removes every game the player ever played. limit: 1 to 500, default 20. " +
                "device (desktop, mobile or tablet): the device the player is on now, default the profile's last device (from player.login and " +
                "game.session). It re-ranks for-you and new-for-you (games rarely played on the device sink, games that do well on it rise), and " +
                "makes the popularity of a new player's for-you and of popular-in-segment the popularity on that device (\"Popular on mobile in your country\").");
        v1.MapGet("/players/{playerId}/recommendations/lists", GetListsAsync)
            .WithName("GetRecommendationLists").ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Several of a player's lists in one call, in the order asked")
            .WithDescription("lists: comma-separated list names (default all six: " + "continue-playing, for-you, because-you-played, popular-in-segment, new-for-you, trending" +
                "), each at most once. Every list is exactly what GET /v1/players/{playerId}/recommendations?list=… gives, with the same limit, " +
                "excludePlayed and device for all; the player is read once, so a lobby's rows cost one call instead of six.");
        v1.MapGet("/games/{gameId}/similar", GetSimilarAsync)
            .WithName("GetSimilarGames").ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Games like this one")
            .WithDescription("By who plays them (factor similarity) where both games have players, by metadata (category, provider, themes, volatility) where not. limit: 1 to 500, default 20.");
        return app;
    }

    internal static async Task<Results<Ok<RecommendationList>, ProblemHttpResult, ValidationProblem>> GetRecommendationsAsync(
        string playerId, Recommender recommender, string? list = null, int? limit = null, bool? excludePlayed = null, string? device = null)
    {
        list ??= RecommendationLists.ForYou;
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (!RecommendationLists.Served.Contains(list)) errors["list"] = [$"list must be one of {string.Join(", ", RecommendationLists.Served)}; '{list}' is not."];
        CheckLimitAndDevice(errors, limit, device);
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "Bad recommendation request");
        var result = await recommender.GetAsync(playerId, list, limit ?? Recommender.DefaultLimit, excludePlayed ?? false, device);
        return result is null
            ? ApiHelpers.UnknownPlayer(playerId)
            : TypedResults.Ok(result);
    }

    private static void CheckLimitAndDevice(Dictionary<string, string[]> errors, int? limit, string? device)
    {
        if (limit is < 1 or > Recommender.MaxLimit) errors["limit"] = [$"limit must be between 1 and {Recommender.MaxLimit}; {limit} is not."];
        if (device is not null && !Recommender.Devices.Contains(device))
        {
            errors["device"] = [$"device must be one of {string.Join(", ", Recommender.Devices)} (or left out for the profile's last device); '{device}' is not."];
        }
    }


    /// <summary>The lists a lobby shows, in the order a player scans it: what <c>lists</c> means when left out.</summary>
    public static readonly IReadOnlyList<string> LobbyOrder =
    [
        RecommendationLists.ContinuePlaying, RecommendationLists.ForYou, RecommendationLists.BecauseYouPlayed,
        RecommendationLists.PopularInSegment, RecommendationLists.NewForYou, RecommendationLists.Trending,
    ];

    internal static async Task<Results<Ok<PlayerRecommendations>, ProblemHttpResult, ValidationProblem>> GetListsAsync(
        string playerId, Recommender recommender, TimeProvider clock, string? lists = null, int? limit = null, bool? excludePlayed = null, string? device = null)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var names = lists is null ? LobbyOrder : lists.Split(',', StringSplitOptions.TrimEntries);
        var problems = new List<string>();
        foreach (var name in names)
        {
            if (name.Length == 0) problems.Add("an empty name (two commas, or one at an end)");
            else if (!RecommendationLists.Served.Contains(name)) problems.Add($"'{name}' is not a list (lists: {string.Join(", ", RecommendationLists.Served)})");
        }
        foreach (var twice in names.Where(n => n.Length > 0).GroupBy(n => n, StringComparer.Ordinal).Where(g => g.Count() > 1)) problems.Add($"'{twice.Key}' is named twice");
        if (problems.Count > 0) errors["lists"] = [.. problems];
        CheckLimitAndDevice(errors, limit, device);
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "Bad recommendation request");
        var result = await recommender.GetManyAsync(playerId, names, limit ?? Recommender.DefaultLimit, excludePlayed ?? false, device);
        return result is null
            ? ApiHelpers.UnknownPlayer(playerId)
            : TypedResults.Ok(new PlayerRecommendations(playerId, result, result.Count > 0 ? result[0].GeneratedAt : clock.GetUtcNow()));
    }

    internal static async Task<Results<Ok<SimilarGames>, ProblemHttpResult, ValidationProblem>> GetSimilarAsync(
        string gameId, Recommender recommender, int? limit = null)
    {
        if (limit is < 1 or > Recommender.MaxLimit)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = [$"limit must be between 1 and {Recommender.MaxLimit}; {limit} is not."] },
                title: "Bad similar-games request");
        }
        var result = await recommender.SimilarAsync(gameId, limit ?? Recommender.DefaultLimit);
        return result is null
            ? TypedResults.Problem(statusCode: 404, title: "Unknown game", detail: $"Game '{gameId}' is not in the catalogue. Games arrive with PUT /v1/catalog/games on Ingestion or its catalogue feed.")
            : TypedResults.Ok(result);
    }
}
