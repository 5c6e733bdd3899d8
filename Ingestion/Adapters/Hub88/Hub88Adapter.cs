// Follows Hub88's Operator API docs (docs.hub88.io/developer-docs/operator-api-reference):
//   "Wallet API" (POST /transaction/bet, /transaction/win, /transaction/rollback: fields user, transaction_uuid,
//   supplier_transaction_id, token, round, round_closed, request_uuid, reference_transaction_uuid, is_free,
//   is_aggregated, game_code, currency, bet, amount, meta; response {user, status, request_uuid, currency, balance}),
//   "Seamless Wallet response statuses - Operator API" (RS_OK, RS_ERROR_INVALID_SIGNATURE, RS_ERROR_WRONG_SYNTAX,
//   RS_ERROR_WRONG_TYPES, RS_ERROR_UNKNOWN), amounts as Int64 "multiplied by 100000" (TransferWallet API, same types),
//   and "Request signing" (X-Hub88-Signature: base64 RSA-SHA256 of the body, checked with Hub88's public key).
//
// Deployment: a TAP, not a wallet. The operator's wallet stays the source of truth and keeps answering Hub88; the
// operator mirrors (tees) each signed call, unchanged and with its X-Hub88-Signature header, to
// <ingestion>/compat/hub88/transaction/{bet,win,rollback}. We never sit in Hub88's money path: we do not know balances,
// so we answer in Hub88's shape with balance 0, and Hub88 must never be pointed at these endpoints directly.
using System.Text;
using System.Text.Json;
using Ingestion.DeadLetters;
using Ingestion.Events;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using Shared.ServiceDefaults.ApiKeys;

namespace Ingestion.Adapters.Hub88;

/// <summary>
/// Hub88 seamless-wallet callbacks, observed: each signed bet, win and rollback becomes one canonical event.
/// Every answer is HTTP 200 with a Hub88 status, as Hub88's wallet protocol has it (a non-200 means "network failure").
/// </summary>
public sealed partial class Hub88Adapter(
    IOptions<Hub88Options> options,
    Hub88Signature signature,
    EventIngestor ingestor,
    DeadLetterStore deadLetters,
    ApiKeyMetrics authMetrics, Feeds.FeedStats feeds,
    TimeProvider clock,
    ILogger<Hub88Adapter> logger) : IVendorAdapter
{
    public const string Feed = "hub88";

    public string Name => Feed;

    public string RoutePrefix => "/compat/hub88";

    public void MapRoutes(RouteGroupBuilder group)
    {
        if (!options.Value.Enabled) return;
        Map(group, Hub88Call.Bet, "A bet (debit) Hub88 sent the operator's wallet");
        Map(group, Hub88Call.Win, "A win (credit) Hub88 sent the operator's wallet");
        Map(group, Hub88Call.Rollback, "A rollback of a bet or win Hub88 sent the operator's wallet");
    }

    public static string PathOf(Hub88Call call) => call switch
    {
        Hub88Call.Bet => "/transaction/bet",
        Hub88Call.Win => "/transaction/win",
        _ => "/transaction/rollback",
    };

    private void Map(RouteGroupBuilder group, Hub88Call call, string summary) =>
        group.MapPost(PathOf(call), (Func<HttpContext, Task<JsonHttpResult<Hub88Response>>>)(http => HandleAsync(http, call)))
            .AllowAnonymous()
            // The body's schema by hand rather than with Accepts(), which would make routing refuse a mirror's odd
            // Content-Type with a bare 415; Hub88 (and so the mirror) reads anything but HTTP 200 as a network failure.
            .AddOpenApiOperationTransformer(async (operation, context, ct) =>
                operation.RequestBody = new OpenApiRequestBody
                {
                    Required = true,
                    Content = new Dictionary<string, OpenApiMediaType>
                    {
                        ["application/json"] = new() { Schema = await context.GetOrCreateSchemaAsync(typeof(Hub88Transaction), null, ct) },
                    },
                })
            .Produces<Hub88Response>()
            .WithName($"Hub88{call}")
            .WithSummary(summary)
            .WithDescription("A copy of Hub88's seamless-wallet call, mirrored by the operator with its X-Hub88-Signature header " +
                "(base64 RSA-SHA256 of the body, checked with Hub88's public key). Always HTTP 200 with Hub88's response shape; " +
                "balance is 0 because this tap does not hold balances. RS_ERROR_INVALID_SIGNATURE on a missing or bad signature; " +
                "RS_ERROR_WRONG_SYNTAX / RS_ERROR_WRONG_TYPES name the Hub88 field in `message`; such calls are kept on the dead-letter list.");

    internal async Task<JsonHttpResult<Hub88Response>> HandleAsync(HttpContext http, Hub88Call call)
    {
        var body = await RequestBody.ReadAsync(http.Request, options.Value.MaxBodyBytes, http.RequestAborted);
        if (body is null)
        {
            return Answer(null, Hub88Status.WrongSyntax, $"the body is larger than {options.Value.MaxBodyBytes:N0} bytes");
        }
        if (!signature.IsValid(body.Value.Span, http.Request.Headers[Hub88Signature.Header].ToString()))
        {
            authMetrics.Rejected("bad_signature");
            await feeds.SignatureFailedAsync(Hub88Mapper.Source);
            LogBadSignature(logger, call);
            // An unsigned body is not trusted: neither recorded nor echoed, beyond request_uuid.
            return Answer(RequestUuidOf(body.Value), Hub88Status.InvalidSignature,
                $"{Hub88Signature.Header} is missing or is not a valid signature of this body by Hub88's key");
        }

        Hub88Transaction? message;
        try
        {
            message = JsonSerializer.Deserialize(body.Value.Span, Hub88JsonContext.Default.Hub88Transaction);
        }
        catch (JsonException e)
        {
            var (status, reason) = DescribeJsonError(e);
            return await RefuseAsync(call, null, status, reason, body.Value);
        }
        if (message is null) return await RefuseAsync(call, null, Hub88Status.WrongSyntax, "the body must be a JSON object", body.Value);

        var mapping = Hub88Mapper.Map(call, message, clock.GetUtcNow());
        if (mapping.IsError) return await RefuseAsync(call, message, Hub88Status.WrongSyntax, mapping.Reason!, body.Value);
        if (mapping.Event is not { } canonical) return Answer(message, Hub88Status.Ok);

        var result = await ingestor.IngestFromFeedAsync(Feed, [canonical]);
        if (result.Rejected.Count == 0) return Answer(message, Hub88Status.Ok);

        // The canonical event is already on the dead-letter list (replayable once, say, an exchange rate is configured).
        var error = Hub88Mapper.ToVendorFields(result.Rejected[0].Error);
        LogRejected(logger, call, message.TransactionUuid, error);
        return Answer(message, Hub88Status.Unknown, error);
    }

    private async Task<JsonHttpResult<Hub88Response>> RefuseAsync(Hub88Call call, Hub88Transaction? message, string status, string reason, ReadOnlyMemory<byte> body)
    {
        LogRejected(logger, call, message?.TransactionUuid, reason);
        // Signed by Hub88, so it is a real wallet movement we could not record: keep the vendor message to fix and replay.
        await deadLetters.AddAsync(Feed, $"{reason} (POST {PathOf(call)})", Encoding.UTF8.GetString(body.Span));
        return Answer(message, status, reason);
    }

    private static JsonHttpResult<Hub88Response> Answer(Hub88Transaction? message, string status, string? error = null) =>
        TypedResults.Json(new Hub88Response(message?.User, status, message?.RequestUuid, message?.Currency, 0, error),
            Hub88JsonContext.Default.Hub88Response);

    /// <summary>Only request_uuid of an untrusted body, for Hub88 to match the answer to its call.</summary>
    private static Hub88Transaction? RequestUuidOf(ReadOnlyMemory<byte> body)
    {
        try
        {
            var echo = JsonSerializer.Deserialize(body.Span, Hub88JsonContext.Default.Hub88Transaction);
            return echo is null ? null : new Hub88Transaction(null, null, null, null, null, null, null, echo.RequestUuid,
                null, null, null, null, null, null, null, null, null, null);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>A value of the wrong JSON type names the Hub88 field (<c>$.amount</c> → <c>amount</c>); broken JSON is a syntax error.</summary>
    internal static (string Status, string Reason) DescribeJsonError(JsonException e)
    {
        // The reader's own errors (broken JSON) arrive wrapped; a converter's type mismatch does not.
        if (e.InnerException is JsonException || e.Path is not { Length: > 2 } path || !path.StartsWith("$.", StringComparison.Ordinal))
        {
            return (Hub88Status.WrongSyntax, "the body is not a JSON object of Hub88's wallet call");
        }
        var field = path[2..];
        var expected = field switch
        {
            "amount" => "an integer of 1/100,000 currency units, e.g. 356000 for 3.56",
            "round_closed" or "is_free" or "is_aggregated" or "is_supplier_promo" => "true or false",
            _ => "a string",
        };
        return (Hub88Status.WrongTypes, $"field {field}: must be {expected}");
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Hub88 {Call}: missing or bad X-Hub88-Signature; refused")]
    private static partial void LogBadSignature(ILogger logger, Hub88Call call);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Hub88 {Call} {TransactionUuid} not recorded: {Reason}")]
    private static partial void LogRejected(ILogger logger, Hub88Call call, string? transactionUuid, string reason);
}
