using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http.HttpResults;
using Shared.Contracts;
using Shared.ServiceDefaults.ApiKeys;

namespace Intelligence.Experiments;

public static class ExperimentsApi
{
    public const int MaxImport = 10_000;

    /// <summary>Control groups, assignments and uplift reports (section <c>Experiments</c>).</summary>
    public static IHostApplicationBuilder AddExperiments(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ExperimentOptions>().BindConfiguration(ExperimentOptions.Section).ValidateDataAnnotations()
            .Validate(o => o.ReportCacheFor >= TimeSpan.Zero, "Experiments:ReportCacheFor must not be negative")
            .ValidateOnStart();
        builder.Services.AddSingleton<ExperimentStore>();
        builder.Services.AddSingleton<ExperimentCatalog>();
        builder.Services.AddSingleton<ExperimentAssigner>();
        builder.Services.AddSingleton<ExperimentReporter>();
        return builder;
    }

    public static IEndpointRouteBuilder MapExperimentsApi(this IEndpointRouteBuilder app)
    {
        var experiments = app.MapGroup("/v1/experiments").WithTags("Experiments");
        var read = experiments.MapGroup("").RequireAuthorization(Scopes.SegmentsReadPolicy);
        var write = experiments.MapGroup("").RequireAuthorization(Scopes.SegmentsWrite);
        read.MapGet("/", ListAsync).WithName("ListExperiments").WithSummary("Every experiment: the lobby's, one per placement and per marketing segment")
            .WithDescription("`kind` placement, segment or lobby (`lobby-personalisation`); `controlShare` applies to assignments from now on; `assigned` counts players by group so far.");
        read.MapGet("/{id}", GetAsync).WithName("GetExperiment").ProducesProblem(StatusCodes.Status404NotFound).WithSummary("One experiment");
        write.MapPut("/{id}", SetAsync).WithName("SetExperiment").Accepts<ExperimentSettingsRequest>("application/json")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound).WithSummary("Set an experiment's control share")
            .WithDescription("`controlShare` 0 to 0.5: the share of eligible players held out from now on. Players already assigned keep their group.");
        read.MapGet("/{id}/players/{playerId}", PlayerAsync).WithName("GetExperimentPlayer")
            .ProducesProblem(StatusCodes.Status404NotFound).WithSummary("A player's group, assigning them in the lobby's experiment on first ask")
            .WithDescription("`group` treatment, control or excluded (a responsible-gambling restriction was in force: in neither group), with `assignedAt`. " +
                "For `lobby-personalisation` the first ask assigns and records the player (ask when about to show the lobby: that is the exposure). " +
                "Placement players are assigned when their lobby first asks for its placements; marketing segment members when they enter. " +
                "404 for an unknown experiment, an unknown player, or a player not (yet) assigned in a placement or segment experiment.");
        write.MapPost("/{id}/assignments", ImportAsync).WithName("ImportExperimentAssignments").Accepts<ExperimentAssignmentsImport>("application/json")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound).WithSummary("Record exposures that happened elsewhere")
            .WithDescription($"`items` (1 to {MaxImport:N0}) of `{{playerId, assignedAt}}`: players an operator's own front end exposed, with the time. " +
                "Each player's group is this service's (the keyed hash; excluded when a responsible-gambling restriction is in force at that time), " +
                "never the caller's; a recorded player keeps their group, and an earlier time replaces a later one. `assignedAt` must not be in the future.");
        read.MapGet("/{id}/report", ReportAsync).WithName("GetExperimentReport").ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Uplift of treatment over control, with 95% intervals and the method")
            .WithDescription($"`horizonDays` 1 to {ExperimentReporter.MaxHorizonDays} (default 7; 7 and 30 are the usual): outcomes over that many days from the day of assignment, " +
                "for players whose horizon has passed. Metrics `depositAmount`, `ggr`, `activeDays`, `retained` (and for the lobby `ctr`, `launchesPerImpression`), " +
                "each with group means, absolute and relative uplift and 95% intervals; `method` states the design (fixed horizon, final at a pre-set group size), " +
                "`summary` the result in a sentence. `ci95Low`/`ci95High` bound the absolute uplift, `ci95LowRelative`/`ci95HighRelative` the relative one.");
        return app;
    }

    internal static async Task<Ok<ExperimentList>> ListAsync(ExperimentCatalog catalog) => TypedResults.Ok(await catalog.ListAsync());

    internal static async Task<Results<Ok<Experiment>, ProblemHttpResult>> GetAsync(string id, ExperimentCatalog catalog) =>
        (await catalog.ListAsync()).Items.FirstOrDefault(e => e.Id == id) is { } e ? TypedResults.Ok(e) : Unknown(id);

    internal static async Task<Results<Ok<Experiment>, ValidationProblem, ProblemHttpResult>> SetAsync(string id, HttpContext http, ExperimentCatalog catalog, ExperimentStore store)
    {
        var (request, problem) = await ApiHelpers.ReadAsync(http, (JsonTypeInfo<ExperimentSettingsRequest>)ContractsJsonContext.Default.ExperimentSettingsRequest);
        if (problem is not null) return problem;
        if (await catalog.FindAsync(id) is not { Live: true }) return Unknown(id);
        if (request!.ControlShare is not { } share || double.IsNaN(share) || share < 0 || share > ExperimentOptions.MaxControlShare)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["controlShare"] = [$"controlShare is required: the share of eligible players held out, from 0 to {ExperimentOptions.MaxControlShare} (0.1 holds out 10%)."],
            }, title: "The settings are not valid");
        }
        await store.SetControlShareAsync(id, share);
        return TypedResults.Ok((await catalog.ListAsync()).Items.First(e => e.Id == id));
    }

    internal static async Task<Results<Ok<ExperimentAssignmentResult>, ProblemHttpResult>> PlayerAsync(string id, string playerId,
        ExperimentCatalog catalog, ExperimentStore store, ExperimentAssigner assigner, TimeProvider clock)
    {
        if (await store.GetAsync(id, playerId) is { } recorded) return TypedResults.Ok(Result(id, recorded));
        if (await catalog.FindAsync(id) is not { } experiment) return Unknown(id);
        if (experiment.Record.Kind != ExperimentKinds.Lobby)
        {
            return TypedResults.Problem(statusCode: 404, title: "Not assigned",
                detail: $"Player '{playerId}' has no group in {id} yet: " + (experiment.Record.Kind == ExperimentKinds.Placement
                    ? $"players are assigned when their lobby first asks for its placements while they are members of segment {experiment.SegmentId} and the placement runs."
                    : $"players are assigned when they enter segment {experiment.SegmentId}."));
        }
        var now = clock.GetUtcNow();
        if (await assigner.RestrictedAsync(playerId, now) is not { } restricted) return ApiHelpers.UnknownPlayer(playerId);
        return TypedResults.Ok(Result(id, await assigner.AssignAsync(experiment, playerId, restricted, now)));
    }

    internal static async Task<Results<Ok<ExperimentAssignmentsImported>, ValidationProblem, ProblemHttpResult>> ImportAsync(string id, HttpContext http,
        ExperimentCatalog catalog, ExperimentAssigner assigner, TimeProvider clock)
    {
        var (request, problem) = await ApiHelpers.ReadAsync(http, (JsonTypeInfo<ExperimentAssignmentsImport>)ContractsJsonContext.Default.ExperimentAssignmentsImport);
        if (problem is not null) return problem;
        if (await catalog.FindAsync(id) is not { Live: true } experiment) return Unknown(id);
        if (request!.Items is not { Count: > 0 and <= MaxImport } items)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["items"] = [$"items must list 1 to {MaxImport:N0} exposures of {{playerId, assignedAt}}."] },
                title: "The import is not valid");
        }
        var now = clock.GetUtcNow();
        var rejected = new List<RejectedEvent>();
        var candidates = new List<(int Index, string PlayerId, DateTimeOffset At)>();
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            if (string.IsNullOrWhiteSpace(item.PlayerId)) rejected.Add(new RejectedEvent(i, null, $"field items[{i}].playerId: is required"));
            else if (item.AssignedAt is not { } at) rejected.Add(new RejectedEvent(i, item.PlayerId, $"field items[{i}].assignedAt: is required"));
            else if (at > now) rejected.Add(new RejectedEvent(i, item.PlayerId, $"field items[{i}].assignedAt: must not be in the future"));
            else candidates.Add((i, item.PlayerId, at));
        }
        var restrictions = await assigner.RestrictedAsync([.. candidates.Select(c => (c.PlayerId, c.At))]);
        var valid = new List<(string PlayerId, bool Restricted, DateTimeOffset At)>();
        for (var j = 0; j < candidates.Count; j++)
        {
            var (i, playerId, at) = candidates[j];
            if (restrictions[j] is { } restricted) valid.Add((playerId, restricted, at));
            else rejected.Add(new RejectedEvent(i, playerId, $"field items[{i}].playerId: no profile is held for '{playerId}'"));
        }
        rejected.Sort((x, y) => x.Index.CompareTo(y.Index));
        var recorded = await assigner.ImportAsync(experiment, valid);
        return TypedResults.Ok(new ExperimentAssignmentsImported([.. recorded.Select(a => Result(id, a))], rejected));
    }

    internal static async Task<Results<Ok<ExperimentReport>, ValidationProblem, ProblemHttpResult>> ReportAsync(string id, ExperimentCatalog catalog,
        ExperimentReporter reporter, int? horizonDays = null)
    {
        var horizon = horizonDays ?? 7;
        if (horizon is < 1 or > ExperimentReporter.MaxHorizonDays)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["horizonDays"] = [$"horizonDays must be from 1 to {ExperimentReporter.MaxHorizonDays} (days after assignment; 7 and 30 are the usual), not {horizon}."],
            }, title: "The report request is not valid");
        }
        if (await catalog.FindAsync(id) is not { } experiment) return Unknown(id);
        return TypedResults.Ok(await reporter.ReportAsync(experiment, horizon));
    }

    private static ExperimentAssignmentResult Result(string id, Assignment a) => new(id, a.PlayerId, a.Group, a.AssignedAt);

    private static ProblemHttpResult Unknown(string id) => TypedResults.Problem(statusCode: 404, title: "Unknown experiment",
        detail: $"No experiment with id '{id}' exists. GET /v1/experiments lists them ({ExperimentIds.Lobby}, {ExperimentIds.PlacementPrefix}{{placementId}}, {ExperimentIds.SegmentPrefix}{{segmentId}}).");

}
