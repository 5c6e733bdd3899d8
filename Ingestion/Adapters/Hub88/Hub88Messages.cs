using System.Text.Json;
using System.Text.Json.Serialization;

namespace Ingestion.Adapters.Hub88;

/// <summary>
/// The body of Hub88's <c>/transaction/bet</c>, <c>/transaction/win</c> and <c>/transaction/rollback</c> calls to an
/// operator's seamless wallet, with Hub88's own field names. Everything is nullable: <see cref="Hub88Mapper"/> says
/// which required field is missing, naming it as Hub88 does. <c>bet</c> and <c>meta</c> are free-form per game
/// (Hub88: "metadata ... varies per game"), so they are kept as raw JSON and never refuse a message.
/// </summary>
/// <param name="Amount">Integer, in 1/100,000 of a currency unit (Hub88: "$3.56 is represented as 356000").</param>
public sealed record Hub88Transaction(
    [property: JsonPropertyName("user")] string? User,
    [property: JsonPropertyName("transaction_uuid")] string? TransactionUuid,
    [property: JsonPropertyName("supplier_transaction_id")] string? SupplierTransactionId,
    [property: JsonPropertyName("token")] string? Token,
    [property: JsonPropertyName("supplier_user")] string? SupplierUser,
    [property: JsonPropertyName("round")] string? Round,
    [property: JsonPropertyName("round_closed")] bool? RoundClosed,
    [property: JsonPropertyName("request_uuid")] string? RequestUuid,
    [property: JsonPropertyName("reference_transaction_uuid")] string? ReferenceTransactionUuid,
    [property: JsonPropertyName("is_free")] bool? IsFree,
    [property: JsonPropertyName("is_aggregated")] bool? IsAggregated,
    [property: JsonPropertyName("is_supplier_promo")] bool? IsSupplierPromo,
    [property: JsonPropertyName("reward_uuid")] string? RewardUuid,
    [property: JsonPropertyName("game_code")] string? GameCode,
    [property: JsonPropertyName("currency")] string? Currency,
    [property: JsonPropertyName("bet")] JsonElement? Bet,
    [property: JsonPropertyName("amount")] long? Amount,
    [property: JsonPropertyName("meta")] JsonElement? Meta);

/// <summary>Hub88's wallet response: <c>{user, status, request_uuid, currency, balance}</c>, always with HTTP 200.</summary>
/// <param name="Balance">Integer, 1/100,000 units. A tap does not know balances, so it is always 0.</param>
/// <param name="Message">Not in Hub88's schema: on an error, what was wrong (naming Hub88's field), for whoever reads the mirror's logs.</param>
public sealed record Hub88Response(
    [property: JsonPropertyName("user")] string? User,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("request_uuid")] string? RequestUuid,
    [property: JsonPropertyName("currency")] string? Currency,
    [property: JsonPropertyName("balance")] long Balance,
    [property: JsonPropertyName("message"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Message = null);

/// <summary>The statuses of Hub88's "Seamless Wallet response statuses - Operator API" that the tap answers with.</summary>
public static class Hub88Status
{
    public const string Ok = "RS_OK";
    public const string Unknown = "RS_ERROR_UNKNOWN";
    public const string InvalidSignature = "RS_ERROR_INVALID_SIGNATURE";
    public const string WrongSyntax = "RS_ERROR_WRONG_SYNTAX";
    public const string WrongTypes = "RS_ERROR_WRONG_TYPES";
}

// Names are explicit on the records (so the OpenAPI document shows Hub88's names too); numbers must be JSON numbers.
[JsonSourceGenerationOptions(JsonSerializerDefaults.General, NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(Hub88Transaction))]
[JsonSerializable(typeof(Hub88Response))]
public sealed partial class Hub88JsonContext : JsonSerializerContext;
