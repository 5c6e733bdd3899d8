using System.Text.Json.Serialization;

namespace Simulator.Live;

// What the operator sends and answers, in the vendors' own shapes (Ingestion's adapters document them). Kept here,
// not borrowed from Ingestion, so the simulator is an independent client of the formats it exercises.

public sealed record FtCasino(string UserId, string ActivityId, string Type, string Timestamp, string Status, decimal Amount,
    decimal? BonusWagerAmount, string Currency, decimal ExchangeRate, string GameId, string RoundId, bool IsRoundEnd, string VendorName, string Origin);

public sealed record FtPayment(string UserId, string PaymentId, string Type, string Status, string Timestamp, decimal Amount,
    string Currency, decimal ExchangeRate, string VendorName, string Origin);

public sealed record FtLogin(string UserId, string Timestamp, bool IsImpersonated, string UserAgent, string Origin);

public sealed record FtUser(string UserId, string Timestamp, string Origin);

public sealed record FtUserDetails(string UserId, string Country, string Currency, string Market, string BirthDate,
    string? AffiliateReference, string? RegistrationCode, string RegistrationDate, string? VerifiedAt, IReadOnlyList<string> Roles,
    FtSegmentation Segmentation, bool IsBlocked, bool IsExcluded, string Language, string Origin);

public sealed record FtSegmentation(string? VipLevel);

public sealed record FtConsent(bool OptedIn, string Type);

public sealed record FtUserConsents(IReadOnlyList<FtConsent> Consents);

public sealed record FtBlock(bool Active, string Type);

public sealed record FtUserBlocks(IReadOnlyList<FtBlock> Blocks);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(FtCasino))]
[JsonSerializable(typeof(FtPayment))]
[JsonSerializable(typeof(FtLogin))]
[JsonSerializable(typeof(FtUser))]
[JsonSerializable(typeof(FtUserDetails))]
[JsonSerializable(typeof(FtUserConsents))]
[JsonSerializable(typeof(FtUserBlocks))]
public sealed partial class FastTrackJson : JsonSerializerContext;

public sealed record Hub88WalletCall(
    [property: JsonPropertyName("user")] string User,
    [property: JsonPropertyName("transaction_uuid")] string TransactionUuid,
    [property: JsonPropertyName("supplier_transaction_id")] string SupplierTransactionId,
    [property: JsonPropertyName("token")] string Token,
    [property: JsonPropertyName("round")] string? Round,
    [property: JsonPropertyName("round_closed")] bool? RoundClosed,
    [property: JsonPropertyName("request_uuid")] string RequestUuid,
    [property: JsonPropertyName("reference_transaction_uuid")] string? ReferenceTransactionUuid,
    [property: JsonPropertyName("is_free")] bool IsFree,
    [property: JsonPropertyName("game_code")] string? GameCode,
    [property: JsonPropertyName("currency")] string Currency,
    [property: JsonPropertyName("amount")] long? Amount);

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(Hub88WalletCall))]
public sealed partial class Hub88Json : JsonSerializerContext;
