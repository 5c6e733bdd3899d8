using Microsoft.AspNetCore.Http.HttpResults;
using Shared.Contracts;
using Shared.ServiceDefaults.ApiKeys;

namespace Ingestion.Reconciliation;

public static class ReconciliationApi
{
    public static IHostApplicationBuilder AddReconciliation(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ReconciliationOptions>().BindConfiguration(ReconciliationOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<ReconciliationStore>();
        return builder;
    }

    public static IEndpointRouteBuilder MapReconciliationApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/reconciliation", ReadAsync)
            .RequireAuthorization(Scopes.OpsRead)
            .WithName("GetReconciliation").Produces<ReconciliationReport>()
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden)
            .WithTags("Operations")
            .WithSummary("Open rounds, orphan rollbacks, conflicting duplicates and reversed payments, with the newest of each")
            .WithDescription("Kept as events are folded, exact in any arrival order. An open round: a bet not closed (a win with roundClosed, " +
                "or a rollback of the bet) within Reconciliation:OpenRoundAfter (24 h) of its time, from a source that has ever closed a round. " +
                "An orphan rollback: its transaction not arrived within Reconciliation:OrphanRollbackAfter (1 h) of the rollback's arrival. " +
                "A conflicting duplicate: a known transactionId resent with another amount, player, round, game or currency (the first stays counted). " +
                "Reversed payments: chargebacks, reversed deposits and withdrawals, cancelled withdrawals. Items resolve when the missing piece " +
                "arrives. `source` keeps one event source; `provider` one provider (then counts are of the items still kept).");
        return app;
    }

    internal static async Task<JsonHttpResult<ReconciliationReport>> ReadAsync(ReconciliationStore store, string? source = null, string? provider = null) =>
        TypedResults.Json(await store.ReadAsync(NullIfEmpty(source), NullIfEmpty(provider)), ContractsJsonContext.Default.ReconciliationReport);

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;
}
