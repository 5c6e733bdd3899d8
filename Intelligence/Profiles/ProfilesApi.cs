using Microsoft.AspNetCore.Http.HttpResults;
using Shared.Contracts;
using Shared.ServiceDefaults.ApiKeys;
using Shared.Store;

namespace Intelligence.Profiles;

public static class ProfilesApi
{
    public static IHostApplicationBuilder AddProfiles(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ProfileReader>();
        builder.Services.AddSingleton<CatalogCache>();
        return builder;
    }

    public static IEndpointRouteBuilder MapProfilesApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/players/{playerId}/profile", GetProfileAsync)
            .RequireAuthorization(Scopes.ScoresRead)
            .WithName("GetProfile").ProducesProblem(StatusCodes.Status404NotFound)
            .WithTags("Players")
            .WithSummary("The unified profile of a player")
            .WithDescription("Identity and PAM state, consents, responsible-gambling state, lifetime totals and rolling 1/7/30/90-day windows (calendar days in UTC, today included), and game affinity. Amounts are in the operator's base currency.");
        return app;
    }

    internal static async Task<Results<Ok<PlayerProfile>, ProblemHttpResult>> GetProfileAsync(
        string playerId, ProfileReader reader, CatalogCache catalog)
    {
        var games = await catalog.GetAsync();
        var profile = await reader.ReadAsync(playerId, id => games.GetValueOrDefault(id));
        return profile is null
            ? ApiHelpers.UnknownPlayer(playerId)
            : TypedResults.Ok(profile);
    }
}
