using Shared.Contracts;
using Intelligence.Training;
using Microsoft.AspNetCore.Http.HttpResults;
using Shared.ServiceDefaults.ApiKeys;

namespace Intelligence.Models;

public sealed record TrainRequest(IReadOnlyList<string>? Kinds);

public sealed record TrainAccepted(string JobId, string Status, string Location);

public sealed record RollbackResult(string Kind, string From, string To);

public sealed record RollbackRequest(string? Kind);

public static class ModelsApi
{
    public static IEndpointRouteBuilder MapModelsApi(this IEndpointRouteBuilder app)
    {
        var models = app.MapGroup("/v1/models").WithTags("Models");
        models.MapGet("", ListAsync).RequireAuthorization(Scopes.ScoresRead).WithName("GetModels")
            .WithSummary("Model versions with their holdout metrics, baselines, data windows and features")
            .WithDescription("For each kind (churn, vip, segments, recommendations): the version served now and every version kept, newest first. Churn and VIP cards hold each rolling holdout's AUC, PR-AUC, log-loss, calibration error and top-decile lift for the candidate, the rule and the served model, with the mean gain the promotion needed; a `source` of `rule` marks a served rule calibration. Recommendation cards hold NDCG@10 and HR@10 on recent plays against most-popular. Each says why it was promoted or rejected.");
        models.MapPost("/train", TrainAsync).RequireAuthorization(Scopes.ModelsAdmin).WithName("TrainModels")
            .WithSummary("Start a training run (all kinds, or those listed: churn, vip, segments, recommendations)")
            .WithDescription("Answers 202 with the job to poll. One run at a time across all instances: while one runs, this answers 409 with the running job's id. New versions are promoted only if not worse than the served one on the same holdout; every instance switches to a promoted version without a restart.");
        models.MapGet("/jobs/{id}", GetJobAsync).RequireAuthorization(Scopes.ModelsAdmin).WithName("GetTrainingJob").WithSummary("A training run's progress and results")
            .ProducesProblem(StatusCodes.Status404NotFound);
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

    internal static async Task<Results<Accepted<TrainAccepted>, Conflict<TrainAccepted>, ValidationProblem>> TrainAsync(TrainRequest? request, TrainingJobs jobs)
    {
        var kinds = request?.Kinds is { Count: > 0 } k ? k : ModelKinds.Trainable;
        for (var i = 0; i < kinds.Count; i++)
        {
            if (!ModelKinds.Trainable.Contains(kinds[i]))
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { [$"kinds[{i}]"] = [$"unknown model kind '{kinds[i]}'; expected one of {string.Join(", ", ModelKinds.Trainable)}"] });
        }
        var (id, started) = await jobs.StartAsync([.. kinds.Distinct()]);
        var body = new TrainAccepted(id, started ? TrainingJobStatus.Running : "already running", $"/v1/models/jobs/{id}");
        return started ? TypedResults.Accepted(body.Location, body) : TypedResults.Conflict(body);
    }

    internal static async Task<Results<Ok<TrainingJob>, ProblemHttpResult>> GetJobAsync(string id, TrainingJobs jobs) =>
        await jobs.GetAsync(id) is { } job ? TypedResults.Ok(job)
            : TypedResults.Problem(statusCode: 404, title: "Unknown training job", detail: $"No training job '{id}' is known (jobs are kept for 7 days).");

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
