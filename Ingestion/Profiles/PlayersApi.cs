using Ingestion.Events;
using Microsoft.AspNetCore.Http.HttpResults;
using Shared.ServiceDefaults.ApiKeys;
using Shared.Store;
using StackExchange.Redis;

namespace Ingestion.Profiles;

public static class PlayersApi
{
    public static IEndpointRouteBuilder MapPlayersApi(this IEndpointRouteBuilder app)
    {
        app.MapDelete("/v1/players/{playerId}", EraseAsync)
            .RequireAuthorization(Scopes.PlayersErase)
            .WithName("ErasePlayer").ProducesProblem(StatusCodes.Status400BadRequest)
            .WithTags("Players")
            .WithSummary("Erase everything held about a player")
            .WithDescription("Removes the profile, its day buckets, game play, ledger and everything derived from it (scores, memberships). 204 also when nothing was held.");
        return app;
    }

    internal static async Task<Results<NoContent, ProblemHttpResult>> EraseAsync(string playerId, IConnectionMultiplexer redis, StoreKeys keys)
    {
        if (!PlayerIds.IsValid(playerId))
        {
            return TypedResults.Problem(statusCode: 400, title: "Invalid player id",
                detail: "playerId must be 1 to 128 characters without braces, '|', spaces or control characters.");
        }
        var db = redis.GetDatabase();
        await Task.WhenAll(
            db.KeyDeleteAsync(keys.AllOf(playerId)),
            db.SetRemoveAsync(keys.Players, playerId),
            db.SortedSetRemoveAsync(keys.RescorePending, playerId));
        await db.PublishAsync(keys.ProfileChanged, new ProfileChange(playerId, "player.erased", null).ToString());
        return TypedResults.NoContent();
    }
}
