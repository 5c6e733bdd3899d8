using Ingestion.DeadLetters;
using Ingestion.Lobby;
using Ingestion.Profiles;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Shared.Contracts;
using Shared.ServiceDefaults.ApiKeys;
using Shared.Store;
using StackExchange.Redis;

namespace Ingestion.Events;

public static class EventsApi
{
    public const string CloudEvent = "application/cloudevents+json";
    public const string CloudEventBatch = "application/cloudevents-batch+json";
    public const string NdJson = "application/x-ndjson";
    public const string SignatureHeader = "X-Signature";

    /// <summary>The dead-letter feed of events sent to <c>POST /v1/events</c> that were too old to apply.</summary>
    public const string Feed = "canonical";

    public static IHostApplicationBuilder AddEvents(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<FoldOptions>().BindConfiguration(FoldOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<IngestionMetrics>();
        builder.Services.AddSingleton<StoreUpgradeGate>();
        builder.Services.AddSingleton<ProfileWriter>();
        builder.Services.AddSingleton<LedgerUpgrade>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<LedgerUpgrade>());
        builder.Services.AddSingleton(sp => new EventParser(
            sp.GetRequiredService<IOptions<FoldOptions>>().Value,
            sp.GetRequiredService<IOptions<StoreOptions>>().Value.BaseCurrency,
            sp.GetRequiredService<TimeProvider>()));
        builder.AddLobbyCounting();
        builder.Services.AddSingleton<EventIngestor>();
        builder.Services.AddSingleton<IngestAdmission>();
        builder.Services.AddSingleton<DeadLetterStore>();
        return builder;
    }

    public static IEndpointRouteBuilder MapEventsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/events", PostEventsAsync)
            .RequireAuthorization(Scopes.EventsWrite)
            // Documented by hand rather than with Accepts(): Accepts makes routing refuse other media types with
            // a bare 415, and we would rather say which ones to send.
            .AddOpenApiOperationTransformer((op, _, _) =>
            {
                op.RequestBody = new Microsoft.OpenApi.OpenApiRequestBody
                {
                    Required = true,
                    Description = "One CloudEvent, a JSON array of them, or NDJSON (one a line); at most 10,000 events or 10 MB. " +
                        "Or one event in CloudEvents binary content mode: attributes in ce-* headers (ce-specversion, ce-id, ce-source, " +
                        "ce-type, ce-subject, ce-time), the event's data as an application/json body.",
                    Content = new Dictionary<string, Microsoft.OpenApi.OpenApiMediaType>
                    {
                        [CloudEvent] = new(), [CloudEventBatch] = new(), [NdJson] = new(), ["application/json"] = new(),
                    },
                };
                return Task.CompletedTask;
            })
            .WithName("PostEvents")
            .WithTags("Events")
            .WithSummary("Send canonical events (one, a JSON array, NDJSON, or one in binary content mode)")
            .WithDescription("Every valid event is applied atomically before the response, in whatever order events arrive; invalid ones are listed in `rejected` with the field and the problem, and do not stop the others. Duplicates (same source and id, or same wallet transaction) count once. An event older than the retention (Ingestion:BucketRetentionDays, 400 days before the player's newest activity) is rejected and kept on the dead-letter list (feed `canonical`) to replay. 422 when no event in the request was accepted. 429 when the instance is applying Ingestion:MaxRequestsInFlight (128) requests already and no place comes free within Ingestion:MaxQueueWait (1 s) or Ingestion:MaxRequestsQueued (512) wait already: nothing acknowledged, Retry-After 1. 503 (store unreachable) and 507 (store full: maxmemory reached) acknowledge nothing and carry Retry-After; resend the whole request.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .ProducesProblem(StatusCodes.Status507InsufficientStorage);
        return app;
    }

    /// <summary>The feeds a signing key's refused request counts against: its sources, or <c>key:&lt;name&gt;</c> when it may send any.</summary>
    internal static IEnumerable<string> SignedSources(ApiKeyPrincipal key) =>
        key.Sources.Count > 0 ? key.Sources.Order(StringComparer.Ordinal) : ["key:" + key.Name];

    internal static async Task<Results<Ok<IngestResult>, UnprocessableEntity<IngestResult>, ProblemHttpResult>> PostEventsAsync(
        HttpContext http, EventIngestor ingestor, IngestAdmission admission, IOptions<FoldOptions> options, ApiKeyMetrics authMetrics, StoreFull storeFull,
        Feeds.FeedStats feeds, ILogger<EventIngestor> log)
    {
        var body = await RequestBody.ReadAsync(http.Request, options.Value.MaxBodyBytes, http.RequestAborted);
        if (body is null)
        {
            return TypedResults.Problem(statusCode: 413, title: "Body too large",
                detail: $"A request may carry at most {options.Value.MaxBodyBytes:N0} bytes; split it into smaller batches.");
        }
        if (!RequestBody.SignatureIsValid(http, body.Value.Span))
        {
            authMetrics.Rejected("bad_signature");
            // The body is not to be trusted, so the failure is the key's: counted against the sources it may send, or
            // against the key itself (key:<name>) when it may send any.
            var key = (ApiKeyPrincipal)http.Items[typeof(ApiKeyPrincipal)]!;
            await Task.WhenAll(SignedSources(key).Select(feeds.SignatureFailedAsync));
            return TypedResults.Problem(statusCode: 401, title: "Bad signature",
                detail: $"This source signs its requests: send {SignatureHeader}: sha256=<hex HMAC-SHA256 of the body with the source's secret>.");
        }

        using var place = await admission.EnterAsync(http.RequestAborted);
        if (place is null)
        {
            http.Response.Headers.RetryAfter = "1";
            return TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many event requests at once",
                detail: $"This instance is applying {admission.Limit:N0} requests already (Ingestion:MaxRequestsInFlight) and no place came free " +
                    $"for this one: {admission.QueueLimit:N0} may wait (Ingestion:MaxRequestsQueued), each for {admission.MaxWait.TotalSeconds:0.###} s " +
                    "(Ingestion:MaxQueueWait). Nothing of this request was read into the store: resend it after Retry-After.");
        }

        var mediaType = http.Request.ContentType?.Split(';')[0].Trim().ToLowerInvariant() ?? "";
        var sender = http.Items[typeof(ApiKeyPrincipal)] as ApiKeyPrincipal;
        IngestAttempt result;
        try
        {
            result = BinaryContentMode.Applies(http.Request.Headers, mediaType)
                ? await ingestor.IngestBinaryAsync(http.Request.Headers, mediaType, body.Value, EventsApi.Feed, sender)
                : mediaType switch
            {
                NdJson => await ingestor.IngestNdJsonAsync(body.Value, EventsApi.Feed, sender),
                CloudEvent or CloudEventBatch or "application/json" => await ingestor.IngestJsonAsync(body.Value, requireArray: mediaType == CloudEventBatch, EventsApi.Feed, sender),
                _ => IngestAttempt.Fail(415, "Unsupported media type",
                    $"Send {CloudEvent} (one event), {CloudEventBatch} (a JSON array) or {NdJson} (one event a line)."),
            };
        }
        catch (Exception e) when (StoreFull.Is(e))
        {
            // Refused at a fold call's first write, so no call was half applied; calls before it may have been, and
            // the resend finds those as duplicates. Nothing here is acknowledged.
            log.LogWarning("Events not acknowledged: the store is full ({Message})", e.Message);
            storeFull.Refused(http.Request.Path);
            http.Response.Headers.RetryAfter = StoreFull.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return TypedResults.Problem(statusCode: StatusCodes.Status507InsufficientStorage, title: StoreFull.Title, detail: StoreFull.Reason);
        }
        catch (Exception e) when (e is RedisException or TimeoutException or StoreNotReplicatedException)
        {
            // Not acknowledged: some events may be applied, so the sender's resend finds them as duplicates.
            log.LogWarning(e, "Events not acknowledged: the store did not confirm them");
            http.Response.Headers.RetryAfter = "1";
            return TypedResults.Problem(statusCode: 503, title: "The events were not acknowledged",
                detail: $"The store did not confirm them ({e.Message}). Resend the whole request: events that were applied count once, as duplicates.");
        }
        if (result.Failure is { } p) return TypedResults.Problem(statusCode: p.Status, title: p.Title, detail: p.Detail);
        var r = result.Result!;
        return r.Accepted + r.Duplicates == 0 && r.Rejected.Count > 0 ? TypedResults.UnprocessableEntity(r) : TypedResults.Ok(r);
    }
}
