using Microsoft.AspNetCore.Http.HttpResults;
using Shared.Contracts;
using Shared.ServiceDefaults.ApiKeys;

namespace Intelligence.Training;

public sealed record TrainRequest(IReadOnlyList<string>? Kinds);

public sealed record TrainAccepted(string JobId, string Status, string Location);

/// <summary>
/// Training runs under the models' prefix (<c>/v1/models/train</c>, <c>/v1/models/jobs/{id}</c>): mapped here, beside the
/// jobs they start, so the models (what is served) do not reach up into training (what makes them).
/// </summary>
public static class TrainingApi
{
    /// <summary>Training: the options, the trainer, the jobs (one run at a time) and the schedule.</summary>
    public static IHostApplicationBuilder AddTraining(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<TrainingOptions>().BindConfiguration(TrainingOptions.Section).ValidateDataAnnotations()
            .Validate(o => o.Churn.HorizonDays is >= 7 and <= 180, "Training:Churn:HorizonDays must be within 7..180")
            .Validate(o => o.Vip.TopShare is > 0 and < 1, "Training:Vip:TopShare must be within (0, 1)")
            .Validate(o => o.Vip.OutcomeDays is >= 14 and <= 365, "Training:Vip:OutcomeDays must be within 14..365")
            .Validate(o => o.Segments.MinK >= 2 && o.Segments.MaxK >= o.Segments.MinK, "Training:Segments needs 2 <= MinK <= MaxK")
            .ValidateOnStart();
        builder.Services.AddSingleton<ModelTrainer>();
        builder.Services.AddSingleton<TrainingJobs>();
        builder.Services.AddHostedService<TrainingScheduler>();
        return builder;
    }

    public static IEndpointRouteBuilder MapTrainingApi(this IEndpointRouteBuilder app)
    {
        var models = app.MapGroup("/v1/models").WithTags("Models");
        models.MapPost("/train", TrainAsync).RequireAuthorization(Scopes.ModelsAdmin).WithName("TrainModels")
            .WithSummary("Start a training run (all kinds, or those listed: churn, vip, segments, recommendations)")
            .WithDescription("Answers 202 with the job to poll. One run at a time across all instances: while one runs, this answers 409 with the running job's id. New versions are promoted only if not worse than the served one on the same holdout; every instance switches to a promoted version without a restart.");
        models.MapGet("/jobs/{id}", GetJobAsync).RequireAuthorization(Scopes.ModelsAdmin).WithName("GetTrainingJob").WithSummary("A training run's progress and results")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
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
}
