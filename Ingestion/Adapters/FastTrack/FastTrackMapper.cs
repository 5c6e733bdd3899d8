using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Ingestion.Events;
using Shared.Contracts;

namespace Ingestion.Adapters.FastTrack;

/// <summary>What one Fast Track message becomes: whose it is, when it happened, and its canonical events (maybe none).</summary>
public sealed record FastTrackMapping(string PlayerId, DateTimeOffset Time, IReadOnlyList<JsonElement> Events);

/// <summary>
/// Fast Track's messages and operator-API answers to canonical events, in this one place. Pure: the same message always
/// gives the same events with the same ids, so a message the operator resends (Fast Track asks operators to retry until
/// 200) is a duplicate. A bad field throws <see cref="EventRejectedException"/> naming Fast Track's field.
/// </summary>
/// <remarks>
/// Mapping rules (Fast Track documentation, "Real-Time Data" and "Operator API" pages):
/// <list type="bullet">
/// <item>Casino <c>Bet</c> is wallet.bet (bonus_wager_amount is its bonus part); <c>Win</c> is wallet.win with
/// roundClosed = is_round_end; <c>Loss</c> ("send a loss event or a win with an amount of 0 to close the round") is
/// wallet.win of 0 with roundClosed true, whatever amount it carries. A Bet of 0 (a free round) moves no money and
/// makes no event. status <c>Rollback</c> is wallet.rollback of the event with the same activity_id (the docs are
/// silent on how a casino rollback names its target; we follow their payment rule: same id, status Rollback).</item>
/// <item>Payment <c>Credit</c> is a deposit, <c>Debit</c> a withdrawal (the docs: "type Credit status Approved ...
/// deposit amount is increased"). Requested is pending, Approved approved, Rejected and Cancelled rejected (no money
/// moved); Rollback is wallet.rollback of the payment with the same payment_id.</item>
/// <item>Bonus status <c>Created</c> ("claimed and the funds are added to the player's account") is bonus.granted,
/// keyed by user_bonus_id; other statuses change no canonical total and make no event.</item>
/// <item>Ledger transaction ids are namespaced (<c>casino:</c>, <c>payment:</c>), because Fast Track's activity and
/// payment ids come from different sequences and may collide in one player's ledger.</item>
/// <item>exchange_rate multiplies the amount into the base currency, as canonical exchangeRate does; when absent
/// (the docs mark it required) the configured rates apply.</item>
/// </list>
/// </remarks>
public static class FastTrackMapper
{
    public const string Source = "/fasttrack";
    public const string PamSource = "/pam";

    /// <summary>Longest vendor id we take, so namespaced transaction ids and event ids stay within 128 characters.</summary>
    public const int MaxVendorIdLength = 100;
    private const int MaxCanonicalIdLength = 128;

    public static readonly IReadOnlyList<string> CasinoTypes = ["Bet", "Win", "Loss"];
    public static readonly IReadOnlyList<string> CasinoStatuses = ["Approved", "Rollback"];
    public static readonly IReadOnlyList<string> PaymentTypes = ["Credit", "Debit"];
    public static readonly IReadOnlyList<string> PaymentStatuses = ["Requested", "Approved", "Rejected", "Cancelled", "Rollback"];
    public static readonly IReadOnlyList<string> BonusStatuses =
        ["Pending", "Created", "Ongoing", "Completed", "AutoCompleted", "Forfeited", "Expired", "Lost", "Reversed"];
    public static readonly IReadOnlyList<string> BlockTypes = ["Blocked", "Excluded"];

    /// <summary>Fast Track consent types to canonical channels; <c>postMail</c> has no canonical channel.</summary>
    private static readonly Dictionary<string, string?> ConsentChannels = new(StringComparer.OrdinalIgnoreCase)
    {
        ["email"] = "email",
        ["sms"] = "sms",
        ["telephone"] = "phone",
        ["siteNotification"] = "site",
        ["siteNotifiction"] = "site", // as spelt in Fast Track's own table of accepted values
        ["pushNotification"] = "push",
        ["postMail"] = null,
    };

    public static FastTrackMapping Casino(FastTrackCasino m)
    {
        var player = Player(m.UserId);
        var time = Time(m.Timestamp);
        var activity = VendorId(m.ActivityId, "activity_id");
        var type = OneOf(m.Type, "type", CasinoTypes);
        var status = m.Status is null ? "Approved" : OneOf(m.Status, "status", CasinoStatuses);
        var tx = "casino:" + activity;
        if (status == "Rollback")
        {
            return new(player, time, [CanonicalEvent.Rollback(Id("ft-casino", activity, "rollback"), Source, time, player,
                new TransactionRolledBack(tx + ":rollback", tx))]);
        }

        var round = VendorId(m.RoundId, "round_id");
        var game = VendorId(m.GameId, "game_id");
        var currency = Currency(m.Currency);
        var rate = Rate(m.ExchangeRate);
        var id = Id("ft-casino", activity, "approved");
        switch (type)
        {
            case "Bet":
            {
                var amount = Amount(m.Amount, "amount", allowZero: true);
                if (amount == 0) return new(player, time, []);
                var bonus = m.BonusWagerAmount is null ? 0m : Amount(m.BonusWagerAmount, "bonus_wager_amount", allowZero: true);
                if (bonus > amount)
                {
                    throw new EventRejectedException("bonus_wager_amount", "must not exceed amount (amount = wager_amount + bonus_wager_amount + locked_wager_amount)");
                }
                return new(player, time, [CanonicalEvent.Bet(id, Source, time, player,
                    new BetPlaced(tx, round, game, amount, currency, bonus > 0 ? bonus : null, rate))]);
            }
            case "Win":
                return new(player, time, [CanonicalEvent.Win(id, Source, time, player,
                    new WinPaid(tx, round, game, Amount(m.Amount, "amount", allowZero: true), currency, m.IsRoundEnd, rate))]);
            default: // Loss: closes the round with nothing won
                return new(player, time, [CanonicalEvent.Win(id, Source, time, player,
                    new WinPaid(tx, round, game, 0m, currency, RoundClosed: true, rate))]);
        }
    }

    public static FastTrackMapping Payment(FastTrackPayment m)
    {
        var player = Player(m.UserId);
        var time = Time(m.Timestamp);
        var paymentId = VendorId(m.PaymentId, "payment_id");
        var type = OneOf(m.Type, "type", PaymentTypes);
        var status = OneOf(m.Status, "status", PaymentStatuses);
        var tx = "payment:" + paymentId;
        if (status == "Rollback")
        {
            return new(player, time, [CanonicalEvent.Rollback(Id("ft-payment", paymentId, "rollback"), Source, time, player,
                new TransactionRolledBack(tx + ":rollback", tx))]);
        }
        var amount = Amount(m.Amount, "amount", allowZero: false);
        var currency = Currency(m.Currency);
        var rate = Rate(m.ExchangeRate);
        var canonicalStatus = status switch
        {
            "Requested" => "pending",
            "Approved" => "approved",
            "Cancelled" => "cancelled",
            _ => "rejected",
        };
        // vendor_name names the payment provider (Fast Track's docs: "the name of the payment vendor"), not the method.
        var provider = m.VendorName is { Length: > 0 and <= 128 } v && !v.Any(char.IsControl) ? v : null;
        var eventType = type == "Credit" ? EventTypes.WalletDeposit : EventTypes.WalletWithdrawal;
        return new(player, time, [CanonicalEvent.Payment(Id("ft-payment", paymentId, status.ToLowerInvariant()), Source, eventType, time, player,
            new PaymentMade(tx, amount, currency, canonicalStatus, null, rate, provider))]);
    }

    public static FastTrackMapping Bonus(FastTrackBonus m)
    {
        var player = Player(m.UserId);
        var time = Time(m.Timestamp);
        var userBonusId = VendorId(m.UserBonusId, "user_bonus_id");
        var status = OneOf(m.Status, "status", BonusStatuses);
        if (status != "Created") return new(player, time, []);
        var amount = Amount(m.Amount, "amount", allowZero: true);
        // Free spins are reported once played out, with what they won: that may be nothing.
        if (amount == 0) return new(player, time, []);
        var data = new BonusGrantedAtRate(userBonusId, amount, Currency(m.Currency), Token(m.Type, "type"), Rate(m.ExchangeRate));
        return new(player, time, [CanonicalEvent.Create(Id("ft-bonus", userBonusId, "created"), Source, EventTypes.BonusGranted, time, player,
            data, FastTrackCanonicalJsonContext.Default.BonusGrantedAtRate)]);
    }

    /// <summary>A login is player.login, unless a support agent impersonated the player (that is not the player's activity).</summary>
    public static FastTrackMapping Login(FastTrackLogin m)
    {
        var player = Player(m.UserId);
        var time = Time(m.Timestamp);
        if (m.IsImpersonated == true) return new(player, time, []);
        return new(player, time, [CanonicalEvent.Login(Id("ft-login", player, Ms(time)), Source, time, player,
            new PlayerLoggedIn(Device(m.UserAgent)))]);
    }

    /// <summary>Registration: player.registered when the message carries country and currency (our extension), else nothing yet.</summary>
    public static FastTrackMapping Registration(FastTrackUser m)
    {
        var player = Player(m.UserId);
        var time = Time(m.Timestamp);
        if (Blank(m.Country) && Blank(m.Currency)) return new(player, time, []);
        if (Blank(m.Country)) throw new EventRejectedException("country", "is required when currency is given (ISO 3166-1 alpha-2, e.g. \"MT\")");
        if (Blank(m.Currency)) throw new EventRejectedException("currency", "is required when country is given (ISO 4217, e.g. \"EUR\")");
        var data = new PlayerRegistered(Country(m.Country, "country")!, Currency(m.Currency), Token(m.Market, "market"),
            BirthYear(m.BirthDate, "birth_date", strict: true), null, Token(m.AffiliateReference, "affiliate_reference"),
            Token(m.RegistrationCode, "registration_code"), Btag: Token(m.AffiliateReference, "affiliate_reference"));
        return new(player, time, [CanonicalEvent.Registered(Id("ft-user", player, Ms(time), "registered"), Source, time, player, data)]);
    }

    /// <summary>User update: player.updated with what the message carries (our extension), else nothing yet.</summary>
    public static FastTrackMapping UserUpdate(FastTrackUser m)
    {
        var player = Player(m.UserId);
        var time = Time(m.Timestamp);
        var data = new PlayerUpdated(Country(m.Country, "country"), Token(m.Market, "market"), Blank(m.VerifiedAt) ? null : "verified");
        if (data is { Country: null, Market: null, KycStatus: null }) return new(player, time, []);
        return new(player, time, [CanonicalEvent.Updated(Id("ft-user", player, Ms(time), "updated"), Source, time, player, data)]);
    }

    /// <param name="restrictedNow">Whether the profile holds a block or exclusion now, see <see cref="Restrictions"/>.</param>
    public static FastTrackMapping UserBlocks(FastTrackUserBlocksChanged m, bool restrictedNow)
    {
        var player = Player(m.UserId);
        var time = Time(m.Timestamp);
        if (m.Blocks is null) return new(player, time, []);
        return new(player, time, Restrictions(m.Blocks, strict: true, restrictedNow,
            kind => Id("ft-blocks", player, Ms(time), kind), Source, time, player));
    }

    public static FastTrackMapping UserConsents(FastTrackUserConsentsChanged m)
    {
        var player = Player(m.UserId);
        var time = Time(m.Timestamp);
        if (m.Consents is null) return new(player, time, []);
        return new(player, time, Consents(m.Consents, strict: true,
            (channel, granted) => Id("ft-consents", player, Ms(time), channel, granted ? "1" : "0"), Source, time, player));
    }

    /// <summary>
    /// What the operator's PAM says about a player, as canonical events from <see cref="PamSource"/>:
    /// player.registered (at registration_date, from country and currency), player.updated (country, market, KYC from
    /// verified_at, VIP tier from segmentation.vip_level), one player.consent per channel, and player.rg for blocks.
    /// </summary>
    /// <param name="trigger">When the newest message asking for this look-up happened; part of each id, so a retried look-up
    /// dedups while a later change back to an earlier value (opted in, out, in again) is still applied.</param>
    /// <param name="fetchedAt">When the PAM answered: the time of what it says now.</param>
    /// <remarks>The PAM is read leniently (unknown consent types and block types are skipped); a value the canonical
    /// pipeline refuses, such as a malformed country, reaches the dead-letter list with the reason.</remarks>
    public static IReadOnlyList<JsonElement> Enrichment(string player, DateTimeOffset trigger, DateTimeOffset fetchedAt,
        FastTrackUserDetails details, FastTrackUserConsents consents, FastTrackUserBlocks blocks, bool restrictedNow)
    {
        var events = new List<JsonElement>();
        var t = Ms(trigger);
        if (!Blank(details.Country) && !Blank(details.Currency))
        {
            var registeredAt = LenientTime(details.RegistrationDate) ?? trigger;
            var data = new PlayerRegistered(details.Country!.Trim().ToUpperInvariant(), details.Currency!.Trim().ToUpperInvariant(),
                NullIfBlank(details.Market), BirthYear(details.BirthDate, "birth_date", strict: false), null,
                NullIfBlank(details.AffiliateReference), NullIfBlank(details.RegistrationCode), Btag: NullIfBlank(details.AffiliateReference));
            // Registration is a fact: the same answer gives the same id whichever look-up fetched it.
            var hash = Hash(data, ContractsJsonContext.Default.PlayerRegistered, Ms(registeredAt));
            events.Add(CanonicalEvent.Registered(Id("pam-registered", player, hash), PamSource, registeredAt, player, data));
        }
        var updated = new PlayerUpdated(NullIfBlank(details.Country)?.ToUpperInvariant(), NullIfBlank(details.Market),
            Blank(details.VerifiedAt) ? null : "verified", VipLevel(details.Segmentation));
        if (updated is not { Country: null, Market: null, KycStatus: null, VipTier: null })
        {
            events.Add(CanonicalEvent.Updated(Id("pam-updated", player, t, Hash(updated, ContractsJsonContext.Default.PlayerUpdated)),
                PamSource, fetchedAt, player, updated));
        }
        events.AddRange(Consents(consents.Consents ?? [], strict: false,
            (channel, granted) => Id("pam-consent", player, t, channel, granted ? "1" : "0"), PamSource, fetchedAt, player));
        events.AddRange(Restrictions(blocks.Blocks ?? [], strict: false, restrictedNow,
            kind => Id("pam-rg", player, t, kind), PamSource, fetchedAt, player));
        return events;
    }

    /// <summary>
    /// Fast Track's blocks to player.rg: an active <c>Excluded</c> is an indefinite self_exclusion, an active
    /// <c>Blocked</c> a block. When neither is active and the profile holds one of them, <c>lifted</c>: the canonical
    /// event lifts every restriction (a deposit limit too), so it is sent only when there is something to lift, and
    /// one of the two is never lifted while the other stays active (the safer error is a stale restriction).
    /// </summary>
    public static IReadOnlyList<JsonElement> Restrictions(IReadOnlyList<FastTrackBlock> blocks, bool strict, bool restrictedNow,
        Func<string, string> id, string source, DateTimeOffset time, string player)
    {
        bool excluded = false, blocked = false;
        for (var i = 0; i < blocks.Count; i++)
        {
            var b = blocks[i];
            string? type;
            if (strict)
            {
                type = OneOf(b.Type, $"blocks[{i}].type", BlockTypes);
                if (b.Active is null) throw new EventRejectedException($"blocks[{i}].active", "is required (true or false)");
            }
            else
            {
                type = BlockTypes.FirstOrDefault(x => string.Equals(x, b.Type?.Trim(), StringComparison.OrdinalIgnoreCase));
            }
            if (b.Active != true) continue;
            if (type == "Excluded") excluded = true;
            else if (type == "Blocked") blocked = true;
        }
        var events = new List<JsonElement>();
        if (excluded) events.Add(CanonicalEvent.Rg(id("self_exclusion"), source, time, player, new RgChanged("self_exclusion")));
        if (blocked) events.Add(CanonicalEvent.Rg(id("block"), source, time, player, new RgChanged("block")));
        if (!excluded && !blocked && restrictedNow && blocks.Count > 0)
        {
            events.Add(CanonicalEvent.Rg(id("lifted"), source, time, player, new RgChanged("lifted")));
        }
        return events;
    }

    public static IReadOnlyList<JsonElement> Consents(IReadOnlyList<FastTrackConsent> consents, bool strict,
        Func<string, bool, string> id, string source, DateTimeOffset time, string player)
    {
        var byChannel = new SortedDictionary<string, bool>(StringComparer.Ordinal);
        for (var i = 0; i < consents.Count; i++)
        {
            var c = consents[i];
            var type = c.Type?.Trim();
            if (type is null || !ConsentChannels.TryGetValue(type, out var channel))
            {
                if (strict)
                {
                    throw new EventRejectedException($"consents[{i}].type", c.Type is null
                        ? "is required"
                        : "must be one of email, sms, telephone, postMail, siteNotification, pushNotification");
                }
                continue;
            }
            if (c.OptedIn is not { } granted)
            {
                if (strict) throw new EventRejectedException($"consents[{i}].opted_in", "is required (true or false)");
                continue;
            }
            if (channel is not null) byChannel[channel] = granted;
        }
        return byChannel.Select(kv => CanonicalEvent.Consent(id(kv.Key, kv.Value), source, time, player, new ConsentChanged(kv.Key, kv.Value))).ToList();
    }

    /// <summary>An event id from its parts; a too-long one becomes its first part and a hash of all of them.</summary>
    public static string Id(params ReadOnlySpan<string> parts)
    {
        var joined = string.Join('-', parts);
        if (joined.Length <= MaxCanonicalIdLength) return joined;
        return parts[0] + "-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(joined)))[..40];
    }

    /// <summary>A short content hash: 48 bits tell one player's answers apart for one look-up.</summary>
    private static string Hash<T>(T data, JsonTypeInfo<T> type, string salt = "") =>
        Convert.ToHexStringLower(SHA256.HashData([.. JsonSerializer.SerializeToUtf8Bytes(data, type), .. Encoding.UTF8.GetBytes(salt)]))[..12];

    private static string Ms(DateTimeOffset t) => t.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);

    private static string Player(string? userId) => PlayerIdField.Validate(userId, "user_id");

    /// <summary>Fast Track's timestamps are RFC 3339, though its own samples also show "2018-02-18 18:13:06" and one-digit hours; both are read, as UTC when no offset is given.</summary>
    public static DateTimeOffset Time(string? value, string field = "timestamp")
    {
        if (Blank(value)) throw new EventRejectedException(field, "is required (RFC 3339, e.g. \"2026-11-23T10:15:02Z\")");
        return LenientTime(value) ?? throw new EventRejectedException(field, "must be an RFC 3339 timestamp such as \"2026-11-23T10:15:02Z\"");
    }

    private static DateTimeOffset? LenientTime(string? value)
    {
        if (Blank(value)) return null;
        var v = value!.Trim();
        // Fast Track's own samples write one-digit hours ("2015-03-02T8:27:58Z"), which no parser takes as they are.
        if (v.Length > 12 && v[10] is 'T' or ' ' && v[12] == ':') v = string.Concat(v.AsSpan(0, 11), "0", v.AsSpan(11));
        return DateTimeOffset.TryParse(v, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t.ToUniversalTime() : null;
    }

    private static string VendorId(string? value, string field)
    {
        if (Blank(value)) throw new EventRejectedException(field, "is required");
        var v = value!;
        if (v.Length > MaxVendorIdLength || v.Any(char.IsControl))
        {
            throw new EventRejectedException(field, $"must be 1 to {MaxVendorIdLength} printable characters");
        }
        return v;
    }

    private static string OneOf(string? value, string field, IReadOnlyList<string> allowed)
    {
        if (Blank(value)) throw new EventRejectedException(field, $"is required (one of {string.Join(", ", allowed)})");
        return allowed.FirstOrDefault(a => string.Equals(a, value!.Trim(), StringComparison.OrdinalIgnoreCase))
            ?? throw new EventRejectedException(field, $"must be one of {string.Join(", ", allowed)}");
    }

    private static decimal Amount(decimal? value, string field, bool allowZero)
    {
        if (value is not { } v) throw new EventRejectedException(field, "is required (a number)");
        if (allowZero ? v < 0 : v <= 0) throw new EventRejectedException(field, allowZero ? "must be >= 0" : "must be > 0");
        return v;
    }

    private static decimal? Rate(decimal? value) => value switch
    {
        null => null,
        > 0 => value,
        _ => throw new EventRejectedException("exchange_rate", "must be > 0 (the amount times exchange_rate is the amount in the base currency)"),
    };

    private static string Currency(string? value)
    {
        if (Blank(value)) throw new EventRejectedException("currency", "is required (ISO 4217, e.g. \"EUR\")");
        var v = value!.Trim().ToUpperInvariant();
        if (v.Length != 3 || !v.All(char.IsAsciiLetterUpper)) throw new EventRejectedException("currency", "must be an ISO 4217 code such as \"EUR\"");
        return v;
    }

    private static string? Country(string? value, string field)
    {
        if (Blank(value)) return null;
        var v = value!.Trim().ToUpperInvariant();
        if (v.Length != 2 || !v.All(char.IsAsciiLetterUpper)) throw new EventRejectedException(field, "must be an ISO 3166-1 alpha-2 code such as \"MT\"");
        return v;
    }

    private static string? Token(string? value, string field)
    {
        if (Blank(value)) return null;
        var v = value!.Trim();
        if (v.Length > 128 || v.Any(char.IsControl)) throw new EventRejectedException(field, "must be at most 128 printable characters");
        return v;
    }

    private static int? BirthYear(string? value, string field, bool strict)
    {
        if (Blank(value)) return null;
        if (DateOnly.TryParse(value, CultureInfo.InvariantCulture, out var d)) return d.Year;
        if (LenientTime(value) is { } t) return t.Year;
        return strict ? throw new EventRejectedException(field, "must be a date such as \"1992-03-02\"") : null;
    }

    private static string? VipLevel(JsonElement? segmentation)
    {
        if (segmentation is not { ValueKind: JsonValueKind.Object } s || !s.TryGetProperty("vip_level", out var v)) return null;
        var text = v.ValueKind switch
        {
            JsonValueKind.Number or JsonValueKind.String => v.ValueKind == JsonValueKind.String ? v.GetString() : v.GetRawText(),
            _ => null,
        };
        return NullIfBlank(text) is { Length: <= 128 } tier ? tier : null;
    }

    /// <summary>Fast Track's login carries a user agent, not a device; tablets first, as their agents also say "Mobile".</summary>
    public static string? Device(string? userAgent)
    {
        if (Blank(userAgent)) return null;
        var ua = userAgent!;
        if (ua.Contains("iPad", StringComparison.OrdinalIgnoreCase) || ua.Contains("Tablet", StringComparison.OrdinalIgnoreCase)) return "tablet";
        if (ua.Contains("Mobi", StringComparison.OrdinalIgnoreCase) || ua.Contains("iPhone", StringComparison.OrdinalIgnoreCase)
            || ua.Contains("Android", StringComparison.OrdinalIgnoreCase)) return "mobile";
        return "desktop";
    }

    private static bool Blank(string? value) => string.IsNullOrWhiteSpace(value);

    private static string? NullIfBlank(string? value) => Blank(value) ? null : value!.Trim();
}

/// <summary>bonus.granted data with the event's exchange rate, which the canonical pipeline reads for every money event.</summary>
public sealed record BonusGrantedAtRate(string BonusId, decimal Amount, string Currency, string? Kind, decimal? ExchangeRate);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(BonusGrantedAtRate))]
internal sealed partial class FastTrackCanonicalJsonContext : JsonSerializerContext;
