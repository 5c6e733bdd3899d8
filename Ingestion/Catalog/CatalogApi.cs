using System.Text.Json;
using Ingestion.Events;
using Microsoft.AspNetCore.Http.HttpResults;
using Shared.Contracts;
using Shared.ServiceDefaults.ApiKeys;
using Shared.Store;

namespace Ingestion.Catalog;

public static class CatalogApi
{
    /// <summary>The catalogue's writer (<see cref="CatalogStore"/>), which <c>PUT /v1/catalog/games</c> and the catalogue pull use.</summary>
    public static IHostApplicationBuilder AddCatalog(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<CatalogStore>();
        return builder;
    }

    public static IEndpointRouteBuilder MapCatalogApi(this IEndpointRouteBuilder app)
    {
        app.MapPut("/v1/catalog/games", PutGamesAsync)
            .RequireAuthorization(Scopes.CatalogWrite)
            .Accepts<List<Game>>("application/json")
            .WithName("PutGames")
            .WithTags("Catalog")
            .WithSummary("Add or update games of the catalogue")
            .WithDescription("Upserts every game given; games not in the request stay as they are (send enabled=false to withdraw one). The whole request is refused, naming each bad field, if any game is invalid.");
        return app;
    }

    public sealed record CatalogResult(int Upserted);

    internal static async Task<Results<Ok<CatalogResult>, ValidationProblem, ProblemHttpResult>> PutGamesAsync(
        HttpRequest request, CatalogStore store)
    {
        List<Game>? games;
        try
        {
            games = await JsonSerializer.DeserializeAsync(request.Body, ContractsJsonContext.Default.ListGame, request.HttpContext.RequestAborted);
        }
        catch (JsonException e)
        {
            return TypedResults.Problem(statusCode: 400, title: "Malformed JSON",
                detail: $"The body must be a JSON array of games: {e.Message}");
        }
        if (games is null) return TypedResults.Problem(statusCode: 400, title: "Malformed JSON", detail: "The body must be a JSON array of games.");
        var errors = CatalogValidator.Validate(games);
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "Invalid games; nothing was stored");
        await store.UpsertAsync(games);
        return TypedResults.Ok(new CatalogResult(games.Count));
    }
}

public static class CatalogValidator
{
    /// <summary>Errors keyed by path (<c>[3].rtp</c>); empty when every game is valid.</summary>
    public static Dictionary<string, string[]> Validate(IReadOnlyList<Game> games)
    {
        var errors = new Dictionary<string, string[]>();
        void Add(int i, string field, string problem) => errors[$"[{i}].{field}"] = [problem];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < games.Count; i++)
        {
            var g = games[i];
            if (g is null) { errors[$"[{i}]"] = ["must be a game object"]; continue; }
            if (string.IsNullOrWhiteSpace(g.Id) || g.Id.Length > 128 || g.Id.Any(char.IsControl) || g.Id.Contains('|')) Add(i, "id", "must be 1 to 128 printable characters without '|'");
            else if (!seen.Add(g.Id)) Add(i, "id", $"'{g.Id}' appears more than once");
            if (string.IsNullOrWhiteSpace(g.Title)) Add(i, "title", "is required");
            if (string.IsNullOrWhiteSpace(g.Provider)) Add(i, "provider", "is required");
            if (!GameCategories.All.Contains(g.Category)) Add(i, "category", $"must be one of {string.Join(", ", GameCategories.All)}");
            if (!Volatilities.All.Contains(g.Volatility)) Add(i, "volatility", $"must be one of {string.Join(", ", Volatilities.All)}");
            if (g.Rtp is <= 0 or > 100) Add(i, "rtp", "must be a percentage above 0 and at most 100, e.g. 96.5");
            if (g.MinBet < 0) Add(i, "minBet", "must be >= 0");
            if (g.MaxBet < g.MinBet) Add(i, "maxBet", "must be >= minBet");
            if (g.Markets is null || g.Markets.Count == 0) Add(i, "markets", "must list ISO country codes or [\"*\"]");
            else if (g.Markets.Any(m => m != "*" && (m is null || m.Length != 2 || !m.All(char.IsAsciiLetterUpper)))) Add(i, "markets", "each must be an ISO 3166-1 alpha-2 code such as \"MT\", or \"*\"");
            if (g.Tags is null) Add(i, "tags", "must be an array (it may be empty)");
        }
        return errors;
    }
}
