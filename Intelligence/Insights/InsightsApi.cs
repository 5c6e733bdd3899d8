using Intelligence.Segments;
using Microsoft.AspNetCore.Http.HttpResults;
using Shared.Contracts;
using Shared.ServiceDefaults.ApiKeys;

namespace Intelligence.Insights;

/// <summary>
/// The data behind the console's charts: a segment's size over time (recorded by the segment worker), and churn and VIP
/// distributions computed over the player index at the moment of asking (every instance over its partitions). The
/// affiliate figures are in <c>GET /v1/affiliates/report</c>.
/// </summary>
public static class InsightsApi
{
    public const int MaxDays = 400;
    public const int DefaultBins = 20;

    public static IEndpointRouteBuilder MapInsightsApi(this IEndpointRouteBuilder app)
    {
        var insights = app.MapGroup("/v1/insights").RequireAuthorization(Scopes.SegmentsReadPolicy).WithTags("Insights");
        insights.MapGet("/segments/{id}/size", SizeAsync).WithName("GetSegmentSize").ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status503ServiceUnavailable).WithSummary("A segment's member count over time, oldest first")
            .WithDescription($"`days` from 1 to {MaxDays} (default 30). A point is recorded every hour (`Segments:SizeSnapshotInterval`) and whenever the definition changes.");
        insights.MapGet("/scores", Scores).WithName("GetScoreDistributions").ProducesProblem(StatusCodes.Status503ServiceUnavailable).WithSummary("How churn risk and VIP potential are spread over the players now")
            .WithDescription($"Equal-width histograms of the probabilities (`bins` from 2 to 100, default {DefaultBins}), the number of players per band, and the means. 503 while part of the player index is not loaded on any instance.");
        return app;
    }

    internal static async Task<Results<Ok<SegmentSizeHistory>, ValidationProblem, ProblemHttpResult>> SizeAsync(string id, SegmentStore segments, MembershipStore members,
        TimeProvider clock, int days = 30)
    {
        if (days is < 1 or > MaxDays)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["days"] = [$"days must be from 1 to {MaxDays}."] }, title: "Bad query");
        }
        if (await segments.DefinitionAsync(id) is null) return ApiHelpers.UnknownSegment(id);
        var from = (clock.GetUtcNow() - TimeSpan.FromDays(days)).ToUnixTimeMilliseconds();
        var points = await members.SizesAsync(id, from);
        return TypedResults.Ok(new SegmentSizeHistory(id, [.. points.Select(p => new SegmentSizePoint(DateTimeOffset.FromUnixTimeMilliseconds(p.AtMs), p.Members))]));
    }

    internal static async Task<Results<Ok<ScoreDistributions>, ValidationProblem, ProblemHttpResult>> Scores(HttpContext http, SegmentQueries queries, TimeProvider clock,
        int bins = DefaultBins)
    {
        if (bins is < 2 or > 100)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["bins"] = ["bins must be from 2 to 100."] }, title: "Bad query");
        }
        var (result, missing) = await queries.ScoresAsync(bins, clock.GetUtcNow(), http.RequestAborted);
        return result is null ? ApiHelpers.IndexIncomplete(http, missing) : TypedResults.Ok(result);
    }
}
