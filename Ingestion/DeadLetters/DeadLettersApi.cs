using Microsoft.AspNetCore.Http.HttpResults;
using Shared.ServiceDefaults.ApiKeys;

namespace Ingestion.DeadLetters;

public static class DeadLettersApi
{
    public const int MaxLimit = 1_000;

    public static IEndpointRouteBuilder MapDeadLettersApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/deadletters", ListAsync)
            .RequireAuthorization(Scopes.EventsWrite)
            .WithName("ListDeadLetters").Produces<DeadLetterPage>()
            .WithTags("Dead letters")
            .WithSummary("Messages a feed could not get applied, newest first")
            .WithDescription($"Read-only. `feed` keeps one feed's letters (e.g. `backfill`, `fasttrack`); `limit` is 1 to {MaxLimit} (default 100). " +
                "Fix the cause, then replay them with `dotnet Ingestion.dll deadletters replay`.")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        return app;
    }

    internal static async Task<Results<JsonHttpResult<DeadLetterPage>, ProblemHttpResult>> ListAsync(
        DeadLetterStore store, string? feed = null, int limit = 100)
    {
        if (limit is < 1 or > MaxLimit)
        {
            return TypedResults.Problem(statusCode: 400, title: "Bad limit", detail: $"limit must be from 1 to {MaxLimit}.");
        }
        var items = await store.FindAsync(string.IsNullOrEmpty(feed) ? null : feed, limit);
        return TypedResults.Json(new DeadLetterPage(await store.CountAsync(), items), DeadLetterJsonContext.Default.DeadLetterPage);
    }
}
