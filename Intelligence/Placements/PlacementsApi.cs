using System.Text.Json.Serialization.Metadata;
using Intelligence.Experiments;
using Intelligence.Segments;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Shared.Contracts;
using Shared.ServiceDefaults.ApiKeys;
using Shared.Store;
using StackExchange.Redis;

namespace Intelligence.Placements;

public static class PlacementsApi
{
    public const int MaxTitleLength = 100;
    public const int MaxGames = 50;
    public const int MinPriority = 0;
    public const int MaxPriority = 1000;

    /// <summary>The placements' store, which also answers for a deleted segment's placements and lists the placements that carry experiments.</summary>
    public static IHostApplicationBuilder AddPlacements(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<PlacementStore>();
        builder.Services.AddSingleton<ISegmentDependents>(sp => sp.GetRequiredService<PlacementStore>());
        builder.Services.AddSingleton<IExperimentSubjects, ExperimentSubjects>();
        return builder;
    }

    public static IEndpointRouteBuilder MapPlacementsApi(this IEndpointRouteBuilder app)
    {
        var v1 = app.MapGroup("/v1").WithTags("Placements");
        var read = v1.MapGroup("/placements").RequireAuthorization(Scopes.SegmentsReadPolicy);
        var write = v1.MapGroup("/placements").RequireAuthorization(Scopes.SegmentsWrite);
        const string body = "`segmentId` of an existing segment; `title` (1 to 100 characters); `kind` `games` (with `gameIds`: 1 to 50 enabled games of the catalogue) " +
            "or `category` (with `category`: slots, live, table, crash, instant or bingo); `priority` 0 to 1000 (default 0; higher shows first); `startsAt` and `endsAt` " +
            "(endsAt after startsAt). Every change is in the audit log and published on `placements:changed`, so open lobbies update at once.";
        read.MapGet("/", ListAsync).WithName("ListPlacements").WithSummary("Every placement, highest priority first");
        write.MapPost("/", CreateAsync).WithName("CreatePlacement").Accepts<PlacementRequest>("application/json").Produces<Placement>(201)
            .WithSummary("Attach lobby content to a segment").WithDescription(body);
        read.MapGet("/{id}", GetAsync).WithName("GetPlacement").ProducesProblem(StatusCodes.Status404NotFound).WithSummary("One placement");
        write.MapPut("/{id}", UpdateAsync).WithName("UpdatePlacement").ProducesProblem(StatusCodes.Status404NotFound).Accepts<PlacementRequest>("application/json").Produces<Placement>()
            .WithSummary("Replace a placement").WithDescription(body);
        write.MapDelete("/{id}", DeleteAsync).WithName("DeletePlacement").ProducesProblem(StatusCodes.Status404NotFound).WithSummary("Remove a placement");
        v1.MapGet("/players/{playerId}/placements", PlayerAsync).RequireAuthorization(Scopes.SegmentsReadPolicy)
            .WithName("GetPlayerPlacements").ProducesProblem(StatusCodes.Status404NotFound).WithSummary("What a player's lobby shows now")
            .WithDescription("The placements running now (startsAt ≤ now < endsAt) of the segments the player is a member of, highest priority first. " +
                "None at all for a player who may not be marketed to (self-excluded, cooling off, blocked, or without any marketing consent): placements are promotion. " +
                "Each placement is an experiment (`placement-{id}`): a member is assigned on the first ask, and a member in its control group does not see it (`heldOut` lists those). 404 for an unknown player.");
        return app;
    }

    internal static async Task<Ok<List<Placement>>> ListAsync(PlacementStore store) => TypedResults.Ok((await store.ListAsync()).ToList());

    internal static async Task<Results<Ok<Placement>, ProblemHttpResult>> GetAsync(string id, PlacementStore store) =>
        await store.GetAsync(id) is { } p ? TypedResults.Ok(p) : UnknownPlacement(id);

    internal static async Task<Results<Created<Placement>, ValidationProblem, ProblemHttpResult>> CreateAsync(HttpContext http, PlacementStore store,
        SegmentStore segments, CatalogCache catalog, TimeProvider clock)
    {
        var (request, problem) = await ApiHelpers.ReadAsync(http, (JsonTypeInfo<PlacementRequest>)ContractsJsonContext.Default.PlacementRequest);
        if (problem is not null) return problem;
        if (ApiHelpers.Actor(http, Scopes.SegmentsWrite) is not { } actor) return ApiHelpers.BadActor();
        var errors = await ValidateAsync(request!, segments, catalog);
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "The placement is not valid");
        var now = clock.GetUtcNow();
        var r = request!;
        var placement = new Placement(await segments.NewIdAsync("plc"), r.SegmentId!, r.Title!.Trim(), r.Kind!, GamesOf(r), CategoryOf(r), r.Priority ?? 0,
            r.StartsAt!.Value, r.EndsAt!.Value, actor, now, actor, now, r.BonusLed ?? false);
        await store.SaveAsync(placement, new AuditEntry(now, actor, "placement.created", placement.Id, null, $"'{placement.Title}' for segment {placement.SegmentId}: {What(placement)}"));
        return TypedResults.Created($"/v1/placements/{placement.Id}", placement);
    }

    internal static async Task<Results<Ok<Placement>, ValidationProblem, ProblemHttpResult>> UpdateAsync(string id, HttpContext http, PlacementStore store,
        SegmentStore segments, CatalogCache catalog, TimeProvider clock)
    {
        var (request, problem) = await ApiHelpers.ReadAsync(http, (JsonTypeInfo<PlacementRequest>)ContractsJsonContext.Default.PlacementRequest);
        if (problem is not null) return problem;
        if (ApiHelpers.Actor(http, Scopes.SegmentsWrite) is not { } actor) return ApiHelpers.BadActor();
        store.Invalidate();
        if (await store.GetAsync(id) is not { } current) return UnknownPlacement(id);
        var errors = await ValidateAsync(request!, segments, catalog);
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "The placement is not valid");
        var now = clock.GetUtcNow();
        var r = request!;
        var placement = current with
        {
            SegmentId = r.SegmentId!, Title = r.Title!.Trim(), Kind = r.Kind!, GameIds = GamesOf(r), Category = CategoryOf(r), Priority = r.Priority ?? 0,
            StartsAt = r.StartsAt!.Value, EndsAt = r.EndsAt!.Value, UpdatedBy = actor, UpdatedAt = now, BonusLed = r.BonusLed ?? false,
        };
        await store.SaveAsync(placement, new AuditEntry(now, actor, "placement.updated", id, null, $"'{placement.Title}' for segment {placement.SegmentId}: {What(placement)}"));
        // Moved to another segment: the old segment's members lose it too.
        if (current.SegmentId != placement.SegmentId) await http.RequestServices.GetRequiredService<IConnectionMultiplexer>().GetDatabase()
            .PublishAsync(http.RequestServices.GetRequiredService<StoreKeys>().PlacementsChanged, current.SegmentId);
        return TypedResults.Ok(placement);
    }

    internal static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> DeleteAsync(string id, HttpContext http, PlacementStore store, TimeProvider clock)
    {
        if (ApiHelpers.Actor(http, Scopes.SegmentsWrite) is not { } actor) return ApiHelpers.BadActor();
        store.Invalidate();
        if (await store.GetAsync(id) is not { } current) return UnknownPlacement(id);
        return await store.DeleteAsync(current, new AuditEntry(clock.GetUtcNow(), actor, "placement.deleted", id, null, $"'{current.Title}' for segment {current.SegmentId}"))
            ? TypedResults.NoContent()
            : UnknownPlacement(id);
    }

    internal static async Task<Results<Ok<PlayerPlacements>, ProblemHttpResult>> PlayerAsync(string playerId, PlacementStore store, MembershipStore memberships,
        IConnectionMultiplexer redis, StoreKeys keys, TimeProvider clock, IOptions<ComplianceOptions> compliance, ExperimentCatalog experiments,
        ExperimentAssigner assigner)
    {
        var now = clock.GetUtcNow();
        var db = redis.GetDatabase();
        var profileTask = db.HashGetAllAsync(keys.Profile(playerId));
        var segmentsTask = memberships.SegmentsOfAsync(playerId);
        var placementsTask = store.ListAsync();
        // Only the profile hash holds consents and restrictions: no day buckets or games are needed.
        if (ProfileReader.Decode(playerId, await profileTask, [], [], _ => null, now) is not { } profile)
        {
            return ApiHelpers.UnknownPlayer(playerId);
        }
        var segments = (await segmentsTask).ToHashSet(StringComparer.Ordinal);
        var placements = await placementsTask;
        // A bonus-led placement is not for a player who may not take bonuses: not shown, and in no experiment of it.
        var bonuses = compliance.Value.BonusesAllowed(profile);
        var running = placements.Where(p => p.StartsAt <= now && now < p.EndsAt && segments.Contains(p.SegmentId) && (bonuses || !p.BonusLed)).ToList();
        // Each running placement is an experiment: a member is assigned on this first ask, both groups alike, and only the
        // treatment group sees it. A member who may not be marketed to is recorded as excluded and sees none.
        var allowed = MarketingPolicy.Evaluate(profile, now).Allowed;
        var shown = new List<Placement>(running.Count);
        var heldOut = new List<string>();
        foreach (var (placement, experiment) in running.Zip(await experiments.OfPlacementsAsync(running)))
        {
            var group = (await assigner.AssignAsync(experiment, playerId, restricted: !allowed, now)).Group;
            // A restriction or a withdrawn consent comes first: a player assigned to treatment earlier sees nothing now.
            if (!allowed) continue;
            if (group == ExperimentGroups.Treatment) shown.Add(placement);
            else if (group == ExperimentGroups.Control) heldOut.Add(placement.Id);
        }
        return TypedResults.Ok(new PlayerPlacements(playerId, shown, now, heldOut));
    }

    /// <summary>Problems by field (<c>segmentId</c>, <c>gameIds[2]</c>, <c>endsAt</c>…); empty when valid.</summary>
    internal static async Task<Dictionary<string, string[]>> ValidateAsync(PlacementRequest r, SegmentStore segments, CatalogCache catalog)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(r.SegmentId)) errors["segmentId"] = ["segmentId is required: the segment whose members see the placement."];
        else if (await segments.DefinitionAsync(r.SegmentId) is null) errors["segmentId"] = [$"'{r.SegmentId}' is not a segment; GET /v1/segments lists them."];
        if (string.IsNullOrWhiteSpace(r.Title)) errors["title"] = ["title is required: the heading of the lobby row."];
        else if (r.Title.Trim().Length > MaxTitleLength) errors["title"] = [$"title must be at most {MaxTitleLength} characters."];
        switch (r.Kind)
        {
            case PlacementKinds.Games:
                if (r.Category is not null) errors["category"] = ["category is for kind 'category' only; a 'games' placement lists gameIds."];
                if (r.GameIds is not { Count: > 0 }) errors["gameIds"] = [$"gameIds must list 1 to {MaxGames} games for kind 'games'."];
                else if (r.GameIds.Count > MaxGames) errors["gameIds"] = [$"gameIds lists {r.GameIds.Count} games; at most {MaxGames}."];
                else
                {
                    var games = await catalog.GetAsync();
                    var seen = new HashSet<string>(StringComparer.Ordinal);
                    for (var i = 0; i < r.GameIds.Count; i++)
                    {
                        var id = r.GameIds[i];
                        if (string.IsNullOrWhiteSpace(id) || !games.TryGetValue(id, out var game)) errors[$"gameIds[{i}]"] = [$"'{id}' is not a game in the catalogue."];
                        else if (!game.Enabled) errors[$"gameIds[{i}]"] = [$"'{id}' is disabled in the catalogue: players cannot open it."];
                        else if (!seen.Add(id)) errors[$"gameIds[{i}]"] = [$"'{id}' is listed twice."];
                    }
                }
                break;
            case PlacementKinds.Category:
                if (r.GameIds is { Count: > 0 }) errors["gameIds"] = ["gameIds are for kind 'games' only; a 'category' placement shows the category's games."];
                if (string.IsNullOrWhiteSpace(r.Category)) errors["category"] = [$"category is required for kind 'category': one of {string.Join(", ", GameCategories.All)}."];
                else if (!GameCategories.All.Contains(r.Category, StringComparer.Ordinal)) errors["category"] = [$"'{r.Category}' is not a category; use one of {string.Join(", ", GameCategories.All)}."];
                break;
            default:
                errors["kind"] = [$"kind must be one of {string.Join(", ", PlacementKinds.All)}{(r.Kind is null ? "" : $", not '{r.Kind}'")}."];
                break;
        }
        if (r.Priority is < MinPriority or > MaxPriority) errors["priority"] = [$"priority must be from {MinPriority} to {MaxPriority} (higher shows first)."];
        if (r.StartsAt is null) errors["startsAt"] = ["startsAt is required: when the placement starts showing."];
        if (r.EndsAt is null) errors["endsAt"] = ["endsAt is required: when the placement stops showing."];
        else if (r.StartsAt is { } start && r.EndsAt <= start) errors["endsAt"] = [$"endsAt must be after startsAt ({start:O})."];
        return errors;
    }

    private static List<string> GamesOf(PlacementRequest r) => r.Kind == PlacementKinds.Games ? [.. r.GameIds!] : [];

    private static string? CategoryOf(PlacementRequest r) => r.Kind == PlacementKinds.Category ? r.Category : null;

    private static string What(Placement p) =>
        $"{(p.Kind == PlacementKinds.Games ? $"{p.GameIds.Count} games" : $"category {p.Category}")}, priority {p.Priority}, {p.StartsAt:O} to {p.EndsAt:O}";


    private static ProblemHttpResult UnknownPlacement(string id) => TypedResults.Problem(statusCode: 404, title: "Unknown placement",
        detail: $"No placement with id '{id}' exists. GET /v1/placements lists them.");
}
