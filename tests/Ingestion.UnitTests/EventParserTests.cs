using System.Text.Json;
using Ingestion.Events;
using Ingestion.Profiles;
using Microsoft.Extensions.Time.Testing;

namespace Ingestion.UnitTests;

public class EventParserTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    private static EventParser Parser(Dictionary<string, decimal>? rates = null) =>
        new(new FoldOptions { ExchangeRates = rates ?? new(StringComparer.OrdinalIgnoreCase) }, "EUR", new FakeTimeProvider(Now));

    private static string Event(string type, string data, string extra = "") =>
        $$"""{"specversion":"1.0","id":"e-1","source":"/wallet","type":"{{type}}","time":"2026-11-23T10:15:02Z","subject":"p-1042"{{extra}},"data":{{data}}}""";

    private static FoldCommand Parse(string json, EventParser? parser = null)
    {
        using var doc = JsonDocument.Parse(json);
        return (parser ?? Parser()).Parse(doc.RootElement);
    }

    private static string ErrorOf(string json, EventParser? parser = null) =>
        Assert.Throws<EventRejectedException>(() => Parse(json, parser)).Message;

    [Fact]
    public void Bet_BecomesAFoldCommandInBaseUnits()
    {
        var c = Parse(Event("wallet.bet", """{"transactionId":"tx-77","roundId":"r-12","gameId":"g-starburst","amount":2.50,"currency":"EUR","bonusAmount":0.5}"""));

        Assert.Equal("p-1042", c.PlayerId);
        Assert.Equal("g-starburst", c.GameId);
        Assert.Equal("bet", (string?)c.Args[0]);
        Assert.Equal(LedgerRecords.Transaction("tx-77"), (byte[])c.Args[1]!);
        Assert.Equal(25_000L, (long)c.Args[4]);
        Assert.Equal(5_000L, (long)c.Args[5]);
        Assert.Equal(LedgerRecords.Bet(25_000, 5_000), (byte[])c.Args[7]!);
    }

    [Theory]
    [InlineData("""{"roundId":"r","gameId":"g","amount":1,"currency":"EUR"}""", "field data.transactionId: is required")]
    [InlineData("""{"transactionId":"t","roundId":"r","gameId":"g","amount":0,"currency":"EUR"}""", "field data.amount: must be > 0")]
    [InlineData("""{"transactionId":"t","roundId":"r","gameId":"g","amount":"1","currency":"EUR"}""", "field data.amount: must be a number")]
    [InlineData("""{"transactionId":"t","roundId":"r","gameId":"g","amount":1,"currency":"euro"}""", "field data.currency: must be an ISO 4217 code such as \"EUR\"")]
    [InlineData("""{"transactionId":"t","roundId":"r","gameId":"g","amount":1,"currency":"EUR","bonusAmount":2}""", "field data.bonusAmount: must not exceed data.amount")]
    [InlineData("""{"transactionId":"t","gameId":"g","amount":1,"currency":"EUR"}""", "field data.roundId: is required")]
    public void Bet_WithABadField_NamesTheFieldAndTheProblem(string data, string expected) =>
        Assert.Equal(expected, ErrorOf(Event("wallet.bet", data)));

    [Theory]
    [InlineData("""{"specversion":"0.3","id":"1","source":"/s","type":"player.login","subject":"p","data":{}}""", "field specversion: must be \"1.0\"")]
    [InlineData("""{"specversion":"1.0","source":"/s","type":"player.login","subject":"p","data":{}}""", "field id: is required")]
    [InlineData("""{"specversion":"1.0","id":"1","source":"/s","type":"player.login","data":{}}""", "field subject: is required (the player id)")]
    [InlineData("""{"specversion":"1.0","id":"1","source":"/s","type":"player.login","subject":"p{1}","data":{}}""", "field subject: must not contain braces, '|', spaces or control characters")]
    [InlineData("""{"specversion":"1.0","id":"1","source":"/s","type":"player.login","subject":"p","time":"yesterday","data":{}}""", "field time: must be an RFC 3339 timestamp such as 2026-11-23T10:15:02Z")]
    [InlineData("""{"specversion":"1.0","id":"1","source":"/s","type":"player.login","subject":"p"}""", "field data: is required and must be a JSON object")]
    [InlineData("""{"specversion":"1.0","id":"c","source":"a|b","type":"player.login","subject":"p","data":{}}""", "field source: must not contain '|' (percent-encode it as %7C)")]
    [InlineData("""{"specversion":"1.0","id":"c","source":"a\u007cb","type":"player.login","subject":"p","data":{}}""", "field source: must not contain '|' (percent-encode it as %7C)")]
    [InlineData("""[1]""", "field event: must be a JSON object")]
    public void Envelope_WithABadField_NamesTheField(string json, string expected) => Assert.Equal(expected, ErrorOf(json));

    [Fact]
    public void UnknownType_ListsTheKnownOnes()
    {
        var error = ErrorOf(Event("wallet.bonk", "{}"));
        Assert.StartsWith("field type: 'wallet.bonk' is not a known event type (one of player.registered,", error);
    }

    [Fact]
    public void ForeignCurrency_UsesTheEventsExchangeRate_RoundedToAHundredthOfACent()
    {
        var c = Parse(Event("wallet.deposit", """{"transactionId":"d","amount":10.00,"currency":"USD","exchangeRate":0.923456,"status":"approved"}"""));
        // 10 × 0.923456 = 9.23456 → 9.2346 base units at four decimals
        Assert.Equal(92_346L, (long)c.Args[4]);
    }

    [Fact]
    public void ForeignCurrency_FallsBackToTheConfiguredRate()
    {
        var parser = Parser(new(StringComparer.OrdinalIgnoreCase) { ["GBP"] = 1.15m });
        var c = Parse(Event("wallet.win", """{"transactionId":"w","roundId":"r","gameId":"g","amount":4,"currency":"GBP"}"""), parser);
        Assert.Equal(46_000L, (long)c.Args[4]);
    }

    [Fact]
    public void ForeignCurrency_WithoutAnyRate_SaysHowToFixIt()
    {
        var error = ErrorOf(Event("wallet.win", """{"transactionId":"w","roundId":"r","gameId":"g","amount":4,"currency":"SEK"}"""));
        Assert.Equal("field data.currency: no exchange rate for SEK to EUR: send data.exchangeRate or configure Ingestion:ExchangeRates:SEK", error);
    }

    [Fact]
    public void Win_OfZero_IsAccepted()
    {
        var c = Parse(Event("wallet.win", """{"transactionId":"w","roundId":"r","gameId":"g","amount":0,"currency":"EUR","roundClosed":true}"""));
        Assert.Equal(0L, (long)c.Args[4]);
    }

    [Fact]
    public void DeclinedDeposit_CarriesItsReasonAfterTheAmount_AndTheMethodByNumber()
    {
        var c = Parse(Event("wallet.deposit", """{"transactionId":"d","amount":10,"currency":"EUR","status":"rejected","method":"e_wallet","declineReason":"suspected_fraud","provider":"praxis","vendorCode":"05"}"""));
        Assert.Equal([.. LedgerRecords.Amount(100_000), (byte)3], (byte[])c.Args[6]!);
        Assert.Equal(2, (int)c.Args[7]);
        var other = Parse(Event("wallet.deposit", """{"transactionId":"d","amount":10,"currency":"EUR","status":"rejected"}"""));
        Assert.Equal([.. LedgerRecords.Amount(100_000), (byte)6], (byte[])other.Args[6]!);
    }

    [Fact]
    public void Payment_WithAnUnknownMethodOrReason_NamesTheField()
    {
        Assert.Equal("field data.method: must be one of card, e_wallet, bank_transfer, open_banking, crypto, voucher, mobile, other",
            ErrorOf(Event("wallet.deposit", """{"transactionId":"d","amount":10,"currency":"EUR","status":"approved","method":"cheque"}""")));
        Assert.StartsWith("field data.declineReason: must be one of insufficient_funds,",
            ErrorOf(Event("wallet.deposit", """{"transactionId":"d","amount":10,"currency":"EUR","status":"rejected","declineReason":"nope"}""")));
    }

    [Fact]
    public void Rollback_IsKeyedByTheTransactionItCancels()
    {
        var c = Parse(Event("wallet.rollback", """{"transactionId":"rb-1","referenceTransactionId":"tx-77"}"""));
        Assert.Equal(LedgerRecords.Transaction("tx-77"), (byte[])c.Args[1]!);
    }

    [Fact]
    public void Rollback_OfItself_IsRejected() =>
        Assert.Equal("field data.referenceTransactionId: must differ from data.transactionId",
            ErrorOf(Event("wallet.rollback", """{"transactionId":"a","referenceTransactionId":"a"}""")));

    [Fact]
    public void Registration_NeedsACountryCode() =>
        Assert.Equal("field data.country: must be an ISO 3166-1 alpha-2 code such as \"MT\"",
            ErrorOf(Event("player.registered", """{"country":"Malta","currency":"EUR"}""")));

    [Fact]
    public void Consent_NeedsAKnownChannel() =>
        Assert.Equal("field data.channel: must be one of email, sms, push, phone, site",
            ErrorOf(Event("player.consent", """{"channel":"fax","granted":true}""")));

    [Fact]
    public void CoolingOff_NeedsAnEnd() =>
        Assert.Equal("field data.until: is required for cooling_off", ErrorOf(Event("player.rg", """{"kind":"cooling_off"}""")));

    [Fact]
    public void Session_EndingBeforeItStarts_IsRejected() =>
        Assert.Equal("field data.endedAt: must not be before data.startedAt",
            ErrorOf(Event("game.session", """{"gameId":"g","startedAt":"2026-11-23T10:00:00Z","endedAt":"2026-11-23T09:00:00Z"}""")));

    [Fact]
    public void Session_CountsOnTheDayItStarted()
    {
        var c = Parse(Event("game.session", """{"gameId":"g","startedAt":"2026-11-22T23:50:00Z","endedAt":"2026-11-23T00:10:00Z"}"""));
        Assert.Equal(EventParser.DayOf(new DateTimeOffset(2026, 11, 22, 0, 0, 0, TimeSpan.Zero)), (long)c.Args[3]);
    }

    [Fact]
    public void MissingTime_UsesTheClock()
    {
        var c = Parse("""{"specversion":"1.0","id":"1","source":"/s","type":"player.login","subject":"p","data":{}}""");
        Assert.Equal(Now.ToUnixTimeMilliseconds(), (long)c.Args[2]);
    }

    [Fact]
    public void DayOf_CountsWholeUtcDaysFromTheEpoch()
    {
        Assert.Equal(0, EventParser.DayOf(DateTimeOffset.UnixEpoch));
        Assert.Equal(-1, EventParser.DayOf(DateTimeOffset.UnixEpoch.AddSeconds(-1)));
        Assert.Equal(20_415, EventParser.DayOf(new DateTimeOffset(2025, 11, 23, 23, 59, 59, TimeSpan.Zero)));
    }

    [Fact]
    public void TimeBefore1970_IsRejected()
    {
        Assert.Equal("field time: must not be before 1970-01-01T00:00:00Z",
            ErrorOf("""{"specversion":"1.0","id":"1","source":"/s","type":"player.login","time":"1969-12-31T23:59:59Z","subject":"p","data":{}}"""));
        Assert.Equal("field data.startedAt: must not be before 1970-01-01T00:00:00Z",
            ErrorOf(Event("game.session", """{"gameId":"g","startedAt":"1969-12-31T23:00:00Z","endedAt":"2026-11-23T00:10:00Z"}""")));
    }

    /// <summary>The script reads records back to back by the arity of their op, so parser and script must agree on every one.</summary>
    [Theory]
    [InlineData("player.registered", """{"country":"MT","currency":"EUR"}""")]
    [InlineData("player.updated", """{"kycStatus":"verified"}""")]
    [InlineData("player.login", """{"device":"mobile"}""")]
    [InlineData("player.consent", """{"channel":"email","granted":true}""")]
    [InlineData("player.rg", """{"kind":"block"}""")]
    [InlineData("wallet.deposit", """{"transactionId":"d","amount":10,"currency":"EUR","status":"approved"}""")]
    [InlineData("wallet.withdrawal", """{"transactionId":"w","amount":10,"currency":"EUR","status":"pending"}""")]
    [InlineData("wallet.bet", """{"transactionId":"b","roundId":"r","gameId":"g","amount":1,"currency":"EUR"}""")]
    [InlineData("wallet.win", """{"transactionId":"w","roundId":"r","gameId":"g","amount":1,"currency":"EUR"}""")]
    [InlineData("wallet.rollback", """{"transactionId":"rb","referenceTransactionId":"b"}""")]
    [InlineData("bonus.granted", """{"bonusId":"bo","amount":5,"currency":"EUR"}""")]
    [InlineData("game.session", """{"gameId":"g","startedAt":"2026-11-23T10:00:00Z","endedAt":"2026-11-23T10:05:00Z"}""")]
    [InlineData("player.kyc", """{"status":"rejected","provider":"sumsub","level":"basic","reasons":["FORGERY"],"final":true}""")]
    [InlineData("player.aml", """{"riskLevel":"high","provider":"comply"}""")]
    [InlineData("player.geo", """{"result":"blocked","country":"US","region":"NJ"}""")]
    public void EveryOp_HasTheArgumentCountTheScriptReads(string type, string data)
    {
        var arity = System.Text.RegularExpressions.Regex.Match(ProfileWriter.FoldScript, @"local ARITY = \{([^}]*)\}").Groups[1].Value
            .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', StringSplitOptions.TrimEntries))
            .ToDictionary(p => p[0], p => int.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture));
        var c = Parse(Event(type, data));
        Assert.Equal(16, arity.Count); // the parser's fifteen, and the upgrade's mig
        Assert.Equal(4 + arity[(string)c.Args[0]!], c.Args.Length);
    }

    [Fact]
    public void Fingerprints_AreTheIdentitiesTheLedgerUsedAsFieldNames_HashedToSevenBytes()
    {
        var c = Parse(Event("player.login", """{"device":"mobile"}"""));
        Assert.Equal(LedgerRecords.Fingerprint("e:/wallet|e-1", ""), (byte[])c.Args[1]!);
        Assert.Equal(LedgerRecords.FingerprintBytes, ((byte[])c.Args[1]!).Length);
        Assert.Equal(LedgerRecords.Fingerprint("x:tx-77", ""), LedgerRecords.Transaction("tx-77"));
        Assert.NotEqual(LedgerRecords.Transaction("tx-77"), LedgerRecords.Transaction("tx-78"));
    }

    [Theory]
    [InlineData(25_000L, new byte[] { 0xF4, 0x03 })] // 2.50: 250 cents, code 500
    [InlineData(12_345L, new byte[] { 0xF3, 0xC0, 0x01 })] // 1.2345: not whole cents, code 24,691
    [InlineData(0L, new byte[] { 0 })]
    public void Amounts_AreVarintsOfWholeCentsWhenTheyCan(long units, byte[] encoded)
    {
        Assert.Equal(encoded, LedgerRecords.Amount(units));
        Assert.Equal(units, LedgerRecords.Units(LedgerRecords.AmountCode(units)));
    }

    // Now is 2026-11-23T12:00:00Z; the default Ingestion:MaxClockSkew is 5 minutes.
    private static string At(string time, string type = "player.rg", string data = """{"kind":"lifted"}""") =>
        $$"""{"specversion":"1.0","id":"e-1","source":"/pam","type":"{{type}}","time":"{{time}}","subject":"p-1042","data":{{data}}}""";

    [Fact]
    public void AnEventDatedAheadOfTheClock_IsAcceptedUpToTheSkew_AndRefusedPastIt_NamingTheField()
    {
        Assert.Equal(Now.AddMinutes(5).ToUnixTimeMilliseconds(), (long)Parse(At("2026-11-23T12:05:00Z")).Args[2]);
        Assert.Equal("field time: must not be more than 5 minutes ahead of the receiver's clock (it is 2026-11-23T12:00:00Z; Ingestion:MaxClockSkew)",
            ErrorOf(At("2026-11-23T12:05:00.001Z")));
        // A lift dated next year would cancel every restriction set before it.
        Assert.StartsWith("field time: must not be more than 5 minutes ahead", ErrorOf(At("2027-11-23T12:00:00Z")), StringComparison.Ordinal);
    }

    [Fact]
    public void AStringHoldingALoneSurrogate_IsRefusedNamingItsField_NotA500()
    {
        // Found by the fuzz suite: GetString throws on an escape that is no character, which answered 500.
        const string bet = """{"transactionId":"TX","roundId":"r","gameId":"g","amount":1,"currency":"CUR"}""";
        Assert.StartsWith("field data.transactionId: must be valid text", ErrorOf(At("2026-11-23T11:00:00Z", "wallet.bet",
            bet.Replace("TX", "\\ud800", StringComparison.Ordinal).Replace("CUR", "EUR", StringComparison.Ordinal))), StringComparison.Ordinal);
        Assert.StartsWith("field data.currency: must be valid text", ErrorOf(At("2026-11-23T11:00:00Z", "wallet.bet",
            bet.Replace("TX", "tx", StringComparison.Ordinal).Replace("CUR", "\\udc00", StringComparison.Ordinal))), StringComparison.Ordinal);
    }

    [Fact]
    public void ASessionEndingAheadOfTheClock_IsRefusedNamingItsField()
    {
        Assert.StartsWith("field data.endedAt: must not be more than 5 minutes ahead", ErrorOf(At("2026-11-23T11:00:00Z", "game.session",
            """{"gameId":"g","startedAt":"2026-11-23T11:00:00Z","endedAt":"2026-11-23T13:00:00Z"}""")), StringComparison.Ordinal);
        Assert.StartsWith("field data.startedAt: must not be more than 5 minutes ahead", ErrorOf(At("2026-11-23T11:00:00Z", "game.session",
            """{"gameId":"g","startedAt":"2026-11-24T11:00:00Z","endedAt":"2026-11-24T13:00:00Z"}""")), StringComparison.Ordinal);
    }

    [Fact]
    public void ARestrictionsEnd_IsAFutureTimeByNature_AndTheSkewIsConfigurable()
    {
        var coolingOff = Parse(At("2026-11-23T11:59:00Z", data: """{"kind":"cooling_off","until":"2027-05-23T12:00:00Z"}"""));
        Assert.Equal("p-1042", coolingOff.PlayerId);
        var lenient = new EventParser(new FoldOptions { MaxClockSkew = TimeSpan.FromHours(1) }, "EUR", new FakeTimeProvider(Now));
        Assert.Equal("p-1042", Parse(At("2026-11-23T12:59:00Z"), lenient).PlayerId);
        var strict = new EventParser(new FoldOptions { MaxClockSkew = TimeSpan.Zero }, "EUR", new FakeTimeProvider(Now));
        Assert.StartsWith("field time: must not be more than 0 minutes ahead", ErrorOf(At("2026-11-23T12:00:00.001Z"), strict), StringComparison.Ordinal);
    }

    private static string Bet(string money) =>
        Event("wallet.bet", $$"""{"transactionId":"t","roundId":"r","gameId":"g",{{money}}}""");

    [Theory]
    [InlineData("\"amount\":1000000000,\"currency\":\"USD\",\"exchangeRate\":79228162514264337593543950335", "field data.exchangeRate: must be between 0.000000001 and 10000000 (base-currency units per unit of data.currency)")]
    [InlineData("\"amount\":5,\"currency\":\"USD\",\"exchangeRate\":0.00000000000000000001", "field data.exchangeRate: must be between 0.000000001 and 10000000 (base-currency units per unit of data.currency)")]
    [InlineData("\"amount\":1000000000,\"currency\":\"BTC\",\"exchangeRate\":10000000", "field data.amount: must not exceed 1000000000 in base currency")]
    [InlineData("\"amount\":0.00004,\"currency\":\"EUR\"", "field data.amount: is less than the smallest amount kept (0.0001 EUR) once converted at 1 EUR per EUR")]
    [InlineData("\"amount\":1,\"currency\":\"XYZ\",\"exchangeRate\":0.00001", "field data.amount: is less than the smallest amount kept (0.0001 EUR) once converted at 0.00001 EUR per XYZ")]
    public void Money_BeyondWhatCanBeKept_IsRefusedNamingTheField_NeverOverflowing(string money, string expected) =>
        Assert.Equal(expected, ErrorOf(Bet(money)));

    [Fact]
    public void Money_AtTheBounds_IsKept()
    {
        Assert.Equal(1L, (long)Parse(Bet("\"amount\":0.00005,\"currency\":\"EUR\"")).Args[4]);
        Assert.Equal(1_000_000_000L * 10_000, (long)Parse(Bet("\"amount\":100,\"currency\":\"BTC\",\"exchangeRate\":10000000")).Args[4]);
        Assert.Equal(10L, (long)Parse(Bet("\"amount\":1000000,\"currency\":\"XYZ\",\"exchangeRate\":0.000000001")).Args[4]);
        var badConfig = Parser(new(StringComparer.OrdinalIgnoreCase) { ["XYZ"] = 0m });
        Assert.Equal("field data.currency: the configured rate Ingestion:ExchangeRates:XYZ (0) is not between 0.000000001 and 10000000",
            ErrorOf(Bet("\"amount\":1,\"currency\":\"XYZ\""), badConfig));
    }
}
