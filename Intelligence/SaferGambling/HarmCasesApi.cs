using System.Globalization;
using System.Text.Json;
using Intelligence.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Shared.Contracts;
using Shared.ServiceDefaults.ApiKeys;
using Shared.Store;
using StackExchange.Redis;

namespace Intelligence.SaferGambling;

/// <summary>
/// The safer-gambling case queue: players whose harm band reached <c>elevated</c> or <c>high</c>, their markers day by
/// day, and the team's notes and outcomes. Scope <c>harm:cases</c> only (not a marketer's). Every note is logged with its
/// author and time; an outcome closes the case and is kept as a label for training.
/// </summary>
public static class HarmCasesApi
{
    public const int HistoryDays = 30;

    /// <summary>The harm rule's options (bands, markets' actions), the flags the scoring raises and the case outcomes kept as labels.</summary>
    public static IHostApplicationBuilder AddSaferGambling(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<SaferGamblingOptions>().BindConfiguration(SaferGamblingOptions.Section).ValidateDataAnnotations()
            .Validate(o => o.Elevated <= o.High, "SaferGambling:Elevated must not exceed SaferGambling:High")
            .Validate(o => o.Markets.Values.All(m => SaferGamblingOptions.Actions.Contains(m.High) && SaferGamblingOptions.Actions.Contains(m.Elevated)),
                "SaferGambling:Markets:<market>:High and :Elevated take suppress, reduce or none")
            .ValidateOnStart();
        builder.Services.AddSingleton<HarmFlags>();
        builder.Services.AddSingleton<HarmLabels>();
        return builder;
    }

    public static IEndpointRouteBuilder MapHarmCasesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/harm/cases").RequireAuthorization(Scopes.HarmCases).WithTags("Safer gambling");
        group.MapGet("/", ListAsync).WithName("ListHarmCases").WithSummary("Open safer-gambling cases, highest harm risk first")
            .WithDescription("Players whose harm-risk band reached `elevated` or `high` and whose case has no outcome yet. `limit` 1 to 500 (default 100).");
        group.MapGet("/{playerId}", GetAsync).WithName("GetHarmCase").ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("A player's case: harm score, markers over the last 30 days, notes and outcome");
        group.MapPost("/{playerId}/notes", NoteAsync).WithName("AddHarmCaseNote").Accepts<HarmCaseNoteRequest>("application/json")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Add a note to a case; with `outcome` (contacted, limit_set, no_action) it closes the case")
            .WithDescription("`text` 1 to 2000 characters. The author is the `X-Actor` header (the console sends its signed-in user), else the API key's name. The outcome is kept as a training label.");
        return app;
    }

    internal static async Task<Results<Ok<HarmCaseList>, ValidationProblem>> ListAsync(HarmFlags flags, HistoryReader reader, IHarmScorer scorer, IConnectionMultiplexer redis, StoreKeys keys, int? limit)
    {
        var n = limit ?? 100;
        if (n is < 1 or > 500) return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = ["must be within 1..500"] });
        var open = await flags.OpenCasesAsync(n);
        var snapshots = await reader.ReadAsync([.. open.Select(o => o.PlayerId)]);
        var items = open.Select((o, i) => new HarmCase(o.PlayerId, o.Probability, snapshots[i] is { } s ? scorer.Harm(s) : null,
            snapshots[i]?.Profile.Market ?? snapshots[i]?.Profile.Country)).ToList();
        return TypedResults.Ok(new HarmCaseList(items, await redis.GetDatabase().SortedSetLengthAsync(keys.HarmCases)));
    }

    internal static async Task<Results<Ok<HarmCaseDetail>, ProblemHttpResult>> GetAsync(string playerId, HistoryReader reader, IHarmScorer scorer,
        IConnectionMultiplexer redis, StoreKeys keys, TimeProvider clock)
    {
        if (await reader.ReadAsync(playerId) is not { } s) return ApiHelpers.UnknownPlayer(playerId);
        var today = ProfileReader.DayOf(clock.GetUtcNow());
        var history = new List<HarmMarkerDay>(HistoryDays);
        for (var d = today - HistoryDays + 1; d <= today; d++)
        {
            var markers = HarmMarkers.At(s.History, s.History.Harm, s.Profile.Country, d + 1);
            var (p, _) = HarmRule.Score(markers);
            history.Add(new HarmMarkerDay(DateOnly.FromDateTime(DateTime.UnixEpoch.AddDays(d)), Math.Round(p, 4), markers.ToDictionary(m => m.Name, m => m.Value)));
        }
        var db = redis.GetDatabase();
        var log = (await db.ListRangeAsync(keys.HarmCaseLog(playerId))).Select(v => JsonSerializer.Deserialize(v.ToString(), ContractsJsonContext.Default.HarmCaseEntry)!).ToList();
        var open = await db.SortedSetScoreAsync(keys.HarmCases, playerId) is not null;
        var label = await db.HashGetAsync(keys.HarmLabels, playerId);
        return TypedResults.Ok(new HarmCaseDetail(playerId, open, scorer.Harm(s)!, history, log, HarmCaseOutcome.Parse(label)?.Outcome));
    }

    internal static async Task<Results<Ok<HarmCaseEntry>, ValidationProblem, ProblemHttpResult>> NoteAsync(string playerId, HarmCaseNoteRequest request, HttpContext http,
        IConnectionMultiplexer redis, StoreKeys keys, TimeProvider clock)
    {
        var errors = new Dictionary<string, string[]>();
        var text = request.Text?.Trim() ?? "";
        if (text.Length is < 1 or > 2000) errors["text"] = ["must be 1 to 2000 characters"];
        if (request.Outcome is { } o && !HarmOutcomes.All.Contains(o)) errors["outcome"] = [$"'{o}' is not an outcome; use one of {string.Join(", ", HarmOutcomes.All)}, or leave it out for a note"];
        if (ApiHelpers.Actor(http, Scopes.HarmCases) is not { } actor) errors[ApiHeaders.Actor] = [ApiHelpers.BadActorMessage];
        else if (errors.Count == 0)
        {
            var db = redis.GetDatabase();
            if (!await db.KeyExistsAsync(keys.Profile(playerId))) return ApiHelpers.UnknownPlayer(playerId);
            var now = clock.GetUtcNow();
            var entry = new HarmCaseEntry(now, actor, text, request.Outcome);
            await db.ListRightPushAsync(keys.HarmCaseLog(playerId), JsonSerializer.Serialize(entry, ContractsJsonContext.Default.HarmCaseEntry));
            if (request.Outcome is { } outcome)
            {
                await db.HashSetAsync(keys.HarmLabels, playerId, new HarmCaseOutcome(outcome, now).Stored);
                await db.SortedSetRemoveAsync(keys.HarmCases, playerId);
            }
            return TypedResults.Ok(entry);
        }
        return TypedResults.ValidationProblem(errors, title: "The note is not valid");
    }
}
