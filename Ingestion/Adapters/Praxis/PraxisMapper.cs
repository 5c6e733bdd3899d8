// Follows Praxis's public integration docs (doc.praxiscashier.com, "Webhooks Notification" and "Objects Transaction",
// API v1.3; docs.praxis.tech "Payment Notification"): a notification carries merchant_id, application_key, customer
// {customer_token, …}, session {order_id, cid "unique customer id in your system", …}, transaction {transaction_type
// sale|payout|refund|authorization, transaction_status, tid, transaction_id, currency, amount "in cents",
// conversion_rate, processed_currency, processed_amount, payment_method, payment_processor, status_code,
// status_details, reference_id (a refund's original deposit)}, version, timestamp (unix seconds). Statuses: deposit
// pending, pending_async, authorized, approved, declined (obsolete), rejected, chargeback, reversed, cancelled, error;
// payout requested, pending_async, authorized, in progress, approved, rejected, reversed, cancelled, error.
// "IMPORTANT: pay attention at charge_amount ... the amount processed differs from amount due to conversion rate or fees"
// (Cashier API 3.4): we count the money actually processed, processed_amount (v1.3) or charge_amount (v1.2), else amount.
using System.Globalization;
using System.Text.Json;
using Shared.Contracts;
using static Ingestion.Adapters.VendorWebhooks;

namespace Ingestion.Adapters.Praxis;

/// <summary>
/// A Praxis cashier notification as a canonical payment event: one Praxis transaction (<c>tid</c>) is one canonical
/// transaction moving through states, so resends and late notifications fold exactly. A refund is the refunded state
/// of the deposit it references.
/// </summary>
public static class PraxisMapper
{
    public const string Source = "/compat/praxis";

    /// <summary>9999-12-31T23:59:59Z, the last second a <see cref="DateTimeOffset"/> holds.</summary>
    private const long MaxUnixSeconds = 253_402_300_799;

    public static VendorMapping Map(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object) return VendorMapping.Fail("the body must be a JSON object");
        var t = Child(body, "transaction");
        // "Appears as null in case of expired session": nothing was paid.
        if (t.ValueKind != JsonValueKind.Object) return VendorMapping.Ignored;
        var session = Child(body, "session");
        var player = Text(session, "cid") ?? Text(Child(body, "customer"), "cid");
        if (string.IsNullOrEmpty(player)) return VendorMapping.Fail("field session.cid: is required (the player id, sent as cid when the cashier session was opened)");
        var tid = Text(t, "tid");
        if (string.IsNullOrEmpty(tid)) return VendorMapping.Fail("field transaction.tid: is required");
        var type = Text(t, "transaction_type");
        var status = Text(t, "transaction_status");
        var time = Text(body, "timestamp") is { } ts && long.TryParse(ts, CultureInfo.InvariantCulture, out var seconds)
            // Past year 9999 is no time DateTimeOffset can hold: refused below as any unreadable timestamp.
            && seconds is >= 0 and <= MaxUnixSeconds
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : (DateTimeOffset?)null;
        if (time is null) return VendorMapping.Fail("field timestamp: is required (unix seconds from 1970 to 9999)");

        string canonical, txId, eventType;
        switch (type)
        {
            case "sale" or "authorization" or "authorize":
                eventType = EventTypes.WalletDeposit;
                txId = "praxis:" + tid;
                canonical = status switch
                {
                    "pending" or "pending_async" or "authorized" or "initialized" => "pending",
                    "approved" => "approved",
                    "declined" or "rejected" or "error" => "rejected",
                    "chargeback" => "chargeback",
                    "reversed" => "reversed",
                    "cancelled" => "cancelled",
                    _ => "",
                };
                break;
            case "payout":
                eventType = EventTypes.WalletWithdrawal;
                txId = "praxis:" + tid;
                canonical = status switch
                {
                    "requested" or "pending" or "pending_async" or "authorized" or "in progress" => "pending",
                    "approved" => "approved",
                    "rejected" or "declined" or "error" => "rejected",
                    "reversed" => "reversed",
                    "cancelled" => "cancelled",
                    _ => "",
                };
                break;
            case "refund":
                // A refund is its own Praxis transaction returning an approved deposit (reference_id): once approved it is
                // that deposit's refunded state; until then nothing has moved.
                if (status != "approved") return VendorMapping.Ignored;
                var reference = Text(t, "reference_id");
                if (string.IsNullOrEmpty(reference)) return VendorMapping.Fail("field transaction.reference_id: a refund must name the deposit it returns");
                eventType = EventTypes.WalletDeposit;
                txId = "praxis:" + reference;
                canonical = "refunded";
                break;
            default:
                return VendorMapping.Fail($"field transaction.transaction_type: must be sale, payout or refund, got '{type}'");
        }
        if (canonical.Length == 0) return VendorMapping.Fail($"field transaction.transaction_status: '{status}' is not a Praxis status of a {type}");

        var (amount, currency, error) = Money(t);
        if (error is not null) return VendorMapping.Fail(error);
        var declined = canonical == "rejected";
        var code = Text(t, "status_code");
        var data = new PaymentMade(txId, amount, currency!, canonical,
            Method: PaymentMethods.Normalise(Text(t, "payment_method")),
            Provider: Text(t, "payment_processor") is { Length: > 0 and <= 128 } p ? p : "praxis",
            DeclineReason: declined ? DeclineReasons.Normalise(Text(t, "status_details") ?? code) : null,
            VendorCode: code is { Length: > 0 and <= 128 } ? code : null);
        // One event per (transaction, status): a resend after a non-OK answer is the same event.
        return VendorMapping.Of(CanonicalEvent.Payment($"praxis-{tid}-{status}", Source, eventType, time, player, data));
    }

    /// <summary>The money processed, in major units: processed_amount/processed_currency, else charge_amount/charge_currency, else amount/currency (all in cents).</summary>
    private static (decimal Amount, string? Currency, string? Error) Money(JsonElement t)
    {
        foreach (var (a, c) in new[] { ("processed_amount", "processed_currency"), ("charge_amount", "charge_currency"), ("amount", "currency") })
        {
            var cents = Text(t, a);
            if (cents is null) continue;
            var currency = Text(t, c) ?? Text(t, "currency");
            if (!long.TryParse(cents, NumberStyles.Integer, CultureInfo.InvariantCulture, out var minor) || minor <= 0)
            {
                return (0, null, $"field transaction.{a}: must be a positive whole number of cents, got '{cents}'");
            }
            if (currency is null) return (0, null, $"field transaction.{c}: is required with {a}");
            return (minor / MinorUnits.PerMajor(currency), currency, null);
        }
        return (0, null, "field transaction.amount: is required (cents)");
    }
}
