using System.Text.Json;
using System.Text.Json.Serialization;

namespace Shared.Contracts;

/// <summary>The canonical event types of docs/contract.md ("Events in").</summary>
public static class EventTypes
{
    public const string PlayerRegistered = "player.registered";
    public const string PlayerUpdated = "player.updated";
    public const string PlayerLogin = "player.login";
    public const string PlayerConsent = "player.consent";
    public const string PlayerRg = "player.rg";
    public const string WalletDeposit = "wallet.deposit";
    public const string WalletWithdrawal = "wallet.withdrawal";
    public const string WalletBet = "wallet.bet";
    public const string WalletWin = "wallet.win";
    public const string WalletRollback = "wallet.rollback";
    public const string BonusGranted = "bonus.granted";
    public const string GameSession = "game.session";
    public const string PlayerKyc = "player.kyc";
    public const string PlayerAml = "player.aml";
    public const string PlayerGeo = "player.geo";

    public static readonly IReadOnlyList<string> All =
    [
        PlayerRegistered, PlayerUpdated, PlayerLogin, PlayerConsent, PlayerRg,
        WalletDeposit, WalletWithdrawal, WalletBet, WalletWin, WalletRollback,
        BonusGranted, GameSession, PlayerKyc, PlayerAml, PlayerGeo,
    ];

    // What the lobby showed and what was launched from it: counted per experiment, group, row and position by a lean
    // path of their own in Ingestion (never folded into the profile, so they never trigger a rescore or a lobby push).
    public const string LobbyImpression = "lobby.impression";
    public const string LobbyLaunch = "lobby.launch";

    public static readonly IReadOnlyList<string> Lobby = [LobbyImpression, LobbyLaunch];
}

/// <summary>A CloudEvents 1.0 envelope in JSON structured mode; <c>subject</c> is the player id.</summary>
public sealed record CloudEvent(
    // CloudEvents attribute names are lower-case, not camelCase.
    [property: JsonPropertyName("specversion")] string SpecVersion,
    string Id,
    string Source,
    string Type,
    DateTimeOffset? Time,
    string Subject,
    JsonElement Data);

public sealed record PlayerRegistered(
    string Country, string Currency, string? Market = null, int? BirthYear = null,
    string? Channel = null, string? AffiliateId = null, string? Campaign = null, string? Btag = null, string? ClickId = null);

/// <summary>Data of <c>player.kyc</c> (contract 1b): an identity verification verdict.</summary>
public sealed record KycVerdict(string Status, string Provider, string? Level = null, IReadOnlyList<string>? Reasons = null, bool? Final = null);

/// <summary>Data of <c>player.aml</c>: an anti-money-laundering risk assessment.</summary>
public sealed record AmlVerdict(string RiskLevel, string Provider, IReadOnlyList<string>? Reasons = null);

/// <summary>Data of <c>player.geo</c>: a geolocation check (e.g. a GeoComply result forwarded by the operator's backend).</summary>
public sealed record GeoVerdict(string Result, string? Country = null, string? Region = null, IReadOnlyList<string>? Reasons = null);

public sealed record PlayerUpdated(
    string? Country = null, string? Market = null, string? KycStatus = null, string? VipTier = null);

public sealed record PlayerLoggedIn(string? Device = null);

public sealed record ConsentChanged(string Channel, bool Granted);

public sealed record RgChanged(string Kind, DateTimeOffset? Until = null, decimal? Amount = null, string? Period = null);

/// <summary>Data of <c>wallet.deposit</c> and <c>wallet.withdrawal</c> (contract 1b: statuses, methods, decline reasons).</summary>
/// <param name="Provider">The payment service provider (PSP) that handled it.</param>
/// <param name="DeclineReason">A decline's normalised reason (<c>insufficient_funds</c> … <c>other</c>).</param>
/// <param name="VendorCode">The PSP's own status or decline code, as it sent it.</param>
public sealed record PaymentMade(
    string TransactionId, decimal Amount, string Currency, string Status,
    string? Method = null, decimal? ExchangeRate = null, string? Provider = null, string? DeclineReason = null, string? VendorCode = null);

public sealed record BetPlaced(
    string TransactionId, string RoundId, string GameId, decimal Amount, string Currency,
    decimal? BonusAmount = null, decimal? ExchangeRate = null);

public sealed record WinPaid(
    string TransactionId, string RoundId, string GameId, decimal Amount, string Currency,
    bool? RoundClosed = null, decimal? ExchangeRate = null);

public sealed record TransactionRolledBack(string TransactionId, string ReferenceTransactionId);

public sealed record BonusGranted(string BonusId, decimal Amount, string Currency, string? Kind = null);

public sealed record GameSessionPlayed(string GameId, DateTimeOffset StartedAt, DateTimeOffset EndedAt, string? Device = null);

/// <summary>
/// Data of <c>lobby.impression</c>: one row as a player saw it. <paramref name="Experiments"/> names the group the player
/// is in for each experiment the row belongs to (<c>{"lobby-personalisation":"treatment"}</c>), as
/// <c>GET /v1/experiments/{id}/players/{playerId}</c> answered.
/// </summary>
/// <param name="List">The row: a recommendation list (<c>for-you</c>…), <c>placement-{id}</c>, <c>category-slots</c>…</param>
/// <param name="RowPosition">The row's place on the page, 0 at the top.</param>
/// <param name="GameIds">The games shown, in order: a game's position is its index.</param>
public sealed record LobbyImpressed(
    string List, int RowPosition, IReadOnlyList<string> GameIds,
    string? ModelVersion = null, IReadOnlyDictionary<string, string>? Experiments = null);

/// <summary>Data of <c>lobby.launch</c>: a game launched from a tile of a row the player was shown.</summary>
/// <param name="ImpressionId">The id of the <c>lobby.impression</c> event of the row.</param>
/// <param name="Position">The tile's position in the row, 0 first.</param>
public sealed record LobbyLaunched(
    string ImpressionId, string List, int RowPosition, int Position, string GameId,
    string? ModelVersion = null, IReadOnlyDictionary<string, string>? Experiments = null);

/// <summary>Answer of <c>POST /v1/events</c>.</summary>
public sealed record IngestResult(int Accepted, int Duplicates, IReadOnlyList<RejectedEvent> Rejected);

public sealed record RejectedEvent(int Index, string? Id, string Error);
