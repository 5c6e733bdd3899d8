using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Intelligence.Models;
using Intelligence.Scoring;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Shared.Contracts;
using Shared.ServiceDefaults.ApiKeys;
using Shared.Store;

namespace Intelligence.Segments;

public static class SegmentsApi
{
    /// <summary>Reading segments, members, placements and insight: a key with <c>scores:read</c> or <c>segments:write</c>.</summary>

    public const int MaxNameLength = 100;
    public const int MaxDescriptionLength = 1000;
    public const int MaxSample = 100;
    public const int DefaultSample = 20;
    public const int MaxPage = 1000;
    public const int DefaultPage = 100;
    public const int MaxAudit = 1000;

    /// <summary>Segments, their live membership, placements and insight (section <c>Segments</c>).</summary>
    public static IHostApplicationBuilder AddSegments(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<SegmentOptions>().BindConfiguration(SegmentOptions.Section).ValidateDataAnnotations()
            .Validate(o => o.ReevaluateInterval >= TimeSpan.FromSeconds(1), "Segments:ReevaluateInterval must be at least one second")
            .Validate(o => o.SizeSnapshotInterval >= TimeSpan.FromMinutes(1), "Segments:SizeSnapshotInterval must be at least one minute")
            .ValidateOnStart();
        builder.Services.AddAuthorizationBuilder().AddPolicy(Scopes.SegmentsReadPolicy, p => p
            .AddAuthenticationSchemes(ApiKeyAuthenticationHandler.SchemeName)
            .RequireAuthenticatedUser()
            .RequireAssertion(ctx => ctx.User.HasClaim(ApiKeyAuthenticationHandler.ScopeClaim, Scopes.ScoresRead)
                || ctx.User.HasClaim(ApiKeyAuthenticationHandler.ScopeClaim, Scopes.SegmentsWrite)));
        builder.Services.AddSingleton<SegmentMetrics>();
        builder.Services.AddSingleton<IndexPartitions>();
        builder.Services.AddSingleton(sp => new PlayerIndex(partitionOf: sp.GetRequiredService<IndexPartitions>().PartitionOf));
        builder.Services.AddSingleton<IndexGather>();
        builder.Services.AddSingleton<SegmentQueries>();
        builder.Services.AddSingleton<IndexFeed>();
        builder.Services.AddSingleton<SegmentStore>();
        builder.Services.AddSingleton<MembershipStore>();
        builder.Services.AddSingleton<LiveSegments>();
        builder.Services.AddSingleton(sp =>
        {
            var announcer = ActivatorUtilities.CreateInstance<MembershipAnnouncer>(sp);
            sp.GetRequiredService<SegmentMetrics>().Announcements(() => announcer.Pending);
            return announcer;
        });
        builder.Services.AddHostedService(sp => sp.GetRequiredService<MembershipAnnouncer>());
        builder.Services.AddSingleton<SegmentMemberships>();
        builder.Services.AddSingleton<IScoringStage>(sp => sp.GetRequiredService<SegmentMemberships>());
        builder.Services.AddSingleton<SegmentsWorker>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<SegmentsWorker>());
        builder.Services.AddSingleton<SegmentChanges>();
        builder.Services.AddHealthChecks().AddCheck<SegmentIndexHealthCheck>("segment-index", tags: [Shared.ServiceDefaults.Extensions.ReadyTag]);
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, ContractsJsonContext.Default));
        return builder;
    }

    public static IEndpointRouteBuilder MapSegmentsApi(this IEndpointRouteBuilder app)
    {
        var segments = app.MapGroup("/v1/segments").WithTags("Segments");
        var read = segments.MapGroup("").RequireAuthorization(Scopes.SegmentsReadPolicy);
        var write = segments.MapGroup("").RequireAuthorization(Scopes.SegmentsWrite);
        const string actor = $"The author recorded in versions and the audit log is the API key's name, or the `{ApiHeaders.Actor}` header's value (1 to 100 printable characters) when the key has `segments:write`.";
        const string rules = "A rule is `{\"all\":[…]}`, `{\"any\":[…]}`, `{\"not\":{…}}` or a leaf `{\"field\":\"lifetime.depositAmount\",\"op\":\"gte\",\"value\":100}` " +
            "(fields and their operators: `GET /v1/segments/fields`). Dates take ISO 8601 or a time relative to now (`\"-7d\"`, `\"+12h\"`, `\"-30m\"`, `\"-90s\"`, `\"-2w\"`, `\"now\"`). " +
            "A player without a value for a field matches no comparison on it and matches `neq` and `nin`. Problems come back as a validation problem keyed by the path of the node (`rule.all[1].any[0].value`).";
        const string purpose = "`purpose` is `marketing` (the default: never holds a self-excluded, cooling-off or blocked player, nor one without consent for `channel`, or for any channel when `channel` is null) or `analysis` (everyone who matches).";

        read.MapGet("/", ListAsync).WithName("ListSegments").WithSummary("Every segment with its current version and member count");
        write.MapPost("/", CreateAsync).WithName("CreateSegment").ProducesProblem(StatusCodes.Status409Conflict).Accepts<SegmentRequest>("application/json").Produces<Segment>(201)
            .WithSummary("Create a segment").WithDescription($"Its members are computed at once (the response counts them) and kept live from then on: a player enters or leaves within moments of a profile or score change, with `segment.entered` / `segment.exited` webhooks. {purpose} {rules} {actor}");
        read.MapGet("/{id}", GetAsync).WithName("GetSegment").ProducesProblem(StatusCodes.Status404NotFound).WithSummary("One segment");
        write.MapPut("/{id}", UpdateAsync).WithName("UpdateSegment").ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict).Accepts<SegmentRequest>("application/json").Produces<Segment>()
            .WithSummary("Replace a segment's definition: a new version").WithDescription($"Members are recomputed at once; those who enter or leave get webhooks. {actor}");
        write.MapDelete("/{id}", DeleteAsync).WithName("DeleteSegment").ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict).WithSummary("Delete a segment and its placements")
            .WithDescription($"Its versions stay readable and the deletion is in the audit log. No `segment.exited` webhooks are sent: the segment ended, its members did not leave. {actor}");
        read.MapGet("/{id}/versions", VersionsAsync).WithName("GetSegmentVersions").ProducesProblem(StatusCodes.Status404NotFound).WithSummary("Every version of a segment, oldest first, with author and time")
            .WithDescription("Also for a deleted segment. `members` is how many players the version matched when it was saved.");
        // The audit log (who did what) and the members' export (personal data leaving the product) have scopes of their own,
        // so a CRM key that reads scores does not also read them.
        var audit = segments.MapGroup("").RequireAuthorization(Scopes.AuditRead);
        var export = segments.MapGroup("").RequireAuthorization(Scopes.SegmentsExport);
        audit.MapGet("/audit", AuditAsync).WithName("GetSegmentAudit").WithSummary("Who changed which segment or placement, newest first")
            .WithDescription($"`limit` from 1 to {MaxAudit} (default 100). Scope `{Scopes.AuditRead}`.");
        read.MapPost("/preview", PreviewAsync).WithName("PreviewSegment").ProducesProblem(StatusCodes.Status503ServiceUnavailable).Accepts<SegmentPreviewRequest>("application/json").Produces<SegmentPreview>()
            .WithSummary("Evaluate a rule over every player now, without saving it")
            .WithDescription($"`count` players match and may be in the segment; `excluded` counts those who match but are kept out by the marketing policy, each under its first reason (self_excluded, cooling_off, blocked, no_marketing_consent), so the counts add up; `sample` holds up to `sampleSize` (0 to {MaxSample}, default {DefaultSample}) of the members spread over all of them. 503 while the instance is still loading its player index. {purpose} {rules}");
        read.MapGet("/fields", FieldsAsync).WithName("GetSegmentFields").WithSummary("The fields rules can use, with their type, operators and known values");
        read.MapGet("/{id}/players", MembersAsync).WithName("GetSegmentMembers").ProducesProblem(StatusCodes.Status404NotFound).WithSummary("A page of a segment's members, by player id")
            .WithDescription($"`limit` from 1 to {MaxPage} (default {DefaultPage}); pass `nextCursor` as `cursor` for the next page (null on the last one). `total` is the member count now.");
        export.MapGet("/{id}/players.csv", CsvAsync).WithName("ExportSegmentMembers").ProducesProblem(StatusCodes.Status404NotFound).Produces(200, contentType: "text/csv")
            .WithSummary("Every member as CSV, streamed").WithDescription($"Columns: playerId, country, market, lifetimeDepositAmount, lastActiveAt, churn, vip, enteredAt. Scope `{Scopes.SegmentsExport}`.");
        return app;
    }

    internal static async Task<Ok<List<Segment>>> ListAsync(SegmentStore store)
    {
        var all = await store.DefinitionsAsync();
        var counts = await store.MemberCountsAsync([.. all.Select(s => s.Id)]);
        return TypedResults.Ok(all.Select(s => s with { Members = counts[s.Id] }).ToList());
    }

    internal static async Task<Results<Ok<Segment>, ProblemHttpResult>> GetAsync(string id, SegmentStore store, MembershipStore members) =>
        await store.DefinitionAsync(id) is { } s ? TypedResults.Ok(s with { Members = await members.CountAsync(id) }) : ApiHelpers.UnknownSegment(id);

    /// <summary>A segment body that passed validation, who sent it, and how many players it matches now (null while the index loads).</summary>
    private sealed record SegmentInput(SegmentRequest Request, string Actor, DateTimeOffset Now, string Purpose, string? Channel, long? Matched)
    {
        public string Name => Request.Name!.Trim();
        public string? Description => Blank(Request.Description);
    }

    private static async Task<(SegmentInput? Input, ValidationProblem? Problem)> InputAsync(HttpContext http, SegmentChanges changes, CatalogCache catalog,
        SegmentOptions options, TimeProvider clock)
    {
        var (request, problem) = await ApiHelpers.ReadAsync(http, ContractsJsonContext.Default.SegmentRequest);
        if (problem is not null) return (null, problem);
        if (ApiHelpers.Actor(http, Scopes.SegmentsWrite) is not { } actor) return (null, ApiHelpers.BadActor());
        var now = clock.GetUtcNow();
        var (errors, bound) = Validate(request!, RuleContext.From(await catalog.GetAsync()), options, now);
        if (errors.Count > 0) return (null, TypedResults.ValidationProblem(errors, title: "The segment is not valid"));
        var (purpose, channel) = (request!.Purpose ?? SegmentPurposes.Marketing, request.Channel);
        return (new SegmentInput(request, actor, now, purpose, channel, await changes.CountAsync(request.Rule!, purpose, channel, now, http.RequestAborted)), null);
    }

    internal static async Task<Results<Created<Segment>, ValidationProblem, ProblemHttpResult>> CreateAsync(HttpContext http, SegmentStore store, LiveSegments live,
        SegmentChanges changes, CatalogCache catalog, IOptions<SegmentOptions> options, TimeProvider clock)
    {
        var (input, problem) = await InputAsync(http, changes, catalog, options.Value, clock);
        if (problem is not null) return problem;
        if ((await live.GetAsync()).Count >= options.Value.MaxSegments)
        {
            return TypedResults.Problem(statusCode: 409, title: "Too many segments",
                detail: $"At most {options.Value.MaxSegments} segments may exist (Segments:MaxSegments); delete one first.");
        }
        var (id, i) = (await store.NewIdAsync(), input!);
        var segment = new Segment(id, i.Name, i.Description, i.Purpose, i.Channel, i.Request.Rule!, 1, i.Actor, i.Now, i.Actor, i.Now, i.Matched ?? 0);
        var audit = new AuditEntry(i.Now, i.Actor, "created", id, 1,
            $"Created '{segment.Name}' ({Describe(i.Purpose, i.Channel)}){(i.Matched is { } n ? $", matching {n:N0} players" : "")}");
        await store.SaveAsync(segment, 0, audit);
        var members = await changes.AppliedAsync(id, http.RequestAborted);
        return TypedResults.Created($"/v1/segments/{id}", segment with { Members = members });
    }

    internal static async Task<Results<Ok<Segment>, ValidationProblem, ProblemHttpResult>> UpdateAsync(string id, HttpContext http, SegmentStore store,
        SegmentChanges changes, CatalogCache catalog, IOptions<SegmentOptions> options, TimeProvider clock)
    {
        var (input, problem) = await InputAsync(http, changes, catalog, options.Value, clock);
        if (problem is not null) return problem;
        var i = input!;
        for (var attempt = 0; attempt < 5; attempt++)
        {
            if (await store.DefinitionAsync(id) is not { } current) return ApiHelpers.UnknownSegment(id);
            var segment = current with
            {
                Name = i.Name, Description = i.Description, Purpose = i.Purpose, Channel = i.Channel, Rule = i.Request.Rule!,
                Version = current.Version + 1, UpdatedBy = i.Actor, UpdatedAt = i.Now, Members = i.Matched ?? 0,
            };
            var audit = new AuditEntry(i.Now, i.Actor, "updated", id, segment.Version, $"Version {segment.Version}: {Differences(current, segment)}");
            if (!await store.SaveAsync(segment, current.Version, audit)) continue;
            var renamed = current.Name != segment.Name;
            var members = await changes.AppliedAsync(id, http.RequestAborted, renamed);
            return TypedResults.Ok(segment with { Members = members });
        }
        return TypedResults.Problem(statusCode: 409, title: "Edited elsewhere", detail: $"Segment '{id}' kept changing while this edit was saved; load it again and retry.");
    }

    internal static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> DeleteAsync(string id, HttpContext http, SegmentStore store, SegmentChanges changes,
        ISegmentDependents dependents, MembershipStore members, TimeProvider clock)
    {
        if (ApiHelpers.Actor(http, Scopes.SegmentsWrite) is not { } actor) return ApiHelpers.BadActor();
        for (var attempt = 0; attempt < 5; attempt++)
        {
            if (await store.DefinitionAsync(id) is not { } current) return ApiHelpers.UnknownSegment(id);
            var now = clock.GetUtcNow();
            var former = await members.MembersAsync(id);
            if (!await store.DeleteAsync(id, current.Version, new AuditEntry(now, actor, "deleted", id, current.Version,
                $"Deleted '{current.Name}' (version {current.Version}, {former.Length:N0} members)")))
            {
                continue;
            }
            await dependents.DeleteOfSegmentAsync(id, actor, now);
            await changes.DeletedAsync(id, former);
            return TypedResults.NoContent();
        }
        return TypedResults.Problem(statusCode: 409, title: "Edited elsewhere", detail: $"Segment '{id}' kept changing while it was being deleted; retry.");
    }

    internal static async Task<Results<Ok<List<Segment>>, ProblemHttpResult>> VersionsAsync(string id, SegmentStore store)
    {
        var history = await store.HistoryAsync(id);
        return history.Count == 0 ? ApiHelpers.UnknownSegment(id) : TypedResults.Ok(history.ToList());
    }

    internal static async Task<Results<Ok<List<AuditEntry>>, ValidationProblem>> AuditAsync(SegmentStore store, int limit = 100)
    {
        if (limit is < 1 or > MaxAudit)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = [$"limit must be from 1 to {MaxAudit}."] }, title: "Bad query");
        }
        return TypedResults.Ok((await store.AuditAsync(limit)).ToList());
    }

    internal static async Task<Results<Ok<SegmentPreview>, ValidationProblem, ProblemHttpResult>> PreviewAsync(HttpContext http, SegmentQueries queries,
        CatalogCache catalog, SegmentMetrics metrics, IOptions<SegmentOptions> options, TimeProvider clock)
    {
        var (request, problem) = await ApiHelpers.ReadAsync(http, ContractsJsonContext.Default.SegmentPreviewRequest);
        if (problem is not null) return problem;
        var now = clock.GetUtcNow();
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var bound = RuleBinder.Bind(request!.Rule, RuleContext.From(await catalog.GetAsync()), Limits(options.Value), now);
        foreach (var (k, v) in bound.Errors) errors[k] = v;
        ValidatePurpose(request.Purpose, request.Channel, errors);
        var sampleSize = request.SampleSize ?? DefaultSample;
        if (sampleSize is < 0 or > MaxSample) errors["sampleSize"] = [$"sampleSize must be from 0 to {MaxSample}."];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "The rule is not valid");
        var (preview, missing) = await queries.PreviewAsync(request.Rule!, request.Purpose ?? SegmentPurposes.Marketing, request.Channel, sampleSize, now, http.RequestAborted);
        if (preview is null) return ApiHelpers.IndexIncomplete(http, missing);
        metrics.Previewed(preview.ElapsedMs);
        return TypedResults.Ok(preview);
    }

    internal static async Task<Ok<List<SegmentField>>> FieldsAsync(PlayerIndex index, CatalogCache catalog, ModelHost models)
    {
        const int maxValues = 200;
        var games = await catalog.GetAsync();
        var mlSegments = models.Segments?.Card.Segments?.Select(s => s.Id).Order(StringComparer.Ordinal).ToList();
        var fields = new List<SegmentField>();
        foreach (var f in SegmentFields.Palette)
        {
            IReadOnlyList<string>? values = f.Fixed;
            if (f.Path == "scores.segment.id" && mlSegments is { Count: > 0 }) values = mlSegments;
            else if (values is null && f.Kind == ColumnKind.Text && index.Texts[f.Column].Values is { Count: > 0 and <= maxValues } known) values = [.. known.Order(StringComparer.Ordinal)];
            if (f.Kind == ColumnKind.GamesPlayed)
            {
                // Stake per provider: one field per provider of the catalogue, just before the games played.
                foreach (var provider in games.Values.Select(g => g.Provider).Distinct().Order(StringComparer.Ordinal)) fields.Add(SegmentFields.Provider(provider).ToContract());
            }
            fields.Add(f.ToContract(values));
        }
        return TypedResults.Ok(fields);
    }

    internal static async Task<Results<Ok<SegmentMembersPage>, ValidationProblem, ProblemHttpResult>> MembersAsync(string id, SegmentStore store, MembershipStore members,
        SegmentQueries queries, string? cursor = null, int limit = DefaultPage)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (limit is < 1 or > MaxPage) errors["limit"] = [$"limit must be from 1 to {MaxPage}."];
        string? after = null;
        if (!string.IsNullOrEmpty(cursor) && (after = Cursor.Decode(cursor)) is null) errors["cursor"] = ["cursor is not one this API gave: pass a page's nextCursor as it came."];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "Bad query");
        if (await store.DefinitionAsync(id) is null) return ApiHelpers.UnknownSegment(id);
        var page = await members.PageAsync(id, after, limit + 1);
        var items = page.Take(limit).ToList();
        var facts = await queries.FactsAsync(items);
        var next = page.Count > limit ? Cursor.Encode(items[^1].PlayerId) : null;
        return TypedResults.Ok(new SegmentMembersPage(id, facts, next, await members.CountAsync(id)));
    }

    internal static async Task<Results<PushStreamHttpResult, ProblemHttpResult>> CsvAsync(string id, SegmentStore store, MembershipStore members, SegmentQueries queries)
    {
        if (await store.DefinitionAsync(id) is not { } segment) return ApiHelpers.UnknownSegment(id);
        return TypedResults.Stream(async stream =>
        {
            await using var writer = new StreamWriter(stream, new UTF8Encoding(false), 64 * 1024);
            await writer.WriteAsync("playerId,country,market,lifetimeDepositAmount,lastActiveAt,churn,vip,enteredAt\n");
            string? after = null;
            while (true)
            {
                var page = await members.PageAsync(id, after, 5000);
                if (page.Count == 0) break;
                foreach (var m in await queries.FactsAsync(page)) await writer.WriteAsync(Csv.Line(m));
                after = page[^1].PlayerId;
            }
        }, "text/csv; charset=utf-8", $"{segment.Id}-members.csv");
    }

    /// <summary>Problems of a segment body, keyed by field (<c>name</c>, <c>purpose</c>, <c>rule.all[0].value</c>…), and the bound rule.</summary>
    internal static (Dictionary<string, string[]> Errors, BoundRule? Rule) Validate(SegmentRequest request, RuleContext context, SegmentOptions options, DateTimeOffset now)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(request.Name)) errors["name"] = ["name is required: what marketers will recognise the segment by."];
        else if (request.Name.Trim().Length > MaxNameLength) errors["name"] = [$"name must be at most {MaxNameLength} characters."];
        if (request.Description is { Length: > MaxDescriptionLength }) errors["description"] = [$"description must be at most {MaxDescriptionLength} characters."];
        ValidatePurpose(request.Purpose, request.Channel, errors);
        var bound = RuleBinder.Bind(request.Rule, context, Limits(options), now);
        foreach (var (k, v) in bound.Errors) errors[k] = v;
        return (errors, bound.Rule);
    }

    private static void ValidatePurpose(string? purpose, string? channel, Dictionary<string, string[]> errors)
    {
        if (purpose is not null && !SegmentPurposes.All.Contains(purpose, StringComparer.Ordinal))
        {
            errors["purpose"] = [$"'{purpose}' is not a purpose; use one of {string.Join(", ", SegmentPurposes.All)}."];
        }
        if (channel is not null)
        {
            if (!MarketingPolicy.MarketingChannels.Contains(channel, StringComparer.Ordinal))
            {
                errors["channel"] = [$"'{channel}' is not a marketing channel; use one of {string.Join(", ", MarketingPolicy.MarketingChannels)}, or leave it out for any."];
            }
            else if (purpose == SegmentPurposes.Analysis)
            {
                errors["channel"] = ["channel applies to marketing segments only (an analysis segment holds everyone who matches)."];
            }
        }
    }

    private static RuleLimits Limits(SegmentOptions o) => new(o.MaxRuleDepth, o.MaxRuleNodes, o.MaxListValues);

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    private static string Describe(string purpose, string? channel) => purpose == SegmentPurposes.Marketing ? $"marketing, {(channel is null ? "any channel" : $"channel {channel}")}" : purpose;

    private static string Differences(Segment before, Segment after)
    {
        var parts = new List<string>();
        if (before.Name != after.Name) parts.Add($"name '{before.Name}' → '{after.Name}'");
        if (before.Description != after.Description) parts.Add("description changed");
        if (before.Purpose != after.Purpose || before.Channel != after.Channel) parts.Add($"{Describe(before.Purpose, before.Channel)} → {Describe(after.Purpose, after.Channel)}");
        var (r1, r2) = (JsonSerializer.Serialize(before.Rule, ContractsJsonContext.Default.SegmentRule), JsonSerializer.Serialize(after.Rule, ContractsJsonContext.Default.SegmentRule));
        if (r1 != r2) parts.Add($"rule changed, matching {after.Members:N0} players");
        return parts.Count == 0 ? "saved unchanged" : string.Join("; ", parts);
    }
}
