using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Shared.Contracts;

namespace Ingestion.Adapters;

/// <summary>
/// Builds canonical CloudEvents from a vendor's message. Adapters produce these and hand them to
/// <see cref="Events.EventIngestor"/>, so every feed shares one validation and one fold.
/// </summary>
public static class CanonicalEvent
{
    public static JsonElement Create<TData>(string id, string source, string type, DateTimeOffset? time, string playerId,
        TData data, JsonTypeInfo<TData> dataType)
    {
        var envelope = new CloudEvent("1.0", id, source, type, time, playerId, JsonSerializer.SerializeToElement(data, dataType));
        return JsonSerializer.SerializeToElement(envelope, ContractsJsonContext.Default.CloudEvent);
    }

    public static JsonElement Bet(string id, string source, DateTimeOffset? time, string playerId, BetPlaced data) =>
        Create(id, source, EventTypes.WalletBet, time, playerId, data, ContractsJsonContext.Default.BetPlaced);

    public static JsonElement Win(string id, string source, DateTimeOffset? time, string playerId, WinPaid data) =>
        Create(id, source, EventTypes.WalletWin, time, playerId, data, ContractsJsonContext.Default.WinPaid);

    public static JsonElement Rollback(string id, string source, DateTimeOffset? time, string playerId, TransactionRolledBack data) =>
        Create(id, source, EventTypes.WalletRollback, time, playerId, data, ContractsJsonContext.Default.TransactionRolledBack);

    public static JsonElement Payment(string id, string source, string type, DateTimeOffset? time, string playerId, PaymentMade data) =>
        Create(id, source, type, time, playerId, data, ContractsJsonContext.Default.PaymentMade);

    public static JsonElement Registered(string id, string source, DateTimeOffset? time, string playerId, PlayerRegistered data) =>
        Create(id, source, EventTypes.PlayerRegistered, time, playerId, data, ContractsJsonContext.Default.PlayerRegistered);

    public static JsonElement Updated(string id, string source, DateTimeOffset? time, string playerId, PlayerUpdated data) =>
        Create(id, source, EventTypes.PlayerUpdated, time, playerId, data, ContractsJsonContext.Default.PlayerUpdated);

    public static JsonElement Login(string id, string source, DateTimeOffset? time, string playerId, PlayerLoggedIn data) =>
        Create(id, source, EventTypes.PlayerLogin, time, playerId, data, ContractsJsonContext.Default.PlayerLoggedIn);

    public static JsonElement Consent(string id, string source, DateTimeOffset? time, string playerId, ConsentChanged data) =>
        Create(id, source, EventTypes.PlayerConsent, time, playerId, data, ContractsJsonContext.Default.ConsentChanged);

    public static JsonElement Rg(string id, string source, DateTimeOffset? time, string playerId, RgChanged data) =>
        Create(id, source, EventTypes.PlayerRg, time, playerId, data, ContractsJsonContext.Default.RgChanged);

    public static JsonElement Kyc(string id, string source, DateTimeOffset? time, string playerId, KycVerdict data) =>
        Create(id, source, EventTypes.PlayerKyc, time, playerId, data, ContractsJsonContext.Default.KycVerdict);

    public static JsonElement Aml(string id, string source, DateTimeOffset? time, string playerId, AmlVerdict data) =>
        Create(id, source, EventTypes.PlayerAml, time, playerId, data, ContractsJsonContext.Default.AmlVerdict);

    public static JsonElement Geo(string id, string source, DateTimeOffset? time, string playerId, GeoVerdict data) =>
        Create(id, source, EventTypes.PlayerGeo, time, playerId, data, ContractsJsonContext.Default.GeoVerdict);

    public static JsonElement Bonus(string id, string source, DateTimeOffset? time, string playerId, BonusGranted data) =>
        Create(id, source, EventTypes.BonusGranted, time, playerId, data, ContractsJsonContext.Default.BonusGranted);
}
