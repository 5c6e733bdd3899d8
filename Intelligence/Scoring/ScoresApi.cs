using System.Text;
using System.Text.Json;
using Intelligence.Features;
using Intelligence.Models;
using Intelligence.SaferGambling;
using Intelligence.Training;
using Microsoft.AspNetCore.Http.HttpResults;
using Shared.Contracts;
using Shared.ServiceDefaults.ApiKeys;

namespace Intelligence.Scoring;

public static class ScoresApi
{
    public const int MaxBatch = 1000;

    /// <summary>
    /// Scoring, live rescoring and the sweep. Program.cs calls it after <c>AddSaferGambling</c> and <c>AddModels</c> (the rule
    /// and the models it scores with) and before <c>AddTraining</c>, so the hosted services start in that order.
    /// </summary>
    public static IHostApplicationBuilder AddScoring(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ScoringOptions>().BindConfiguration(ScoringOptions.Section).ValidateDataAnnotations()
            .Validate(o => o.ChurnMedium <= o.ChurnHigh, "Scoring:ChurnMedium must not exceed Scoring:ChurnHigh")
            .Validate(o => o.VipMedium <= o.VipHigh, "Scoring:VipMedium must not exceed Scoring:VipHigh")
            .ValidateOnStart();
        builder.Services.AddSingleton<HistoryReader>();
        builder.Services.AddSingleton<PlayerScorer>();
        builder.Services.AddSingleton<IHarmScorer>(sp => sp.GetRequiredService<PlayerScorer>());
        builder.Services.AddSingleton<ScoreStore>();
        builder.Services.AddSingleton<ScoringMetrics>();
        builder.Services.AddSingleton<Rescorer>();
        builder.Services.AddSingleton<RescoreWorker>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RescoreWorker>());
        builder.Services.AddSingleton<SweepWorker>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<SweepWorker>());
        return builder;
    }

    public static IEndpointRouteBuilder MapScoresApi(this IEndpointRouteBuilder app)
    {
        var v1 = app.MapGroup("/v1").RequireAuthorization(Scopes.ScoresRead).WithTags("Scores");
        v1.MapGet("/players/{playerId}/scores", GetScoresAsync)
            .WithName("GetScores").ProducesProblem(StatusCodes.Status404NotFound)
            .Produces<PlayerScores>(contentType: "application/json")
            .WithSummary("A player's churn risk, VIP potential, segment and marketing status")
            .WithDescription("Scores are recomputed within moments of every profile change and by an hourly sweep; `scoredAt` says when. `churn` and `vip` are always present: `source` says whether a trained model (`version`) or the kind's rule (`rule`, calibrated on outcomes; a default curve before any history has outcomes) made them, and the rule serves whenever no trained model beats it on the holdout. `segment` is null until the first segmentation is trained. `segment` is the ML segment; `segments` lists the marketers' segments (`/v1/segments`) the player is a member of now, decided when the scores were made and brought up to date when a segment is created, edited or deleted. Each probability carries its top drivers in words. `harm` is the harm-risk score (bands `low`, `elevated`, `high`; `source` `model` when a harm model trained on later self-exclusions, closures and case outcomes beat the rule on held-out players, else `rule`: weighted behavioural markers such as chasing losses, night play and deposits rising against the player's own baseline), its drivers the markers that weigh most. `marketing.allowed` is false, with reasons, for self-excluded, cooling-off and blocked players, those whose harm-risk band their market suppresses marketing at (`harm_risk_high`) and those without any marketing consent.");
        v1.MapPost("/scores/batch", GetBatchAsync)
            .WithName("GetScoresBatch")
            .Produces<BatchScoresResponse>(contentType: "application/json")
            .WithSummary($"Scores of up to {MaxBatch} players at once")
            .WithDescription("Players nothing is held about are listed in `notFound`.");
        return app;
    }

    internal static async Task<Results<ContentHttpResult, ProblemHttpResult>> GetScoresAsync(string playerId, ScoreStore store, ModelHost models, Rescorer rescorer, CancellationToken ct)
    {
        var versions = ScoreStore.VersionsKey(models.Versions());
        var json = (await store.ReadJsonAsync([playerId], versions))[0];
        if (json is null)
        {
            // Not scored yet (a brand-new player whose change is still in the feed), or scored by a model since replaced: score now.
            if (await rescorer.RescoreAsync([playerId], ct) == 0) return ApiHelpers.UnknownPlayer(playerId);
            json = (await store.ReadJsonAsync([playerId]))[0];
            if (json is null) return ApiHelpers.UnknownPlayer(playerId);
        }
        return TypedResults.Text(json, "application/json");
    }

    internal static async Task<Results<ContentHttpResult, ValidationProblem>> GetBatchAsync(BatchScoresRequest request, ScoreStore store, ModelHost models, Rescorer rescorer, CancellationToken ct)
    {
        var ids = request.PlayerIds;
        if (ids is null || ids.Count == 0)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["playerIds"] = ["must list at least one player id"] });
        if (ids.Count > MaxBatch)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["playerIds"] = [$"at most {MaxBatch} player ids per request, got {ids.Count}"] });
        for (var i = 0; i < ids.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(ids[i]))
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { [$"playerIds[{i}]"] = ["must not be empty"] });
        }
        var distinct = ids.Distinct(StringComparer.Ordinal).ToList();
        var json = await store.ReadJsonAsync(distinct, ScoreStore.VersionsKey(models.Versions()));
        var missing = distinct.Where((_, i) => json[i] is null).ToList();
        if (missing.Count > 0)
        {
            await rescorer.RescoreAsync(missing, ct);
            var again = await store.ReadJsonAsync(missing);
            for (int i = 0, m = 0; i < distinct.Count; i++)
            {
                if (json[i] is null) json[i] = again[m++];
            }
        }
        // The stored JSON is already each item's wire form: splice it in rather than parse and re-serialise 1,000 objects.
        var body = new StringBuilder(json.Sum(j => j?.Length ?? 0) + 64).Append("{\"items\":[");
        var notFound = new List<string>();
        var first = true;
        for (var i = 0; i < distinct.Count; i++)
        {
            if (json[i] is { } j)
            {
                if (!first) body.Append(',');
                body.Append(j);
                first = false;
            }
            else
            {
                notFound.Add(distinct[i]);
            }
        }
        body.Append("],\"notFound\":").Append(JsonSerializer.Serialize(notFound, ContractsJsonContext.Default.ListString)).Append('}');
        return TypedResults.Text(body.ToString(), "application/json");
    }

}
