using Microsoft.AspNetCore.Http.HttpResults;
using Shared.Contracts;
using Shared.ServiceDefaults.ApiKeys;

namespace Ingestion.Feeds;

public static class FeedsApi
{
    public static IHostApplicationBuilder AddFeedStats(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<FeedOptions>().BindConfiguration(FeedOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<FeedStats>();
        builder.Services.AddSingleton<OpsAlerts>();
        builder.Services.AddSingleton<OperationsGauges>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<OperationsGauges>());
        return builder;
    }

    public static IEndpointRouteBuilder MapFeedsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/feeds", async (FeedStats stats) => TypedResults.Json(await stats.ReadAsync(), ContractsJsonContext.Default.FeedsReport))
            .RequireAuthorization(Scopes.OpsRead)
            .WithName("GetFeeds").Produces<FeedsReport>()
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden)
            .WithTags("Operations")
            .WithSummary("Every event source's traffic and state, judged against its own rhythm")
            .WithDescription("A source is the CloudEvent `source` of its events (each adapter and connector has its own). `eventsPerMinute` is over " +
                "the last 5 minutes; `usualEventsPerMinute` is the same hour of the previous Feeds:UsualDays (7) days; lag (arrival − event time) " +
                "quantiles are over the last hour (first sendings only), as histogram bucket bounds; shares are over the last 15 minutes; dead letters and " +
                "`signatureFailures` (requests a signed vendor adapter refused for a bad signature) over the last day. " +
                "`state`: `failing` when Feeds:FailingRejectedShare (half) or more of the last 15 minutes' events were rejected, `silent` when none " +
                "arrived where at least Feeds:MinExpectedEvents (10) are usual, `quiet` below Feeds:QuietBelow (a quarter) of the usual, else `ok`. " +
                "`payments`: per PSP its deposits' verdicts over the last hour against its decline share over the previous Feeds:UsualDays whole days; " +
                "`spiking` from Feeds:MinPaymentAttempts (20) attempts and Feeds:DeclineSpikeOver (0.2) above the usual share.");
        app.MapGet("/v1/feeds/history", ReadHistoryAsync)
            .RequireAuthorization(Scopes.OpsRead)
            .WithName("GetFeedHistory").Produces<FeedHistory>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden)
            .WithTags("Operations")
            .WithSummary("Every event source's traffic over the last hours, hour by hour")
            .WithDescription("`hours` (1–48, default 24) hours ending with the current one, oldest first, each present: accepted, duplicate and " +
                "rejected events and dead letters. Read from the same hourly counts `GET /v1/feeds` judges (kept Feeds:UsualDays + 1 days).");
        app.MapGet("/v1/ops/alerts", async (OpsAlerts alerts) => TypedResults.Json(await alerts.FiringAsync(), ContractsJsonContext.Default.ListOpsAlert))
            .RequireAuthorization(Scopes.OpsRead)
            .WithName("GetOpsAlerts").Produces<List<OpsAlert>>()
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden)
            .WithTags("Operations")
            .WithSummary("The in-product operations alerts firing now, newest first")
            .WithDescription("Judged every 30 s from the feed status and reconciliation (FeedSilent, FeedFailing, ArrivalLagHigh, FeedSignatureFailures, PaymentDeclinesSpiking, OpenRounds, " +
                "OrphanRollbacks, StoreMemoryNearMax, ModelNotPromoted); each fires once its condition has held for its Prometheus rule's `for`. Each transition is also sent to webhooks listening to `ops.alert.fired` / `ops.alert.resolved`.");
        return app;
    }

    internal static async Task<Results<JsonHttpResult<FeedHistory>, ValidationProblem>> ReadHistoryAsync(FeedStats stats, int? hours = null)
    {
        var wanted = hours ?? 24;
        if (wanted is < 1 or > FeedStats.MaxHistoryHours)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["hours"] = [$"hours must be from 1 to {FeedStats.MaxHistoryHours} (the hourly counts kept for a chart); {wanted} is out of range."],
            });
        }
        return TypedResults.Json(await stats.ReadHistoryAsync(wanted), ContractsJsonContext.Default.FeedHistory);
    }
}
