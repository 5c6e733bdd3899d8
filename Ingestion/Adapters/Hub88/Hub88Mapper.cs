using System.Text.Json;
using Ingestion.Events;
using Shared.Contracts;

namespace Ingestion.Adapters.Hub88;

public enum Hub88Call
{
    Bet,
    Win,
    Rollback,
}

/// <summary>What one Hub88 call becomes: a canonical event, nothing worth recording, or a field error.</summary>
public sealed record Hub88Mapping(JsonElement? Event, string? Field, string? Problem)
{
    public static Hub88Mapping Of(JsonElement e) => new(e, null, null);

    /// <summary>A valid call that moves no money and has no canonical event (a free bet's zero stake).</summary>
    public static readonly Hub88Mapping Nothing = new(null, null, null);

    public static Hub88Mapping Error(string field, string problem) => new(null, field, problem);

    public bool IsError => Field is not null;

    /// <summary>"field amount: must be …", the wording the canonical pipeline uses, with Hub88's field name.</summary>
    public string? Reason => IsError ? $"field {Field}: {Problem}" : null;
}

/// <summary>
/// Hub88 wallet calls to canonical events. Pure: the time is the caller's (Hub88's wallet calls carry none, so it is
/// when the call reached us), and the same call always gives the same event, so a retried call is a duplicate.
/// </summary>
public static class Hub88Mapper
{
    public const string Source = "/hub88";
    public const string IdPrefix = "hub88-";

    /// <summary>Hub88 amounts are integers of 1/100,000 of the currency unit.</summary>
    public const decimal UnitsPerCurrency = 100_000m;

    private const int MaxIdLength = 128;

    public static decimal ToMoney(long units) => units / UnitsPerCurrency;

    public static Hub88Mapping Map(Hub88Call call, Hub88Transaction t, DateTimeOffset receivedAt)
    {
        if (Id(t.TransactionUuid, "transaction_uuid", MaxIdLength - IdPrefix.Length) is { } txError) return txError;
        if (!PlayerIds.IsValid(t.User))
        {
            return string.IsNullOrEmpty(t.User)
                ? Hub88Mapping.Error("user", "is required (the player id)")
                : Hub88Mapping.Error("user", $"must be 1 to {PlayerIds.MaxLength} characters without braces, '|', spaces or control characters");
        }
        var id = IdPrefix + t.TransactionUuid;
        var player = t.User!;

        if (call == Hub88Call.Rollback)
        {
            if (Id(t.ReferenceTransactionUuid, "reference_transaction_uuid") is { } refError) return refError;
            if (t.ReferenceTransactionUuid == t.TransactionUuid)
            {
                return Hub88Mapping.Error("reference_transaction_uuid", "must differ from transaction_uuid (it names the transaction rolled back)");
            }
            return Hub88Mapping.Of(CanonicalEvent.Rollback(id, Source, receivedAt, player,
                new TransactionRolledBack(t.TransactionUuid!, t.ReferenceTransactionUuid!)));
        }

        if (Id(t.Round, "round") is { } roundError) return roundError;
        if (Id(t.GameCode, "game_code") is { } gameError) return gameError;
        if (t.Currency is not { Length: 3 } currency || !currency.All(char.IsAsciiLetterUpper))
        {
            return Hub88Mapping.Error("currency", t.Currency is null ? "is required" : "must be an ISO 4217 code such as \"EUR\"");
        }
        if (t.Amount is not { } units) return Hub88Mapping.Error("amount", "is required (an integer of 1/100,000 currency units)");
        if (units < 0) return Hub88Mapping.Error("amount", "must be >= 0");
        var amount = ToMoney(units);

        if (call == Hub88Call.Win)
        {
            return Hub88Mapping.Of(CanonicalEvent.Win(id, Source, receivedAt, player,
                new WinPaid(t.TransactionUuid!, t.Round!, t.GameCode!, amount, currency, t.RoundClosed)));
        }

        // A free bet reaches the wallet with amount 0 (Hub88 changelog, May 2025): no money moved, no canonical bet.
        if (units == 0) return Hub88Mapping.Nothing;
        var bonus = t.IsFree == true || t.IsSupplierPromo == true ? amount : (decimal?)null;
        return Hub88Mapping.Of(CanonicalEvent.Bet(id, Source, receivedAt, player,
            new BetPlaced(t.TransactionUuid!, t.Round!, t.GameCode!, amount, currency, BonusAmount: bonus)));
    }

    /// <summary>
    /// Rewrites a canonical pipeline error (<c>field data.amount: …</c>) with Hub88's field names, for the answer and logs.
    /// </summary>
    public static string ToVendorFields(string canonicalError)
    {
        ReadOnlySpan<(string Canonical, string Vendor)> names =
        [
            ("data.referenceTransactionId", "reference_transaction_uuid"),
            ("data.transactionId", "transaction_uuid"),
            ("data.roundId", "round"),
            ("data.gameId", "game_code"),
            ("data.amount", "amount"),
            ("data.bonusAmount", "amount"),
            ("data.currency", "currency"),
            ("data.roundClosed", "round_closed"),
            ("subject", "user"),
            ("id", "transaction_uuid"),
        ];
        const string prefix = "field ";
        if (!canonicalError.StartsWith(prefix, StringComparison.Ordinal)) return canonicalError;
        foreach (var (canonical, vendor) in names)
        {
            var head = prefix + canonical + ":";
            if (canonicalError.StartsWith(head, StringComparison.Ordinal))
            {
                return prefix + vendor + ":" + canonicalError[head.Length..];
            }
        }
        return canonicalError;
    }

    private static Hub88Mapping? Id(string? value, string field, int maxLength = MaxIdLength)
    {
        if (string.IsNullOrEmpty(value)) return Hub88Mapping.Error(field, "is required");
        if (value.Length > maxLength || value.Any(char.IsControl))
        {
            return Hub88Mapping.Error(field, $"must be 1 to {maxLength} printable characters");
        }
        return null;
    }
}
