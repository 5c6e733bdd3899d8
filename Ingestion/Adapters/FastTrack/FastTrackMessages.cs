using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Ingestion.Adapters.FastTrack;

// Fast Track's real-time messages and operator-API answers, with Fast Track's own field names (snake_case).
// Everything is nullable: FastTrackMapper says which required field is missing, naming it as Fast Track does. Parameters
// without a default are the fields every message of the kind needs (the OpenAPI document lists them as required).
// Ids are read from a JSON string or number, since operators send user_id both ways (Fast Track's loyalty page types it int).
// Fields we do not use (balances, meta, fasttrack_references, names, e-mail, address, phone) are not read at all.

/// <summary><c>POST /v1/integration/casino</c>: one bet, win or loss (Fast Track: "Casino: Bet / Win Events").</summary>
/// <param name="Amount">wager_amount + bonus_wager_amount + locked_wager_amount.</param>
/// <param name="Status"><c>Approved</c> (also when absent) or <c>Rollback</c>, which reverses the event with this activity_id.</param>
public sealed record FastTrackCasino(
    [property: JsonConverter(typeof(FastTrackIdConverter))] string? UserId,
    [property: JsonConverter(typeof(FastTrackIdConverter))] string? ActivityId,
    string? Type,
    string? Timestamp,
    string? Status = null,
    decimal? Amount = null,
    decimal? WagerAmount = null,
    decimal? BonusWagerAmount = null,
    decimal? LockedWagerAmount = null,
    string? Currency = null,
    decimal? ExchangeRate = null,
    [property: JsonConverter(typeof(FastTrackIdConverter))] string? GameId = null,
    string? GameName = null,
    string? GameType = null,
    [property: JsonConverter(typeof(FastTrackIdConverter))] string? RoundId = null,
    bool? IsRoundEnd = null,
    [property: JsonConverter(typeof(FastTrackIdConverter))] string? VendorId = null,
    string? VendorName = null,
    string? Origin = null);

/// <summary><c>POST /v1/integration/payment</c>: a deposit (<c>Credit</c>) or withdrawal (<c>Debit</c>) in one of its states.</summary>
/// <param name="Status"><c>Requested</c>, <c>Approved</c>, <c>Rejected</c>, <c>Cancelled</c> or <c>Rollback</c> (of an approved payment, same payment_id).</param>
public sealed record FastTrackPayment(
    [property: JsonConverter(typeof(FastTrackIdConverter))] string? UserId,
    [property: JsonConverter(typeof(FastTrackIdConverter))] string? PaymentId,
    string? Type,
    string? Status,
    string? Timestamp,
    decimal? Amount = null,
    string? Currency = null,
    decimal? ExchangeRate = null,
    decimal? FeeAmount = null,
    string? BonusCode = null,
    [property: JsonConverter(typeof(FastTrackIdConverter))] string? VendorId = null,
    string? VendorName = null,
    string? Origin = null);

/// <summary><c>POST /v1/integration/bonus</c>: one status change of a player's bonus.</summary>
public sealed record FastTrackBonus(
    [property: JsonConverter(typeof(FastTrackIdConverter))] string? UserId,
    [property: JsonConverter(typeof(FastTrackIdConverter))] string? UserBonusId,
    string? Status,
    string? Timestamp,
    [property: JsonConverter(typeof(FastTrackIdConverter))] string? BonusId = null,
    string? Type = null,
    decimal? Amount = null,
    string? Currency = null,
    decimal? ExchangeRate = null,
    string? BonusCode = null,
    decimal? BonusTurnedReal = null,
    decimal? LockedAmount = null,
    decimal? RequiredWageringAmount = null,
    string? Product = null,
    string? Origin = null);

/// <summary><c>POST /v2/integration/login</c>.</summary>
/// <param name="IsImpersonated">True when a support agent logged in as the player.</param>
public sealed record FastTrackLogin(
    [property: JsonConverter(typeof(FastTrackIdConverter))] string? UserId,
    string? Timestamp,
    bool? IsImpersonated = null,
    string? IpAddress = null,
    string? UserAgent = null,
    string? Origin = null);

/// <summary>
/// <c>POST /v2/integration/user</c> (registration) and <c>PUT /v2/integration/user</c> (user update). Fast Track's message
/// carries only who and when; the details come from the operator's <c>GET /userdetails/{id}</c>. As an extension, an
/// operator may add fields of that answer (country, currency, market, birth_date, affiliate_reference,
/// registration_code, verified_at), which are applied at once, before (and whatever) the PAM answers.
/// </summary>
public sealed record FastTrackUser(
    [property: JsonConverter(typeof(FastTrackIdConverter))] string? UserId,
    string? Timestamp,
    string? Origin = null,
    string? Note = null,
    string? UserAgent = null,
    string? IpAddress = null,
    string? Country = null,
    string? Currency = null,
    string? Market = null,
    string? BirthDate = null,
    string? AffiliateReference = null,
    string? RegistrationCode = null,
    string? VerifiedAt = null);

/// <summary>
/// <c>PUT /v2/integration/user/blocks</c>: the player's blocks changed. As an extension, <c>blocks</c> may carry the
/// same list <c>GET /userblocks/{id}</c> answers, applied at once.
/// </summary>
public sealed record FastTrackUserBlocksChanged(
    [property: JsonConverter(typeof(FastTrackIdConverter))] string? UserId,
    string? Timestamp,
    string? Origin = null,
    IReadOnlyList<FastTrackBlock>? Blocks = null);

/// <summary>
/// <c>PUT /v2/integration/user/consents</c>: the player's consents changed. As an extension, <c>consents</c> may carry
/// the same list <c>GET /userconsents/{id}</c> answers, applied at once.
/// </summary>
public sealed record FastTrackUserConsentsChanged(
    [property: JsonConverter(typeof(FastTrackIdConverter))] string? UserId,
    string? Timestamp,
    string? Origin = null,
    IReadOnlyList<FastTrackConsent>? Consents = null);

/// <summary>The operator's <c>GET /userdetails/{id}</c> answer (the fields we use; personal contact data is not read).</summary>
/// <param name="Segmentation">Free-form operator data; <c>vip_level</c>, when present, becomes the VIP tier.</param>
public sealed record FastTrackUserDetails(
    [property: JsonConverter(typeof(FastTrackIdConverter))] string? UserId,
    string? Country,
    string? Currency,
    string? Market,
    string? BirthDate,
    string? AffiliateReference,
    string? RegistrationCode,
    string? RegistrationDate,
    string? VerifiedAt,
    IReadOnlyList<string>? Roles,
    JsonElement? Segmentation,
    bool? IsBlocked,
    bool? IsExcluded,
    string? Language,
    string? Origin);

/// <summary>The operator's <c>GET /userconsents/{id}</c> answer.</summary>
public sealed record FastTrackUserConsents(IReadOnlyList<FastTrackConsent>? Consents);

/// <param name="Type"><c>email</c>, <c>sms</c>, <c>telephone</c>, <c>postMail</c>, <c>siteNotification</c>, <c>pushNotification</c>.</param>
/// <param name="Products">UKGC product-specific consents; not used (a channel is granted when opted_in).</param>
public sealed record FastTrackConsent(bool? OptedIn, string? Type, IReadOnlyList<string>? Products = null);

/// <summary>The operator's <c>GET /userblocks/{id}</c> answer.</summary>
public sealed record FastTrackUserBlocks(IReadOnlyList<FastTrackBlock>? Blocks);

/// <param name="Type"><c>Blocked</c> or <c>Excluded</c>.</param>
public sealed record FastTrackBlock(bool? Active, string? Type, string? Note = null);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    NumberHandling = JsonNumberHandling.AllowReadingFromString,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(FastTrackCasino))]
[JsonSerializable(typeof(FastTrackPayment))]
[JsonSerializable(typeof(FastTrackBonus))]
[JsonSerializable(typeof(FastTrackLogin))]
[JsonSerializable(typeof(FastTrackUser))]
[JsonSerializable(typeof(FastTrackUserBlocksChanged))]
[JsonSerializable(typeof(FastTrackUserConsentsChanged))]
[JsonSerializable(typeof(FastTrackUserDetails))]
[JsonSerializable(typeof(FastTrackUserConsents))]
[JsonSerializable(typeof(FastTrackUserBlocks))]
public sealed partial class FastTrackJsonContext : JsonSerializerContext;

/// <summary>An id Fast Track documents as a string but operators also send as a number: both read as the same string.</summary>
public sealed class FastTrackIdConverter : JsonConverter<string>
{
    public override bool HandleNull => false;

    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString(),
        JsonTokenType.Number => Encoding.UTF8.GetString(reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan),
        _ => throw new JsonException("expected a string or a number"),
    };

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);
}
