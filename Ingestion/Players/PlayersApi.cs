using Shared.Contracts;
using Ingestion.Adapters.FastTrack;
using Ingestion.DeadLetters;
using Ingestion.Events;
using Ingestion.Profiles;
using Ingestion.Reconciliation;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Shared.ServiceDefaults.ApiKeys;
using Shared.Store;
using StackExchange.Redis;

namespace Ingestion.Players;

public static class PlayersApi
{
    public static IEndpointRouteBuilder MapPlayersApi(this IEndpointRouteBuilder app)
    {
        app.MapDelete("/v1/players/{playerId}", EraseAsync)
            .RequireAuthorization(Scopes.PlayersErase)
            .WithName("ErasePlayer").ProducesProblem(StatusCodes.Status400BadRequest)
            .WithTags("Players")
            .WithSummary("Erase everything held about a player")
            .WithDescription("Removes the profile, its day buckets, game play, ledger, everything derived from it (scores, memberships, webhook deliveries), its dead letters, pending PAM look-up, reconciliation items and affiliate export rows, FTD mark and queued postback, and leaves a mark (the time of the erasure) so later events for the player are refused and not kept. 204 also when nothing was held.");
        return app;
    }

    internal static async Task<Results<NoContent, ProblemHttpResult>> EraseAsync(string playerId, IConnectionMultiplexer redis, StoreKeys keys,
        PamPendingSet pam, DeadLetterStore deadLetters, ReconciliationStore reconciliation, IOptions<FoldOptions> fold, TimeProvider clock)
    {
        if (!PlayerIds.IsValid(playerId))
        {
            return TypedResults.Problem(statusCode: 400, title: "Invalid player id",
                detail: "playerId must be 1 to 128 characters without braces, '|', spaces or control characters.");
        }
        var db = redis.GetDatabase();
        var affiliates = await AffiliateDrain.AffiliatesOfAsync(db, keys, playerId);
        // The mark first, in one transaction with the deletion (the keys share the player's slot): a fold that comes
        // after it refuses the player's events, so nothing in flight or replayed brings them back.
        var erase = db.CreateTransaction();
        _ = erase.StringSetAsync(keys.Erased(playerId), clock.GetUtcNow().ToUnixTimeMilliseconds());
        _ = erase.KeyDeleteAsync(keys.AllOf(playerId));
        await erase.ExecuteAsync();
        await Task.WhenAll(
            db.SetRemoveAsync(keys.Players, playerId),
            db.SortedSetRemoveAsync(keys.RescorePending, playerId),
            db.SortedSetRemoveAsync(keys.RescoreClaimed, playerId),
            db.SortedSetRemoveAsync(keys.HarmCases, playerId),
            db.HashDeleteAsync(keys.HarmLabels, playerId),
            pam.ForgetAsync(playerId),
            deadLetters.ForgetPlayerAsync(playerId),
            reconciliation.ForgetPlayerAsync(playerId),
            AffiliateDrain.ForgetAsync(db, keys, playerId, affiliates, EventParser.DayOf(clock.GetUtcNow()), fold.Value.BucketRetentionDays));
        // Intelligence forgets the memberships and webhook deliveries it holds when it hears this.
        await db.PublishAsync(keys.ProfileChanged, new ProfileChange(playerId, "player.erased", null).ToString());
        return TypedResults.NoContent();
    }
}
