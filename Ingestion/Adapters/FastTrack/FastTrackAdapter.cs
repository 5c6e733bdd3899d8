// Follows Fast Track's public integration documentation (fasttrack-solutions.com/en/resources/integration and its
// mirror fast-track.gitbook.io/integration): "Real-Time Data" pages Registrations (POST /v2/integration/user), User
// Updates (PUT /v2/integration/user), Login (POST /v2/integration/login), Payments (POST /v1/integration/payment),
// Casino (POST /v1/integration/casino), Bonus (POST /v1/integration/bonus), User Blocks (PUT /v2/integration/user/blocks),
// User Consents (PUT /v2/integration/user/consents); and "Operator API" pages User Details (GET /userdetails/:userid),
// User Consents (GET /userconsents/:userid), User Blocks (GET /userblocks/:userid). Field names, status values and round
// rules are theirs; FastTrackMapper lists how each maps and where the docs are silent, what we chose.
//
// Where the docs are silent or loose, our choices: a JSON body per request (as their REST API takes); ids as a string
// or a number; numbers also as strings; enum values matched ignoring case; "timestamp" also without an offset (UTC);
// "origin" and other fields we do not use are not required. Fast Track's user messages are slim (who and when): the
// player is queued for the PAM connector, and what a message may carry beyond the docs (see FastTrackUser,
// FastTrackUserBlocksChanged, FastTrackUserConsentsChanged) is applied at once.
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Ingestion.DeadLetters;
using Ingestion.Events;
using Ingestion.Profiles;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Shared.Contracts;
using Shared.ServiceDefaults.ApiKeys;
using Shared.Store;
using StackExchange.Redis;

namespace Ingestion.Adapters.FastTrack;

/// <summary>
/// A Fast Track-compatible feed under <c>/compat/fasttrack</c>: an operator that already publishes Fast Track's
/// real-time messages points them here unchanged. Each message becomes canonical events (<see cref="FastTrackMapper"/>)
/// applied through the one pipeline; user messages also queue the player for the PAM look-up.
/// </summary>
public sealed partial class FastTrackAdapter(
    EventIngestor ingestor,
    DeadLetterStore deadLetters,
    PamPendingSet pam,
    IConnectionMultiplexer redis,
    StoreKeys keys,
    IOptions<FoldOptions> foldOptions,
    ApiKeyMetrics authMetrics, Feeds.FeedStats feeds,
    TimeProvider clock,
    ILogger<FastTrackAdapter> logger) : IVendorAdapter
{
    public const string Feed = "fasttrack";

    public string Name => Feed;

    public string RoutePrefix => "/compat/fasttrack";

    private enum Lookup
    {
        None,
        Always,
        IfNotRegistered,
    }

    /// <summary>
    /// The message type Fast Track's RabbitMQ connector carries in each message's <c>type</c> property (not in the payload),
    /// per its docs' "RabbitMQ Message Properties", for the messages whose type the docs name.
    /// </summary>
    public static readonly IReadOnlyList<string> QueueTypes = ["CASINO", "PAYMENT", "LOGIN_V2", "USER_CREATE_V2", "USER_UPDATE_V2", "USER_BLOCK_V2"];

    private Dictionary<string, Func<ReadOnlyMemory<byte>, Task<FastTrackApplied>>>? _byQueueType;

    public void MapRoutes(RouteGroupBuilder group) => Messages(new RouteSink(this, group));

    /// <summary>
    /// One message from a broker queue (the RabbitMQ connector), <paramref name="queueType"/> being its <c>type</c> property:
    /// applied as its HTTP endpoint would apply it, or refused with the reason (and then already on the dead-letter list).
    /// Null when the type is not one of <see cref="QueueTypes"/>.
    /// </summary>
    public Task<FastTrackApplied>? ApplyQueueMessageAsync(string queueType, ReadOnlyMemory<byte> body)
    {
        if (_byQueueType is null)
        {
            var sink = new QueueSink(this);
            Messages(sink);
            _byQueueType = sink.Handlers;
        }
        return _byQueueType.TryGetValue(queueType, out var apply) ? apply(body) : null;
    }

    /// <summary>Each Fast Track message we read: its endpoint, its RabbitMQ type (null where the docs name none), and how it maps.</summary>
    private interface IMessageSink
    {
        void Add<T>(string method, string path, string? queueType, string name, JsonTypeInfo<T> type,
            Func<T, Task<FastTrackMapping>> map, Lookup lookup, string summary, string description);
    }

    private sealed class RouteSink(FastTrackAdapter adapter, RouteGroupBuilder group) : IMessageSink
    {
        public void Add<T>(string method, string path, string? queueType, string name, JsonTypeInfo<T> type,
            Func<T, Task<FastTrackMapping>> map, Lookup lookup, string summary, string description) =>
            adapter.Map(group, method, path, name, type, map, lookup, summary, description);
    }

    private sealed class QueueSink(FastTrackAdapter adapter) : IMessageSink
    {
        public Dictionary<string, Func<ReadOnlyMemory<byte>, Task<FastTrackApplied>>> Handlers { get; } = new(StringComparer.Ordinal);

        public void Add<T>(string method, string path, string? queueType, string name, JsonTypeInfo<T> type,
            Func<T, Task<FastTrackMapping>> map, Lookup lookup, string summary, string description)
        {
            if (queueType is not null) Handlers[queueType] = body => adapter.ApplyAsync(EndpointOf(path), body, type, map, lookup);
        }
    }

    private void Messages(IMessageSink sink)
    {
        sink.Add("POST", "/v1/integration/casino", "CASINO", "FastTrackCasino", FastTrackJsonContext.Default.FastTrackCasino,
            m => Task.FromResult(FastTrackMapper.Casino(m)), Lookup.None,
            "Casino bet, win or loss (Fast Track format)",
            "Fast Track's casino event. `type` Bet becomes wallet.bet (bonus_wager_amount is its bonus part; a Bet of 0, a free round, " +
            "makes no event); Win becomes wallet.win with roundClosed = is_round_end; Loss closes the round as a win of 0. " +
            "`status` Rollback reverses the event with the same activity_id. Canonical ids are `ft-casino-{activity_id}-{approved|rollback}`, " +
            "so a resent message counts once.");
        sink.Add("POST", "/v1/integration/payment", "PAYMENT", "FastTrackPayment", FastTrackJsonContext.Default.FastTrackPayment,
            m => Task.FromResult(FastTrackMapper.Payment(m)), Lookup.None,
            "Deposit or withdrawal (Fast Track format)",
            "Fast Track's payment event. `type` Credit is a deposit, Debit a withdrawal. `status` Requested is pending, Approved approved, " +
            "Rejected and Cancelled rejected; the latest state of a payment_id wins. Rollback reverses the approved payment with the same payment_id.");
        sink.Add("POST", "/v1/integration/bonus", null, "FastTrackBonus", FastTrackJsonContext.Default.FastTrackBonus,
            m => Task.FromResult(FastTrackMapper.Bonus(m)), Lookup.None,
            "Bonus status change (Fast Track format)",
            "Fast Track's bonus event. `status` Created (claimed, funds added) becomes bonus.granted keyed by user_bonus_id, with `type` as its kind; " +
            "other statuses are acknowledged and change no total.");
        sink.Add("POST", "/v2/integration/login", "LOGIN_V2", "FastTrackLogin", FastTrackJsonContext.Default.FastTrackLogin,
            m => Task.FromResult(FastTrackMapper.Login(m)), Lookup.IfNotRegistered,
            "Player login (Fast Track format)",
            "Fast Track's login event becomes player.login (device guessed from user_agent); an impersonated login (a support agent) is not " +
            "the player's activity and makes no event. A player whose registration details we do not hold yet is queued for the PAM look-up.");
        sink.Add("POST", "/v2/integration/user", "USER_CREATE_V2", "FastTrackRegistration", FastTrackJsonContext.Default.FastTrackUser,
            m => Task.FromResult(FastTrackMapper.Registration(m)), Lookup.Always,
            "Player registration (Fast Track format)",
            "Fast Track's registration message (user_id, timestamp, origin) queues the player for the PAM look-up (GET /userdetails, " +
            "/userconsents, /userblocks), which brings country, currency, consents and blocks. As an extension, fields of the userdetails answer " +
            "(country and currency together, market, birth_date, affiliate_reference, registration_code) are applied at once as player.registered.");
        sink.Add("PUT", "/v2/integration/user", "USER_UPDATE_V2", "FastTrackUserUpdate", FastTrackJsonContext.Default.FastTrackUser,
            m => Task.FromResult(FastTrackMapper.UserUpdate(m)), Lookup.Always,
            "Player details changed (Fast Track format)",
            "Fast Track's user-update message queues the player for the PAM look-up. As an extension, country, market and verified_at " +
            "(KYC verified) in the message are applied at once as player.updated.");
        sink.Add("PUT", "/v2/integration/user/blocks", "USER_BLOCK_V2", "FastTrackUserBlocks", FastTrackJsonContext.Default.FastTrackUserBlocksChanged,
            async m => FastTrackMapper.UserBlocks(m, m.Blocks is not null && PlayerIds.IsValid(m.UserId)
                && await PamConnector.RestrictedNowAsync(redis, keys, clock, m.UserId!)), Lookup.Always,
            "Player blocks changed (Fast Track format)",
            "Fast Track's user-blocks message queues the player for the PAM look-up (GET /userblocks). As an extension, a `blocks` list in " +
            "the userblocks answer's shape is applied at once: active Excluded is an indefinite self-exclusion, active Blocked a block, none " +
            "active lifts a block or exclusion the profile holds.");
        sink.Add("PUT", "/v2/integration/user/consents", null, "FastTrackUserConsents", FastTrackJsonContext.Default.FastTrackUserConsentsChanged,
            m => Task.FromResult(FastTrackMapper.UserConsents(m)), Lookup.Always,
            "Player consents changed (Fast Track format)",
            "Fast Track's user-consents message queues the player for the PAM look-up (GET /userconsents). As an extension, a `consents` list " +
            "in the userconsents answer's shape is applied at once (email, sms, telephone → phone, siteNotification → site, " +
            "pushNotification → push; postMail has no canonical channel).");
    }

    private static string EndpointOf(string path) => path[(path.IndexOf("integration/", StringComparison.Ordinal) + "integration/".Length)..];

    private void Map<T>(RouteGroupBuilder group, string method, string path, string name, JsonTypeInfo<T> type,
        Func<T, Task<FastTrackMapping>> map, Lookup lookup, string summary, string description)
    {
        var endpoint = EndpointOf(path);
        Func<HttpContext, Task<Results<Ok<IngestResult>, UnprocessableEntity<IngestResult>, ProblemHttpResult>>> handler =
            http => HandleAsync(http, endpoint, type, map, lookup);
        group.MapMethods(path, [method], handler)
            .RequireAuthorization(Scopes.EventsWrite)
            .Accepts(type.Type, "application/json")
            .Produces<IngestResult>(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .WithName(name)
            .WithSummary(summary)
            .WithDescription(description + " Auth: `X-Api-Key` with scope `events:write`. A malformed message is 400 problem+json naming " +
                "Fast Track's field (e.g. `field amount: must be a number`) and is kept on the dead-letter list; otherwise the answer is " +
                "the pipeline's `{accepted, duplicates, rejected}` (422 when nothing was accepted).");
    }

    private async Task<Results<Ok<IngestResult>, UnprocessableEntity<IngestResult>, ProblemHttpResult>> HandleAsync<T>(
        HttpContext http, string endpoint, JsonTypeInfo<T> type, Func<T, Task<FastTrackMapping>> map, Lookup lookup)
    {
        var limit = foldOptions.Value.MaxBodyBytes;
        var body = await RequestBody.ReadAsync(http.Request, limit, http.RequestAborted);
        if (body is null)
        {
            return TypedResults.Problem(statusCode: 413, title: "Body too large", detail: $"A Fast Track message may be at most {limit:N0} bytes.");
        }
        if (!RequestBody.SignatureIsValid(http, body.Value.Span))
        {
            authMetrics.Rejected("bad_signature");
            await feeds.SignatureFailedAsync(FastTrackMapper.Source);
            return TypedResults.Problem(statusCode: 401, title: "Bad signature",
                detail: $"This source signs its requests: send {EventsApi.SignatureHeader}: sha256=<hex HMAC-SHA256 of the body with the source's secret>.");
        }

        var applied = await ApplyAsync(endpoint, body.Value, type, map, lookup, http.Items[typeof(ApiKeyPrincipal)] as ApiKeyPrincipal);
        if (applied.Refusal is { } refusal)
        {
            return TypedResults.Problem(statusCode: 400, title: "Invalid Fast Track message", detail: refusal,
                extensions: new Dictionary<string, object?> { ["field"] = applied.Field });
        }
        var result = applied.Result!;
        return result.Accepted + result.Duplicates == 0 && result.Rejected.Count > 0
            ? TypedResults.UnprocessableEntity(result)
            : TypedResults.Ok(result);
    }

    private async Task<FastTrackApplied> ApplyAsync<T>(string endpoint, ReadOnlyMemory<byte> body, JsonTypeInfo<T> type,
        Func<T, Task<FastTrackMapping>> map, Lookup lookup, ApiKeyPrincipal? sender = null)
    {
        FastTrackMapping mapping;
        try
        {
            var message = JsonSerializer.Deserialize(body.Span, type)
                ?? throw new EventRejectedException("body", "must be a JSON object of Fast Track's message");
            mapping = await map(message);
        }
        catch (JsonException e)
        {
            var (field, problem) = FastTrackJsonErrors.Describe(e, type);
            return await RefuseAsync(endpoint, field, $"field {field}: {problem}", body);
        }
        catch (EventRejectedException e)
        {
            return await RefuseAsync(endpoint, e.Field, e.Message, body);
        }

        // What the message carries is applied first; the look-up only adds to it, so a PAM outage delays nothing here.
        var result = mapping.Events.Count == 0 ? new IngestResult(0, 0, []) : await ingestor.IngestFromFeedAsync(Feed, mapping.Events, sender);
        if (pam.Enabled && (lookup == Lookup.Always || (lookup == Lookup.IfNotRegistered && !await IsRegisteredAsync(mapping.PlayerId))))
        {
            await pam.EnqueueAsync(mapping.PlayerId, mapping.Time);
        }
        return new FastTrackApplied(result, null, null);
    }

    private async Task<FastTrackApplied> RefuseAsync(string endpoint, string field, string reason, ReadOnlyMemory<byte> body)
    {
        LogRefused(logger, endpoint, reason);
        // Kept with the reason so it can be fixed and replayed; Fast Track's senders retry until 200, so it also shows a stuck feed.
        await deadLetters.AddAsync(Feed, $"{endpoint}: {reason}", System.Text.Encoding.UTF8.GetString(body.Span));
        return new FastTrackApplied(null, field, reason);
    }

    /// <summary>Whether the profile holds a registration (the fold's <c>reg</c> field), i.e. the PAM has nothing new to say at login.</summary>
    private async Task<bool> IsRegisteredAsync(string playerId) => await redis.GetDatabase().HashExistsAsync(keys.Profile(playerId), ProfileFields.Registered);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Fast Track {Endpoint} message refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string endpoint, string reason);
}

/// <summary>A Fast Track message applied (<see cref="Result"/>), or refused: the field at fault and the reason, already dead-lettered.</summary>
public sealed record FastTrackApplied(IngestResult? Result, string? Field, string? Refusal);
