// Follows Trustly's public API docs (docs.trustly.com / eu.developers.trustly.com): notifications are JSON-RPC 1.1 POSTs
// {"method":"credit"|"debit"|"pending"|"cancel","params":{"signature","uuid","data":{amount, currency, messageid, orderid,
// enduserid "the ID of the end-user in your system", notificationid "each notification must only be handled once",
// timestamp "2010-01-20 14:42:04.675645+01", attributes}},"version":"1.1"}. "Authentication": the signature is the base64
// RSA-SHA1 signature of method + uuid + the serialised data (every key and scalar, keys sorted ASCIIbetically, null as an
// empty string), made with Trustly's private key; the merchant answers {"result":{"signature","uuid","method","data":
// {"status":"OK"}},"version":"1.1"} signed with its own key, and Trustly resends a notification until it gets one.
// Credit notification: "when the end-user's account balance should be credited ... a deposit has been made or a previously
// requested withdrawal has been cancelled". Debit notification: "The funds have not been received for a Deposit: ... a
// credit notification has been previously sent, but the corresponding funds fail to settle" or "Initiated Withdrawal
// Request: When a user completes the Withdrawal process".
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ingestion.Events;
using Microsoft.Extensions.Options;
using Shared.Contracts;
using Shared.ServiceDefaults.ApiKeys;
using Shared.Store;
using StackExchange.Redis;
using static Ingestion.Adapters.VendorWebhooks;

namespace Ingestion.Adapters.Trustly;

/// <summary>Section <c>Trustly</c>: <c>Enabled</c> maps <c>POST /compat/trustly/notification</c>.</summary>
public sealed class TrustlyOptions : VendorWebhookOptions
{
    public const string Section = "Trustly";

    /// <summary>Trustly's public key (PEM) that signs its notifications (the TEST and LIVE keys are in Trustly's docs).</summary>
    public string? TrustlyPublicKeyPem { get; set; }

    /// <summary>The merchant's private key (PEM) that signs our answers, the pair of the public key Trustly holds.</summary>
    public string? MerchantPrivateKeyPem { get; set; }
}

public sealed class TrustlyOptionsValidator : IValidateOptions<TrustlyOptions>
{
    public ValidateOptionsResult Validate(string? name, TrustlyOptions options)
    {
        var basics = options.Validate(TrustlyOptions.Section, nameof(options.TrustlyPublicKeyPem), options.TrustlyPublicKeyPem, "Trustly's public key, PEM");
        if (basics.Failed || !options.Enabled) return basics;
        try
        {
            using var verify = RSA.Create();
            verify.ImportFromPem(options.TrustlyPublicKeyPem ?? throw new ArgumentException("Trustly:TrustlyPublicKeyPem is required when Trustly:Enabled is true"));
            using var sign = RSA.Create();
            sign.ImportFromPem(options.MerchantPrivateKeyPem ?? throw new ArgumentException("Trustly:MerchantPrivateKeyPem is required when Trustly:Enabled is true"));
            return ValidateOptionsResult.Success;
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            return ValidateOptionsResult.Fail(e.Message);
        }
    }
}

/// <summary>Trustly's signature: method + uuid + the data serialised as its docs say, RSA-SHA1 (PKCS#1 v1.5), base64.</summary>
public static class TrustlySignature
{
    public static string Serialise(JsonNode? node)
    {
        var sb = new StringBuilder();
        Append(sb, node);
        return sb.ToString();
    }

    private static void Append(StringBuilder sb, JsonNode? node)
    {
        switch (node)
        {
            case null:
                return;
            case JsonObject o:
                foreach (var (key, value) in o.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    sb.Append(key);
                    Append(sb, value);
                }
                return;
            case JsonArray a:
                foreach (var item in a) Append(sb, item);
                return;
            default:
                var v = node.AsValue();
                sb.Append(v.GetValueKind() switch
                {
                    JsonValueKind.String => v.GetValue<string>(),
                    JsonValueKind.True => "1",
                    JsonValueKind.False => "",
                    _ => v.ToJsonString(),
                });
                return;
        }
    }

    public static byte[] Plain(string method, string uuid, JsonNode? data) => Encoding.UTF8.GetBytes(method + uuid + Serialise(data));

    public static bool Verify(string publicKeyPem, string method, string uuid, JsonNode? data, string? signature)
    {
        if (string.IsNullOrEmpty(signature)) return false;
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(signature);
        }
        catch (FormatException)
        {
            return false;
        }
        using var rsa = RSA.Create();
        rsa.ImportFromPem(publicKeyPem);
        return rsa.VerifyData(Plain(method, uuid, data), bytes, HashAlgorithmName.SHA1, RSASignaturePadding.Pkcs1);
    }

    public static string Sign(string privateKeyPem, string method, string uuid, JsonNode? data)
    {
        using var rsa = RSA.Create();
        rsa.ImportFromPem(privateKeyPem);
        return Convert.ToBase64String(rsa.SignData(Plain(method, uuid, data), HashAlgorithmName.SHA1, RSASignaturePadding.Pkcs1));
    }
}

/// <summary>
/// Trustly notifications as canonical payments of transaction <c>trustly:{orderid}</c>. An order's direction is fixed by
/// the first notification seen for it (kept beside the player's keys): <c>pending</c> or <c>credit</c> first is a deposit,
/// <c>debit</c> first a withdrawal. Deposit: pending → pending, credit → approved, debit → reversed (not settled),
/// cancel → cancelled. Withdrawal: debit → approved (the balance leaves the account), credit → reversed (the withdrawal was
/// cancelled and the money returned to the player), cancel → cancelled. Each <c>notificationid</c> is one event.
/// </summary>
public static class TrustlyMapper
{
    public const string Source = "/compat/trustly";
    public static readonly IReadOnlyList<string> Methods = ["credit", "debit", "pending", "cancel"];

    /// <summary>The direction an order takes when this notification is the first seen of it.</summary>
    public static char DirectionOf(string method) => method == "debit" ? 'w' : 'd';

    public static VendorMapping Map(string method, JsonElement data, char direction, (string Amount, string Currency)? known)
    {
        var player = Text(data, "enduserid");
        if (string.IsNullOrEmpty(player)) return VendorMapping.Fail("field params.data.enduserid: is required (our player id)");
        var order = Text(data, "orderid");
        var notification = Text(data, "notificationid");
        if (string.IsNullOrEmpty(order) || string.IsNullOrEmpty(notification)) return VendorMapping.Fail("fields params.data.orderid and notificationid: are required");
        var deposit = direction == 'd';
        var status = (method, deposit) switch
        {
            ("pending", true) => "pending",
            ("credit", true) => "approved",
            ("debit", true) => "reversed",
            ("debit", false) => "approved",
            ("credit", false) => "reversed",
            ("cancel", _) => "cancelled",
            _ => null,
        };
        if (status is null) return VendorMapping.Fail($"a {method} notification of a withdrawal order has no meaning here");
        // A cancel carries no amount: it takes the order's from an earlier notification; with none nothing was moving,
        // and a cancelled payment counts nowhere, so there is nothing to record.
        var amountText = Text(data, "amount") ?? known?.Amount;
        var currency = Text(data, "currency") ?? known?.Currency;
        if (amountText is null || currency is null) return method == "cancel" ? VendorMapping.Ignored : VendorMapping.Fail("fields params.data.amount and currency: are required");
        if (!decimal.TryParse(amountText, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount) || amount <= 0)
        {
            return VendorMapping.Fail($"field params.data.amount: '{amountText}' is not a positive decimal such as 902.50");
        }
        DateTimeOffset? time = null;
        if (Text(data, "timestamp") is { } ts)
        {
            time = Timestamp(ts);
            if (time is null) return VendorMapping.Fail($"field params.data.timestamp: '{ts}' is not a time such as 2010-01-20 14:42:04.675645+01");
        }
        var type = deposit ? EventTypes.WalletDeposit : EventTypes.WalletWithdrawal;
        return VendorMapping.Of(CanonicalEvent.Payment($"trustly-{notification}", Source, type, time, player,
            new PaymentMade("trustly:" + order, amount, currency, status, Method: "open_banking", Provider: "trustly")));
    }

    /// <summary>Trustly's times: "2010-01-20 14:42:04.675645+01" (a GMT offset in hours, optionally minutes).</summary>
    public static DateTimeOffset? Timestamp(string text)
    {
        var t = text.Trim();
        // "+01" → "+01:00" so the offset parses.
        if (t.Length > 3 && (t[^3] is '+' or '-') && char.IsDigit(t[^1]) && char.IsDigit(t[^2])) t += ":00";
        return DateTimeOffset.TryParse(t, CultureInfo.InvariantCulture, DateTimeStyles.None, out var v) ? v : null;
    }
}

/// <summary>
/// Trustly's notification endpoint. Answers a JSON-RPC result with status OK, signed with the merchant key, once the
/// notification is recorded (or could never be: dead-lettered, since a resend would not help); a bad signature or an
/// unavailable store gets no OK (HTTP 401 / 503), so Trustly sends it again.
/// </summary>
public sealed class TrustlyAdapter(IOptions<TrustlyOptions> options, VendorWebhooks webhooks, IConnectionMultiplexer redis, StoreKeys keys,
    ApiKeyMetrics authMetrics, Feeds.FeedStats feeds) : IVendorAdapter
{
    public const string Feed = "trustly";

    public string Name => Feed;

    public string RoutePrefix => "/compat/trustly";

    public void MapRoutes(RouteGroupBuilder group)
    {
        if (!options.Value.Enabled) return;
        group.MapPost("/notification", (Func<HttpContext, Task<IResult>>)HandleAsync).AllowAnonymous()
            .WithName("TrustlyNotification")
            .WithSummary("Trustly notifications (credit, debit, pending, cancel)")
            .WithDescription("JSON-RPC 1.1 as Trustly sends them, signature checked with Trustly:TrustlyPublicKeyPem (RSA-SHA1 of method + uuid + serialised data). " +
                "`enduserid` is the player id. Answered with a result signed with Trustly:MerchantPrivateKeyPem; anything but status OK makes Trustly resend.");
    }

    internal async Task<IResult> HandleAsync(HttpContext http)
    {
        var o = options.Value;
        var body = await RequestBody.ReadAsync(http.Request, o.MaxBodyBytes, http.RequestAborted);
        if (body is null) return TypedResults.Problem(statusCode: 413, title: "Body too large", detail: $"At most {o.MaxBodyBytes:N0} bytes.");
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(body.Value.Span);
        }
        catch (JsonException e)
        {
            return TypedResults.Problem(statusCode: 400, title: "Malformed JSON", detail: e.Message);
        }
        if (root is not JsonObject rpc)
        {
            return TypedResults.Problem(statusCode: 400, title: "Malformed JSON", detail: "A Trustly notification is a JSON-RPC object: {\"method\", \"params\", \"version\"}.");
        }
        string method, uuid;
        JsonNode? data;
        bool signed;
        try
        {
            method = rpc["method"]?.GetValueKind() == JsonValueKind.String ? rpc["method"]!.GetValue<string>() : "";
            var parameters = rpc["params"] as JsonObject;
            uuid = parameters?["uuid"]?.GetValueKind() == JsonValueKind.String ? parameters["uuid"]!.GetValue<string>() : "";
            data = parameters?["data"];
            var signature = parameters?["signature"]?.GetValueKind() == JsonValueKind.String ? parameters["signature"]!.GetValue<string>() : null;
            signed = TrustlySignature.Verify(o.TrustlyPublicKeyPem!, method, uuid, data, signature);
        }
        catch (InvalidOperationException e)
        {
            // A string holding bytes that are not UTF-8, or an escape that is no character (a lone surrogate): nothing to sign or check.
            return TypedResults.Problem(statusCode: 400, title: "Malformed JSON", detail: $"the body is not valid JSON text: {e.Message}");
        }
        if (!signed)
        {
            authMetrics.Rejected("bad_signature");
            await feeds.SignatureFailedAsync(TrustlyMapper.Source);
            return TypedResults.Problem(statusCode: 401, title: "Bad signature",
                detail: "params.signature is missing or is not Trustly's RSA-SHA1 signature of method, uuid and data (Trustly:TrustlyPublicKeyPem).");
        }

        VendorMapping mapping;
        OrderFixed? fixedHere = null;
        if (!TrustlyMapper.Methods.Contains(method)) mapping = VendorMapping.Ignored;
        else
        {
            var element = JsonSerializer.SerializeToElement(data, TrustlyJson.Default.JsonNode);
            var player = Text(element, "enduserid");
            var order = Text(element, "orderid");
            (mapping, fixedHere) = string.IsNullOrEmpty(player) || string.IsNullOrEmpty(order) || !PlayerIds.IsValid(player)
                ? (VendorMapping.Fail("fields params.data.enduserid (a valid player id) and orderid: are required"), null)
                : await MapWithOrderAsync(method, element, player, order);
        }
        var (outcome, _) = mapping == VendorMapping.Unavailable
            ? (WebhookOutcome.Unavailable, null)
            : await webhooks.RecordAsync(Feed, $"{method} notification", mapping, body.Value);
        if (fixedHere is not null && outcome != WebhookOutcome.Recorded) await UnfixAsync(fixedHere);
        if (outcome == WebhookOutcome.Unavailable) return TypedResults.Problem(statusCode: 503, title: "Store unavailable", detail: "send it again");
        var answer = new JsonObject { ["status"] = "OK" };
        var result = new JsonObject
        {
            ["signature"] = TrustlySignature.Sign(o.MerchantPrivateKeyPem!, method, uuid, answer),
            ["uuid"] = uuid,
            ["method"] = method,
            ["data"] = answer,
        };
        return TypedResults.Text(new JsonObject { ["result"] = result, ["version"] = "1.1" }.ToJsonString(), "application/json");
    }

    /// <summary>The order entry a first notification wrote, taken back if the notification is then not recorded.</summary>
    private sealed record OrderFixed(RedisKey Key, string Field, string Entry);

    /// <summary>
    /// Fixes the order's direction (and remembers its amount for a later cancel) on its first notification, then maps.
    /// A first notification that is refused (or means nothing) fixes nothing: it is dead-lettered with its reason, and
    /// the store is as if it never came (the entry is written only for a mapped one, and taken back by
    /// <see cref="UnfixAsync"/> when the events are refused after all).
    /// </summary>
    private async Task<(VendorMapping Mapping, OrderFixed? Fixed)> MapWithOrderAsync(string method, JsonElement data, string player, string order)
    {
        try
        {
            var db = redis.GetDatabase();
            var key = keys.VendorOrders(player);
            var field = "trustly:" + order;
            var entry = (string?)await db.HashGetAsync(key, field);
            if (entry is null)
            {
                var first = TrustlyMapper.Map(method, data, TrustlyMapper.DirectionOf(method), null);
                if (first.Events.Count == 0) return (first, null);
                // HSETNX makes two first notifications at once agree: the one that lost maps again with the winner's direction.
                var mine = $"{TrustlyMapper.DirectionOf(method)}|{Text(data, "amount")}|{Text(data, "currency")}";
                if (await db.HashSetAsync(key, field, mine, When.NotExists)) return (first, new OrderFixed(key, field, mine));
                entry = (string?)await db.HashGetAsync(key, field) ?? mine;
            }
            var stored = entry.Split('|');
            (string, string)? known = stored.Length == 3 && stored[1].Length > 0 && stored[2].Length > 0 ? (stored[1], stored[2]) : null;
            return (TrustlyMapper.Map(method, data, stored[0][0], known), null);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            return (VendorMapping.Unavailable, null);
        }
    }

    /// <summary>Takes back the entry a notification wrote, unless another notification of the order changed it since.</summary>
    private async Task UnfixAsync(OrderFixed order)
    {
        try
        {
            var undo = redis.GetDatabase().CreateTransaction();
            undo.AddCondition(Condition.HashEqual(order.Key, order.Field, order.Entry));
            _ = undo.HashDeleteAsync(order.Key, order.Field);
            await undo.ExecuteAsync();
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            // The store went away meanwhile: the entry stays, and only decides the direction of an order we never recorded.
        }
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(JsonNode))]
internal sealed partial class TrustlyJson : System.Text.Json.Serialization.JsonSerializerContext;
