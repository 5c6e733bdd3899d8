using Shared.Contracts;
using Microsoft.AspNetCore.Http.HttpResults;
using Shared.ServiceDefaults.ApiKeys;

namespace Intelligence.Models;

public sealed record RollbackResult(string Kind, string From, string To);

public sealed record RollbackRequest(string? Kind);

public static class ModelsApi
{
    /// <summary>The model registry and what this instance serves from it (reloaded on every promotion).</summary>
    public static IHostApplicationBuilder AddModels(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ModelHostOptions>().BindConfiguration(ModelHostOptions.Section);
        builder.Services.AddSingleton<ModelRegistry>();
        builder.Services.AddSingleton<ModelPromotionAge>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ModelPromotionAge>());
        builder.Services.AddSingleton<ModelHost>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ModelHost>());
        return builder;
    }

    public static IEndpointRouteBuilder MapModelsApi(this IEndpointRouteBuilder app)
    {
        var models = app.MapGroup("/v1/models").WithTags("Models");
        models.MapGet("", ListAsync).RequireAuthorization(Scopes.ScoresRead).WithName("GetModels")
            .WithSummary("Model versions with their holdout metrics, baselines, data windows and features")
            .WithDescription("For each kind (churn, vip, segments, recommendations): the version served now and every version kept, newest first. Churn and VIP cards hold each rolling holdout's AUC, PR-AUC, log-loss, calibration error and top-decile lift for the candidate, the rule and the served model, with the mean gain the promotion needed; a `source` of `rule` marks a served rule calibration. Recommendation cards hold NDCG@10 and HR@10 on recent plays against most-popular. Each says why it was promoted or rejected.");
        models.MapPost("/rollback", RollbackKindAsync).RequireAuthorization(Scopes.ModelsAdmin).WithName("RollbackModel")
            .WithSummary("Serve the previously promoted version of a kind again")
            .WithDescription("Body `{\"kind\":\"churn\"}` (churn, vip, segments or recommendations). Answers 409 when the kind has no earlier promoted version.")
            .ProducesProblem(StatusCodes.Status409Conflict);
        // The first route, kept for its callers; out of the document, where `/{kind}/rollback` and `/jobs/{id}` would both match `/jobs/rollback`.
        models.MapPost("/{kind}/rollback", RollbackAsync).RequireAuthorization(Scopes.ModelsAdmin).ExcludeFromDescription();
        return app;
    }

    internal static async Task<Ok<ModelsView>> ListAsync(ModelRegistry registry)
    {
        var kinds = new List<ModelKindView>();
        foreach (var kind in ModelKinds.Trainable) kinds.Add(new ModelKindView(kind, await registry.CurrentVersionAsync(kind), await registry.CardsAsync(kind)));
        return TypedResults.Ok(new ModelsView(kinds));
    }

    internal static async Task<Results<Ok<RollbackResult>, ValidationProblem, ProblemHttpResult>> RollbackKindAsync(RollbackRequest? request, ModelRegistry registry)
    {
        if (request?.Kind is not { } kind || !ModelKinds.Trainable.Contains(kind))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["kind"] = [$"kind must be one of {string.Join(", ", ModelKinds.Trainable)}{(request?.Kind is null ? "" : $"; '{request.Kind}' is not")}."],
            });
        }
        return await registry.RollbackAsync(kind) is { } r ? TypedResults.Ok(new RollbackResult(kind, r.From, r.To)) : NothingToRollBack(kind);
    }

    internal static async Task<Results<Ok<RollbackResult>, ProblemHttpResult>> RollbackAsync(string kind, ModelRegistry registry)
    {
        if (!ModelKinds.Trainable.Contains(kind))
            return TypedResults.Problem(statusCode: 404, title: "Unknown model kind", detail: $"'{kind}' is not a model kind; expected one of {string.Join(", ", ModelKinds.Trainable)}.");
        return await registry.RollbackAsync(kind) is { } r ? TypedResults.Ok(new RollbackResult(kind, r.From, r.To)) : NothingToRollBack(kind);
    }

    private static ProblemHttpResult NothingToRollBack(string kind) =>
        TypedResults.Problem(statusCode: 409, title: "Nothing to roll back to", detail: $"The {kind} model has no earlier promoted version.");
}
