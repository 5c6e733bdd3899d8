using System.Globalization;
using System.Text.Json;
using Ingestion.Profiles;
using Ingestion.Reconciliation;
using Shared.Contracts;
using StackExchange.Redis;

namespace Ingestion.Events;

/// <summary>
/// Turns one canonical CloudEvent (JSON) into a <see cref="FoldCommand"/>, or says which field is wrong and why.
/// Hand-written over <see cref="JsonElement"/> so every error names its field, and nothing is half parsed.
/// </summary>
public sealed class EventParser(FoldOptions options, string baseCurrency, TimeProvider clock)
{
    /// <summary>Amounts are kept as integers of 1/10,000 of the base currency: exact, and safe for Lua's numbers.</summary>
    public const decimal UnitsPerCurrency = 10_000m;
    private const decimal MaxAmount = 1_000_000_000m;

    /// <summary>
    /// Bounds of an exchange rate (base-currency units per unit): wide enough for any real currency or coin, narrow
    /// enough that amount × rate can never overflow (it once answered a whole batch 500) and a rate of 1e-20 cannot
    /// turn a real bet into nothing.
    /// </summary>
    private const decimal MinRate = 0.000_000_001m, MaxRate = 10_000_000m;
    private const int MaxIdLength = 128;

    private static readonly string[] KycStatuses = ["none", "pending", "verified", "rejected", "retry"];
    private static readonly string[] KycVerdicts = ["pending", "verified", "rejected", "retry"];
    private static readonly string[] AmlRiskLevels = ["low", "medium", "high"];
    private static readonly string[] GeoResults = ["allowed", "blocked", "error"];
    private const int MaxReasons = 20;
    private static readonly string[] Devices = ["desktop", "mobile", "tablet"];
    private static readonly string[] Channels = ["email", "sms", "push", "phone", "site"];
    private static readonly string[] RgKinds = ["self_exclusion", "cooling_off", "deposit_limit", "block", "lifted"];
    private static readonly string[] PaymentStatuses = ["approved", "pending", "rejected", "cancelled", "chargeback", "reversed", "refunded"];

    /// <summary>Contract 1b's payment methods, numbered from 1 in this order as fold.lua's METHODS.</summary>
    public static readonly string[] PaymentMethods = ["card", "e_wallet", "bank_transfer", "open_banking", "crypto", "voucher", "mobile", "other"];

    /// <summary>Contract 1b's normalised decline reasons, numbered from 1 in this order as fold.lua's day positions 13-18.</summary>
    public static readonly string[] DeclineReasons = ["insufficient_funds", "limit_exceeded", "suspected_fraud", "authentication_failed", "expired_or_invalid", "other"];

    public FoldCommand Parse(JsonElement e)
    {
        if (e.ValueKind != JsonValueKind.Object) throw new EventRejectedException("event", "must be a JSON object");
        // The common case is read without allocating a string (specversion, source, type, currency, roundId): only
        // values that reach the script or the response become strings. Anything unusual takes the precise path.
        if (!(e.TryGetProperty("specversion"u8, out var spec) && spec.ValueKind == JsonValueKind.String && spec.ValueEquals("1.0"u8))
            && RequiredString(e, "specversion") != "1.0")
        {
            throw new EventRejectedException("specversion", "must be \"1.0\"");
        }
        var id = RequiredId(e, "id");
        var source = RequiredStringElement(e, "source");
        if (Utf8Content(source).Length > 256 && Text(source, "source").Length > 256) throw new EventRejectedException("source", "must be at most 256 characters");
        // The ledger knows an event by source, '|' and id: a '|' in the source would let "a|b" + "c" pass for "a" + "b|c"
        // (and be dropped as its duplicate). A URI reference, which a source is, has no bare '|' anyway.
        if (Text(source, "source").Contains('|', StringComparison.Ordinal)) throw new EventRejectedException("source", "must not contain '|' (percent-encode it as %7C)");
        var type = KnownType(RequiredStringElement(e, "type"));
        var subject = PlayerIdField.Validate(OptionalString(e, "subject", "subject"), "subject");
        var now = clock.GetUtcNow();
        var time = NotAhead(NotBefore1970(OptionalTime(e, "time"), "time"), "time", now) ?? now;
        if (!e.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Object)
        {
            throw new EventRejectedException("data", "is required and must be a JSON object");
        }

        // The script's arguments for every event: op, ledger fingerprint, time, day; then the op's own (see fold.lua's ARITY).
        var ts = time.ToUnixTimeMilliseconds();
        var day = DayOf(time);
        byte[] EventKey() => LedgerRecords.Event(Text(source, "source"), id);

        switch (type)
        {
            case EventTypes.PlayerRegistered:
            {
                var country = Country(data, "country", required: true);
                var currency = Currency(data, "currency", required: true);
                var market = OptionalToken(data, "market");
                var birthYear = OptionalInt(data, "birthYear", 1900, time.Year);
                return Command(subject, type, id, null, ["reg", EventKey(), ts, day, country, currency, market,
                    birthYear?.ToString(CultureInfo.InvariantCulture) ?? "",
                    OptionalToken(data, "channel"), OptionalToken(data, "affiliateId"), OptionalToken(data, "campaign"),
                    OptionalToken(data, "btag"), OptionalToken(data, "clickId")]);
            }
            case EventTypes.PlayerKyc:
            {
                var status = RequiredEnum(data, "status", KycVerdicts);
                var provider = RequiredToken(data, "provider");
                if (data.TryGetProperty("final", out var final) && final.ValueKind is not (JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null))
                {
                    throw new EventRejectedException("data.final", "must be true or false");
                }
                var isFinal = final.ValueKind == JsonValueKind.True ? "1" : "0";
                return Command(subject, type, id, null, ["kyc", EventKey(), ts, day, status,
                    Details(provider, VerdictToken(data, "level"), isFinal, Reasons(data))]);
            }
            case EventTypes.PlayerAml:
            {
                var risk = RequiredEnum(data, "riskLevel", AmlRiskLevels);
                return Command(subject, type, id, null, ["aml", EventKey(), ts, day, risk, Details(RequiredToken(data, "provider"), Reasons(data))]);
            }
            case EventTypes.PlayerGeo:
            {
                var result = RequiredEnum(data, "result", GeoResults);
                var country = Country(data, "country", required: false);
                return Command(subject, type, id, null, ["geo", EventKey(), ts, day, result,
                    Details(country, VerdictToken(data, "region"), Reasons(data))]);
            }
            case EventTypes.PlayerUpdated:
            {
                var kyc = OptionalString(data, "kycStatus");
                if (kyc is not null && !KycStatuses.Contains(kyc)) throw OneOf("data.kycStatus", KycStatuses);
                var args = new RedisValue[] { Country(data, "country", false), OptionalToken(data, "market"), kyc ?? "", OptionalToken(data, "vipTier") };
                if (args.All(a => a == "")) throw new EventRejectedException("data", "must hold at least one of country, market, kycStatus, vipTier");
                return Command(subject, type, id, null, ["upd", EventKey(), ts, day, .. args]);
            }
            case EventTypes.PlayerLogin:
                return Command(subject, type, id, null, ["login", EventKey(), ts, day, OptionalEnum(data, "device", Devices)]);
            case EventTypes.PlayerConsent:
            {
                var channel = RequiredEnum(data, "channel", Channels);
                var granted = RequiredBool(data, "granted");
                return Command(subject, type, id, null, ["consent", EventKey(), ts, day, channel, granted ? "1" : "0"]);
            }
            case EventTypes.PlayerRg:
            {
                var kind = RequiredEnum(data, "kind", RgKinds);
                var until = OptionalTime(data, "until", "data.until");
                var amount = OptionalAmount(data, "amount", allowZero: false);
                if (kind == "deposit_limit" && amount is null) throw new EventRejectedException("data.amount", "is required for a deposit_limit");
                if (kind == "cooling_off" && until is null) throw new EventRejectedException("data.until", "is required for cooling_off");
                var period = OptionalString(data, "period") ?? "";
                if (period.Length > 32) throw new EventRejectedException("data.period", "must be at most 32 characters");
                return Command(subject, type, id, null, ["rg", EventKey(), ts, day, kind,
                    until?.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture) ?? "",
                    amount is null ? "" : ToUnits(amount.Value, "data.amount"), period]);
            }
            case EventTypes.WalletDeposit:
            case EventTypes.WalletWithdrawal:
            {
                var tx = RequiredId(data, "transactionId", "data.transactionId");
                var units = Money(data, out _);
                var status = RequiredEnum(data, "status", PaymentStatuses);
                var deposit = type == EventTypes.WalletDeposit;
                if (!deposit && status is "chargeback" or "refunded")
                {
                    throw new EventRejectedException("data.status", $"'{status}' applies to deposits only (a withdrawal returned to the player is 'reversed')");
                }
                var method = OptionalEnum(data, "method", PaymentMethods);
                var reason = OptionalEnum(data, "declineReason", DeclineReasons);
                var provider = OptionalToken(data, "provider");
                OptionalToken(data, "vendorCode");
                // The ledger keeps a declined deposit's reason after its amount, so a later approval can take it back.
                var content = LedgerRecords.Amount(units);
                if (deposit && status == "rejected") content = [.. content, (byte)(Array.IndexOf(DeclineReasons, reason is "" ? "other" : reason) + 1)];
                var command = Command(subject, type, id, null, [deposit ? "dep" : "wd", LedgerRecords.Transaction(tx), ts, day, units, status, content,
                    method is "" ? "" : Array.IndexOf(PaymentMethods, method) + 1]);
                return ReconciliationFact.IsReversal(deposit, status)
                    ? command with { Fact = new("pay", source.GetString()!, subject, tx, deposit ? "dep" : "wd", "", units, CurrencyOf(data), ts, status, provider) }
                    : command;
            }
            case EventTypes.WalletBet:
            {
                var tx = RequiredId(data, "transactionId", "data.transactionId");
                ValidateId(data, "roundId", "data.roundId");
                var game = RequiredId(data, "gameId", "data.gameId");
                var units = Money(data, out var rate);
                var bonus = OptionalAmount(data, "bonusAmount", allowZero: true);
                long bonusUnits = 0;
                if (bonus is not null)
                {
                    bonusUnits = ToUnits(bonus.Value * rate, "data.bonusAmount");
                    if (bonusUnits > units) throw new EventRejectedException("data.bonusAmount", "must not exceed data.amount");
                }
                return Command(subject, type, id, game, ["bet", LedgerRecords.Transaction(tx), ts, day, units, bonusUnits, game,
                    LedgerRecords.Bet(units, bonusUnits)]) with
                {
                    Fact = new("bet", source.GetString()!, subject, tx, data.GetProperty("roundId").GetString()!, game, units, CurrencyOf(data), ts, "",
                        OptionalToken(data, "provider")),
                };
            }
            case EventTypes.WalletWin:
            {
                var tx = RequiredId(data, "transactionId", "data.transactionId");
                ValidateId(data, "roundId", "data.roundId");
                var game = RequiredId(data, "gameId", "data.gameId");
                if (data.TryGetProperty("roundClosed", out var rc) && rc.ValueKind is not (JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null))
                {
                    throw new EventRejectedException("data.roundClosed", "must be true or false");
                }
                var units = Money(data, out _, allowZero: true);
                return Command(subject, type, id, game, ["win", LedgerRecords.Transaction(tx), ts, day, units, LedgerRecords.Amount(units)]) with
                {
                    Fact = new("win", source.GetString()!, subject, tx, data.GetProperty("roundId").GetString()!, game, units, CurrencyOf(data), ts,
                        rc.ValueKind == JsonValueKind.True ? "1" : "", OptionalToken(data, "provider")),
                };
            }
            case EventTypes.WalletRollback:
            {
                var tx = RequiredId(data, "transactionId", "data.transactionId");
                var reference = RequiredId(data, "referenceTransactionId", "data.referenceTransactionId");
                if (reference == tx) throw new EventRejectedException("data.referenceTransactionId", "must differ from data.transactionId");
                return Command(subject, type, id, null, ["rb", LedgerRecords.Transaction(reference), ts, day]) with
                {
                    Fact = new("rb", source.GetString()!, subject, tx, reference, "", 0, "", ts, "", OptionalToken(data, "provider")),
                };
            }
            case EventTypes.BonusGranted:
            {
                var bonusId = RequiredId(data, "bonusId", "data.bonusId");
                var units = Money(data, out _);
                return Command(subject, type, id, null, ["bonus", LedgerRecords.Bonus(bonusId), ts, day, units]);
            }
            case EventTypes.GameSession:
            {
                var game = RequiredId(data, "gameId", "data.gameId");
                var started = NotAhead(NotBefore1970(OptionalTime(data, "startedAt", "data.startedAt"), "data.startedAt"), "data.startedAt", now)
                    ?? throw new EventRejectedException("data.startedAt", "is required");
                var ended = NotAhead(OptionalTime(data, "endedAt", "data.endedAt"), "data.endedAt", now) ?? throw new EventRejectedException("data.endedAt", "is required");
                if (ended < started) throw new EventRejectedException("data.endedAt", "must not be before data.startedAt");
                // A session counts on the day it started and is as recent as its end.
                return Command(subject, type, id, game, ["sess", EventKey(), ended.ToUnixTimeMilliseconds(), DayOf(started),
                    game, started.ToUnixTimeMilliseconds(), ended.ToUnixTimeMilliseconds(), OptionalEnum(data, "device", Devices)]);
            }
            default:
                throw new EventRejectedException("type", $"'{Truncate(type)}' is not a known event type (one of {string.Join(", ", EventTypes.All)})");
        }
    }

    /// <summary>A verdict's details as the profile keeps them: parts joined by '|' (tokens hold no control characters; '|' is refused).</summary>
    private static string Details(params string[] parts) => string.Join('|', parts);

    /// <summary>data.reasons: up to 20 short codes (a vendor's reject labels), kept comma-joined.</summary>
    private static string Reasons(JsonElement data)
    {
        if (!data.TryGetProperty("reasons", out var r) || r.ValueKind == JsonValueKind.Null) return "";
        if (r.ValueKind != JsonValueKind.Array) throw new EventRejectedException("data.reasons", "must be an array of strings");
        var reasons = new List<string>();
        foreach (var item in r.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String || Text(item, $"data.reasons[{reasons.Count}]") is not { Length: > 0 and <= 64 } v || v.Any(c => char.IsControl(c) || c is ',' or '|'))
            {
                throw new EventRejectedException($"data.reasons[{reasons.Count}]", "must be a code of 1 to 64 characters without commas, '|' or control characters");
            }
            reasons.Add(v);
        }
        if (reasons.Count > MaxReasons) throw new EventRejectedException("data.reasons", $"must hold at most {MaxReasons} reasons");
        return string.Join(',', reasons);
    }

    private static string RequiredToken(JsonElement data, string name) =>
        VerdictToken(data, name) is { Length: > 0 } v ? v : throw new EventRejectedException($"data.{name}", "is required");

    /// <summary>A token kept among a verdict's details, which '|' separates.</summary>
    private static string VerdictToken(JsonElement data, string name)
    {
        var v = OptionalToken(data, name);
        return v.Contains('|') ? throw new EventRejectedException($"data.{name}", "must not contain '|'") : v;
    }

    public static long DayOf(DateTimeOffset time) => time.ToUnixTimeSeconds() is var s && s >= 0 ? s / 86_400 : (s - 86_399) / 86_400;

    private static FoldCommand Command(string player, string type, string id, string? game, RedisValue[] args) => new(player, type, id, game, args);

    /// <summary>data.currency as sent (already validated by <see cref="Money"/>).</summary>
    private static string CurrencyOf(JsonElement data) => data.GetProperty("currency"u8).GetString()!;

    /// <summary>data.amount in base-currency units, converted by data.exchangeRate or the configured rate.</summary>
    private long Money(JsonElement data, out decimal rate, bool allowZero = false)
    {
        var amount = OptionalAmount(data, "amount", allowZero) ?? throw new EventRejectedException("data.amount", "is required");
        var currency = data.TryGetProperty("currency"u8, out var c) && c.ValueKind == JsonValueKind.String && TextEquals(c, baseCurrency)
            ? baseCurrency
            : Currency(data, "currency", required: true);
        rate = RateFor(data, currency);
        var units = ToUnits(amount * rate, "data.amount");
        if (units == 0 && amount > 0)
        {
            throw new EventRejectedException("data.amount", $"is less than the smallest amount kept ({1 / UnitsPerCurrency} {baseCurrency}) once converted at {rate} {baseCurrency} per {currency}");
        }
        return units;
    }

    private decimal RateFor(JsonElement data, string currency)
    {
        if (data.TryGetProperty("exchangeRate", out var r) && r.ValueKind != JsonValueKind.Null)
        {
            if (r.ValueKind != JsonValueKind.Number || !r.TryGetDecimal(out var given) || given <= 0)
            {
                throw new EventRejectedException("data.exchangeRate", "must be a number > 0 (base-currency units per unit of data.currency)");
            }
            if (given < MinRate || given > MaxRate)
            {
                throw new EventRejectedException("data.exchangeRate", $"must be between {MinRate} and {MaxRate:0} (base-currency units per unit of data.currency)");
            }
            return given;
        }
        if (string.Equals(currency, baseCurrency, StringComparison.Ordinal)) return 1m;
        if (options.ExchangeRates.TryGetValue(currency, out var configured))
        {
            return configured is >= MinRate and <= MaxRate ? configured
                : throw new EventRejectedException("data.currency", $"the configured rate Ingestion:ExchangeRates:{currency} ({configured}) is not between {MinRate} and {MaxRate:0}");
        }
        throw new EventRejectedException("data.currency",
            $"no exchange rate for {currency} to {baseCurrency}: send data.exchangeRate or configure Ingestion:ExchangeRates:{currency}");
    }

    internal static long ToUnits(decimal baseAmount, string field)
    {
        if (baseAmount > MaxAmount) throw new EventRejectedException(field, $"must not exceed {MaxAmount:0} in base currency");
        return (long)decimal.Round(baseAmount * UnitsPerCurrency, 0, MidpointRounding.AwayFromZero);
    }

    private static decimal? OptionalAmount(JsonElement data, string name, bool allowZero)
    {
        if (!data.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetDecimal(out var d))
        {
            throw new EventRejectedException($"data.{name}", "must be a number");
        }
        if (allowZero ? d < 0 : d <= 0) throw new EventRejectedException($"data.{name}", allowZero ? "must be >= 0" : "must be > 0");
        if (d > MaxAmount) throw new EventRejectedException($"data.{name}", $"must not exceed {MaxAmount:0}");
        return d;
    }

    private static string Country(JsonElement data, string name, bool required)
    {
        var v = OptionalString(data, name);
        if (v is null) return required ? throw new EventRejectedException($"data.{name}", "is required") : "";
        if (v.Length != 2 || !char.IsAsciiLetterUpper(v[0]) || !char.IsAsciiLetterUpper(v[1]))
        {
            throw new EventRejectedException($"data.{name}", "must be an ISO 3166-1 alpha-2 code such as \"MT\"");
        }
        return v;
    }

    private static string Currency(JsonElement data, string name, bool required)
    {
        var v = OptionalString(data, name);
        if (v is null) return required ? throw new EventRejectedException($"data.{name}", "is required") : "";
        if (v.Length != 3 || !v.All(char.IsAsciiLetterUpper))
        {
            throw new EventRejectedException($"data.{name}", "must be an ISO 4217 code such as \"EUR\"");
        }
        return v;
    }

    private static string RequiredEnum(JsonElement data, string name, string[] allowed) =>
        OptionalString(data, name) is { } v
            ? allowed.Contains(v) ? v : throw OneOf($"data.{name}", allowed)
            : throw new EventRejectedException($"data.{name}", $"is required (one of {string.Join(", ", allowed)})");

    private static string OptionalEnum(JsonElement data, string name, string[] allowed) =>
        OptionalString(data, name) is { } v ? allowed.Contains(v) ? v : throw OneOf($"data.{name}", allowed) : "";

    private static EventRejectedException OneOf(string field, string[] allowed) =>
        new(field, $"must be one of {string.Join(", ", allowed)}");

    private static bool RequiredBool(JsonElement data, string name) =>
        data.TryGetProperty(name, out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False
            ? v.GetBoolean()
            : throw new EventRejectedException($"data.{name}", "is required and must be true or false");

    private static int? OptionalInt(JsonElement data, string name, int min, int max)
    {
        if (!data.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out var i) || i < min || i > max)
        {
            throw new EventRejectedException($"data.{name}", $"must be a whole number from {min} to {max}");
        }
        return i;
    }

    private static string OptionalToken(JsonElement data, string name)
    {
        var v = OptionalString(data, name);
        if (v is null) return "";
        if (v.Length > MaxIdLength || v.Any(char.IsControl)) throw new EventRejectedException($"data.{name}", $"must be at most {MaxIdLength} printable characters");
        return v;
    }

    private static string RequiredId(JsonElement e, string name, string? field = null)
    {
        field ??= name;
        var v = OptionalString(e, name, field) ?? throw new EventRejectedException(field, "is required");
        if (v.Length == 0 || v.Length > MaxIdLength || v.Any(char.IsControl))
        {
            throw new EventRejectedException(field, $"must be 1 to {MaxIdLength} printable characters");
        }
        return v;
    }

    /// <summary>A known event type as its constant (no string allocated), or the value as sent.</summary>
    private static string KnownType(JsonElement type)
    {
        foreach (var known in EventTypes.All)
        {
            if (type.ValueEquals(known)) return known;
        }
        return Text(type, "type");
    }

    /// <summary>A required, non-empty string property, left unread.</summary>
    private static JsonElement RequiredStringElement(JsonElement e, string name)
    {
        if (e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && Utf8Content(v).Length > 0) return v;
        RequiredString(e, name);
        throw new EventRejectedException(name, "is required");
    }

    /// <summary>The raw UTF-8 between a string value's quotes (escapes not decoded).</summary>
    private static ReadOnlySpan<byte> Utf8Content(JsonElement s) => System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(s)[1..^1];

    /// <summary>Validates an id as <see cref="RequiredId"/> does; plain printable ASCII, the usual case, allocates nothing.</summary>
    private static void ValidateId(JsonElement e, string name, string field)
    {
        if (e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String)
        {
            var raw = Utf8Content(v);
            if (raw.Length is > 0 and <= MaxIdLength && !raw.ContainsAnyExceptInRange((byte)0x20, (byte)0x7e) && !raw.Contains((byte)'\\')) return;
        }
        RequiredId(e, name, field);
    }

    private static string RequiredString(JsonElement e, string name) =>
        OptionalString(e, name, name) is { Length: > 0 } v ? v : throw new EventRejectedException(name, "is required");

    private static string? OptionalString(JsonElement e, string name, string? field = null)
    {
        if (!e.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        return v.ValueKind == JsonValueKind.String ? Text(v, field ?? $"data.{name}") : throw new EventRejectedException(field ?? $"data.{name}", "must be a string");
    }

    /// <summary>Whether a string value is <paramref name="text"/>; false (read again on the precise path) when an escape in it is no character.</summary>
    private static bool TextEquals(JsonElement v, string text)
    {
        try
        {
            return v.ValueEquals(text);
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>A string value, refused naming the field when an escape in it is no character (a lone UTF-16 surrogate such as \ud800).</summary>
    private static string Text(JsonElement v, string field)
    {
        try
        {
            return v.GetString()!;
        }
        catch (InvalidOperationException)
        {
            throw new EventRejectedException(field, "must be valid text: it holds an escape that is no character (a lone UTF-16 surrogate such as \\ud800)");
        }
    }

    private static DateTimeOffset? OptionalTime(JsonElement e, string name, string? field = null)
    {
        if (!e.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind == JsonValueKind.String && v.TryGetDateTimeOffset(out var t)) return t;
        throw new EventRejectedException(field ?? name, "must be an RFC 3339 timestamp such as 2026-11-23T10:15:02Z");
    }

    /// <summary>Refuses a time further ahead of <paramref name="now"/> than <see cref="FoldOptions.MaxClockSkew"/> allows.</summary>
    private DateTimeOffset? NotAhead(DateTimeOffset? time, string field, DateTimeOffset now) =>
        time > now + options.MaxClockSkew
            ? throw new EventRejectedException(field, $"must not be more than {options.MaxClockSkew.TotalMinutes:0.##} minutes ahead of the receiver's clock (it is {now:yyyy-MM-ddTHH:mm:ssZ}; Ingestion:MaxClockSkew)")
            : time;

    /// <summary>The fold keeps times as unix milliseconds and orders same-length ones as text, which needs them non-negative.</summary>
    private static DateTimeOffset? NotBefore1970(DateTimeOffset? time, string field) =>
        time < DateTimeOffset.UnixEpoch ? throw new EventRejectedException(field, "must not be before 1970-01-01T00:00:00Z") : time;

    private static string Truncate(string s) => s.Length <= 64 ? s : s[..64] + "…";
}

/// <summary>An event that cannot be applied; the message names the field and the problem.</summary>
public sealed class EventRejectedException(string field, string problem) : Exception($"field {field}: {problem}")
{
    public string Field { get; } = field;
}

/// <summary>A player id in an event or a vendor's message, checked by the one rule (<see cref="PlayerIds"/>).</summary>
public static class PlayerIdField
{
    public static string Validate(string? id, string field) =>
        PlayerIds.Problem(id) is { } problem ? throw new EventRejectedException(field, problem) : id!;
}
