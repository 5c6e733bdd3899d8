using Shared.Contracts;
using Intelligence.Training;
using Microsoft.AspNetCore.Http.HttpResults;
using Shared.ServiceDefaults.ApiKeys;

namespace Intelligence.Models;

public sealed record TrainRequest(IReadOnlyList<string>? Kinds);

public sealed record TrainAccepted(string JobId, string Status, string Location);

public sealed record RollbackResult(string Kind, string From, string To);

public static class ModelsApi
{
    public static IEndpointRouteBuilder MapModelsApi(this IEndpointRouteBuilder app)
    {
        var models = app.MapGroup("/v1/models").WithTags("Models");
        models.MapGet("", ListAsync).RequireAuthorization(Scopes.ScoresRead).WithName("GetModels")
            .WithSummary("Model versions with their holdout metrics, baselines, data windows and features")
            .WithDescription("For each kind (churn, vip, segments): the version served now and every version trained, newest first, each with AUC, PR-AUC, log-loss, calibration error and top-decile lift on a time-based holdout, the rule baseline's metrics on the same holdout, and why it was promoted or rejected.");
        models.MapPost("/train", TrainAsync).RequireAuthorization(Scopes.ModelsAdmin).WithName("TrainModels")
            .WithSummary("Start a training run (all kinds, or those listed: churn, vip, segments, recommendations)")
            .WithDescription("Answers 202 with the job to poll. One run at a time across all instances: while one runs, this answers 409 with the running job's id. New versions are promoted only if not worse than the served one on the same holdout; every instance switches to a promoted version without a restart.");
        models.MapGet("/jobs/{id}", GetJobAsync).RequireAuthorization(Scopes.ModelsAdmin).WithName("GetTrainingJob").WithSummary("A training run's progress and results");
        models.MapPost("/{kind}/rollback", RollbackAsync).RequireAuthorization(Scopes.ModelsAdmin).WithName("RollbackModel")
            .WithSummary("Serve the previously promoted version of a kind again");
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

    internal static async Task<Results<Ok<RollbackResult>, ProblemHttpResult>> RollbackAsync(string kind, ModelRegistry registry)
    {
        if (!ModelKinds.Trainable.Contains(kind))
            return TypedResults.Problem(statusCode: 404, title: "Unknown model kind", detail: $"'{kind}' is not a model kind; expected one of {string.Join(", ", ModelKinds.Trainable)}.");
        return await registry.RollbackAsync(kind) is { } r ? TypedResults.Ok(new RollbackResult(kind, r.From, r.To))
            : TypedResults.Problem(statusCode: 409, title: "Nothing to roll back to", detail: $"The {kind} model has no earlier promoted version.");
    }
}
