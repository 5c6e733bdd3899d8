using System.Text.Json;
using Ingestion.Adapters.FastTrack;
using Ingestion.Events;
using Ingestion.Profiles;
using Microsoft.Extensions.Time.Testing;

namespace Ingestion.UnitTests.FastTrack;

/// <summary>Fast Track's messages, shaped like the samples in its integration docs, to canonical events.</summary>
public class FastTrackMapperTests
{
    private static readonly EventParser Parser = new(new FoldOptions(), "EUR", new FakeTimeProvider(DateTimeOffset.Parse("2026-11-24T00:00:00Z")));

    // Fast Track's "Sample Request for initial Bet event", with a timestamp in RFC 3339.
    private const string BetSample = """
        {"activity_id":"2019020103308257480","amount":0.2,"balance_after":193.83,"balance_before":194.03,"bonus_wager_amount":0.05,
         "currency":"EUR","exchange_rate":1,"game_id":"10911","game_name":"Dead or Alive","game_type":"Slots","is_round_end":false,
         "locked_wager_amount":0.00,"origin":"sub.example.com","round_id":"2019020103308257480","status":"Approved",
         "timestamp":"2026-11-23T10:15:02Z","type":"Bet","user_id":"52530","vendor_id":"1","vendor_name":"NetEnt","wager_amount":0.15}
        """;

    private const string WinSample = """
        {"activity_id":"2019020103308257481","amount":0.5,"bonus_wager_amount":0.0,"currency":"EUR","exchange_rate":1,"game_id":"10911",
         "is_round_end":true,"origin":"sub.example.com","round_id":"2019020103308257480","timestamp":"2026-11-23T10:15:03Z",
         "type":"Win","user_id":"52530","vendor_id":"1"}
        """;

    // Fast Track's payment sample.
    private const string PaymentSample = """
        {"amount":32.76,"bonus_code":"CHRISTMAS2023","currency":"USD","exchange_rate":0.91,"fee_amount":2.34,"note":"string",
         "origin":"sub.example.com","payment_id":"23541","status":"Approved","timestamp":"2026-11-23T08:27:58.721607Z",
         "type":"Debit","user_id":"7865312321","vendor_id":"562","vendor_name":"Skrill"}
        """;

    // Fast Track's bonus sample.
    private const string BonusSample = """
        {"amount":10.3,"bonus_code":"WELCOME100","bonus_id":"9821","bonus_turned_real":0,"currency":"EUR","exchange_rate":0.1,
         "locked_amount":2.3,"meta":{"key1":10.00},"origin":"sub.example.com","product":"Casino","required_wagering_amount":412.3,
         "status":"Created","timestamp":"2026-11-23T08:27:58.721607+06:00","type":"WelcomeBonus","user_bonus_id":"863512",
         "user_id":"7865312321","fasttrack_references":{"id":"ABC123","action_id":2000}}
        """;

    private static T Read<T>(string json, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) => JsonSerializer.Deserialize(json, type)!;

    private static FastTrackCasino Casino(string json) => Read(json, FastTrackJsonContext.Default.FastTrackCasino);

    private static FastTrackPayment Payment(string json) => Read(json, FastTrackJsonContext.Default.FastTrackPayment);

    private static string With(string json, string field, string rawValue)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(json)!.AsObject();
        node[field] = rawValue == "null" ? null : System.Text.Json.Nodes.JsonNode.Parse(rawValue);
        return node.ToJsonString();
    }

    private static JsonElement Single(FastTrackMapping m)
    {
        var e = Assert.Single(m.Events);
        Parser.Parse(e); // every event we make must pass the canonical pipeline's own validation
        return e;
    }

    private static JsonElement Data(JsonElement e) => e.GetProperty("data");

    [Fact]
    public void CasinoBet_IsAWalletBet_WithItsBonusPart_AndANamespacedTransaction()
    {
        var m = FastTrackMapper.Casino(Casino(BetSample));

        var e = Single(m);
        Assert.Equal("52530", m.PlayerId);
        Assert.Equal("wallet.bet", e.GetProperty("type").GetString());
        Assert.Equal("ft-casino-2019020103308257480-approved", e.GetProperty("id").GetString());
        Assert.Equal("/fasttrack", e.GetProperty("source").GetString());
        Assert.Equal("52530", e.GetProperty("subject").GetString());
        Assert.Equal("casino:2019020103308257480", Data(e).GetProperty("transactionId").GetString());
        Assert.Equal("2019020103308257480", Data(e).GetProperty("roundId").GetString());
        Assert.Equal("10911", Data(e).GetProperty("gameId").GetString());
        Assert.Equal(0.2m, Data(e).GetProperty("amount").GetDecimal());
        Assert.Equal(0.05m, Data(e).GetProperty("bonusAmount").GetDecimal());
        Assert.Equal(1m, Data(e).GetProperty("exchangeRate").GetDecimal());
    }

    [Fact]
    public void CasinoWin_IsAWalletWin_ThatClosesTheRoundWhenIsRoundEndSaysSo()
    {
        var e = Single(FastTrackMapper.Casino(Casino(WinSample)));

        Assert.Equal("wallet.win", e.GetProperty("type").GetString());
        Assert.Equal(0.5m, Data(e).GetProperty("amount").GetDecimal());
        Assert.True(Data(e).GetProperty("roundClosed").GetBoolean());
        Assert.Equal("2019020103308257480", Data(e).GetProperty("roundId").GetString());
    }

    [Fact]
    public void CasinoLoss_IsAWinOfZero_ThatClosesTheRound_WhateverAmountItCarries()
    {
        var loss = With(With(WinSample, "type", "\"Loss\""), "amount", "0.2");

        var e = Single(FastTrackMapper.Casino(Casino(loss)));

        Assert.Equal("wallet.win", e.GetProperty("type").GetString());
        Assert.Equal(0m, Data(e).GetProperty("amount").GetDecimal());
        Assert.True(Data(e).GetProperty("roundClosed").GetBoolean());
    }

    [Fact]
    public void CasinoRollback_ReversesTheEventWithTheSameActivityId()
    {
        var e = Single(FastTrackMapper.Casino(Casino(With(BetSample, "status", "\"Rollback\""))));

        Assert.Equal("wallet.rollback", e.GetProperty("type").GetString());
        Assert.Equal("ft-casino-2019020103308257480-rollback", e.GetProperty("id").GetString());
        Assert.Equal("casino:2019020103308257480", Data(e).GetProperty("referenceTransactionId").GetString());
        Assert.Equal("casino:2019020103308257480:rollback", Data(e).GetProperty("transactionId").GetString());
    }

    [Fact]
    public void CasinoBetOfZero_AFreeRound_MakesNoEvent()
    {
        var m = FastTrackMapper.Casino(Casino(With(With(BetSample, "amount", "0"), "bonus_wager_amount", "0")));

        Assert.Empty(m.Events);
    }

    [Fact]
    public void CasinoStatus_WhenAbsent_IsApproved_AndEnumsIgnoreCase()
    {
        var e = Single(FastTrackMapper.Casino(Casino(With(With(BetSample, "status", "null"), "type", "\"bet\""))));

        Assert.Equal("wallet.bet", e.GetProperty("type").GetString());
    }

    [Fact]
    public void SameMessage_GivesTheSameEvents_SoAResentMessageDedups()
    {
        var first = FastTrackMapper.Casino(Casino(BetSample)).Events[0].GetRawText();
        var again = FastTrackMapper.Casino(Casino(BetSample)).Events[0].GetRawText();
        var payment1 = FastTrackMapper.Payment(Payment(PaymentSample)).Events[0].GetRawText();
        var payment2 = FastTrackMapper.Payment(Payment(PaymentSample)).Events[0].GetRawText();

        Assert.Equal(first, again);
        Assert.Equal(payment1, payment2);
    }

    [Fact]
    public void NumericIds_ReadAsTheSameStrings()
    {
        var m = FastTrackMapper.Casino(Casino(With(With(BetSample, "user_id", "52530"), "game_id", "10911")));

        Assert.Equal("52530", m.PlayerId);
        Assert.Equal("10911", Data(Single(m)).GetProperty("gameId").GetString());
    }

    [Theory]
    [InlineData("Credit", "wallet.deposit")]
    [InlineData("Debit", "wallet.withdrawal")]
    public void PaymentCredit_IsADeposit_AndDebitAWithdrawal(string type, string expected)
    {
        var e = Single(FastTrackMapper.Payment(Payment(With(PaymentSample, "type", $"\"{type}\""))));

        Assert.Equal(expected, e.GetProperty("type").GetString());
        Assert.Equal("payment:23541", Data(e).GetProperty("transactionId").GetString());
        Assert.Equal(32.76m, Data(e).GetProperty("amount").GetDecimal());
        Assert.Equal(0.91m, Data(e).GetProperty("exchangeRate").GetDecimal());
        Assert.Equal("Skrill", Data(e).GetProperty("provider").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, Data(e).GetProperty("method").ValueKind);
    }

    [Theory]
    [InlineData("Requested", "pending")]
    [InlineData("Approved", "approved")]
    [InlineData("Rejected", "rejected")]
    [InlineData("Cancelled", "cancelled")]
    public void PaymentStatuses_BecomeCanonicalStatuses_OfOneTransaction(string status, string expected)
    {
        var e = Single(FastTrackMapper.Payment(Payment(With(PaymentSample, "status", $"\"{status}\""))));

        Assert.Equal(expected, Data(e).GetProperty("status").GetString());
        Assert.Equal($"ft-payment-23541-{status.ToLowerInvariant()}", e.GetProperty("id").GetString());
        Assert.Equal("payment:23541", Data(e).GetProperty("transactionId").GetString());
    }

    [Fact]
    public void PaymentRollback_ReversesThePaymentWithTheSamePaymentId()
    {
        var e = Single(FastTrackMapper.Payment(Payment(With(PaymentSample, "status", "\"Rollback\""))));

        Assert.Equal("wallet.rollback", e.GetProperty("type").GetString());
        Assert.Equal("payment:23541", Data(e).GetProperty("referenceTransactionId").GetString());
    }

    [Fact]
    public void BonusCreated_IsBonusGranted_KeyedByUserBonusId_AtItsExchangeRate()
    {
        var e = Single(FastTrackMapper.Bonus(Read(BonusSample, FastTrackJsonContext.Default.FastTrackBonus)));

        Assert.Equal("bonus.granted", e.GetProperty("type").GetString());
        Assert.Equal("863512", Data(e).GetProperty("bonusId").GetString());
        Assert.Equal(10.3m, Data(e).GetProperty("amount").GetDecimal());
        Assert.Equal(0.1m, Data(e).GetProperty("exchangeRate").GetDecimal());
        Assert.Equal("WelcomeBonus", Data(e).GetProperty("kind").GetString());
        Assert.Equal(DateTimeOffset.Parse("2026-11-23T02:27:58.721607Z"), e.GetProperty("time").GetDateTimeOffset());
    }

    [Theory]
    [InlineData("Pending")]
    [InlineData("Ongoing")]
    [InlineData("Completed")]
    [InlineData("Forfeited")]
    [InlineData("Reversed")]
    public void BonusStatusesOtherThanCreated_MakeNoEvent(string status)
    {
        var m = FastTrackMapper.Bonus(Read(With(BonusSample, "status", $"\"{status}\""), FastTrackJsonContext.Default.FastTrackBonus));

        Assert.Empty(m.Events);
    }

    [Fact]
    public void Login_IsPlayerLogin_WithTheDeviceFromTheUserAgent_ButNotWhenImpersonated()
    {
        const string login = """
            {"user_id":"7865312321","is_impersonated":false,"ip_address":"192.0.2.1",
             "user_agent":"Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148","timestamp":"2026-11-23T08:27:58Z","origin":"sub.example.com"}
            """;

        var e = Single(FastTrackMapper.Login(Read(login, FastTrackJsonContext.Default.FastTrackLogin)));
        var impersonated = FastTrackMapper.Login(Read(With(login, "is_impersonated", "true"), FastTrackJsonContext.Default.FastTrackLogin));

        Assert.Equal("player.login", e.GetProperty("type").GetString());
        Assert.Equal("mobile", Data(e).GetProperty("device").GetString());
        Assert.Empty(impersonated.Events);
    }

    [Theory]
    [InlineData("2015-03-02T8:27:58.721607Z", "2015-03-02T08:27:58.721607Z")]
    [InlineData("2018-02-18 18:13:06", "2018-02-18T18:13:06Z")]
    [InlineData("2015-03-02T8:27:58.721607+06:00", "2015-03-02T02:27:58.721607Z")]
    public void Timestamps_AsFastTrackSamplesWriteThem_AreRead_AsUtcWhenNoOffset(string given, string expected)
    {
        Assert.Equal(DateTimeOffset.Parse(expected), FastTrackMapper.Time(given));
    }

    [Theory]
    [InlineData("activity_id", "null", "field activity_id: is required")]
    [InlineData("type", "\"Jackpot\"", "field type: must be one of Bet, Win, Loss")]
    [InlineData("status", "\"Pending\"", "field status: must be one of Approved, Rollback")]
    [InlineData("currency", "\"EURO\"", "field currency: must be an ISO 4217 code such as \"EUR\"")]
    [InlineData("amount", "-1", "field amount: must be >= 0")]
    [InlineData("exchange_rate", "0", "field exchange_rate: must be > 0 (the amount times exchange_rate is the amount in the base currency)")]
    [InlineData("bonus_wager_amount", "1", "field bonus_wager_amount: must not exceed amount (amount = wager_amount + bonus_wager_amount + locked_wager_amount)")]
    [InlineData("user_id", "\"p {1}\"", "field user_id: must not contain braces, '|', spaces or control characters")]
    [InlineData("timestamp", "\"yesterday\"", "field timestamp: must be an RFC 3339 timestamp such as \"2026-11-23T10:15:02Z\"")]
    [InlineData("round_id", "\"\"", "field round_id: is required")]
    public void BadCasinoField_IsRefused_NamingFastTracksField(string field, string value, string expected)
    {
        var e = Assert.Throws<EventRejectedException>(() => FastTrackMapper.Casino(Casino(With(BetSample, field, value))));

        Assert.Equal(expected, e.Message);
    }

    [Theory]
    [InlineData("amount", "\"lots\"", "amount", "must be a number")]
    [InlineData("is_round_end", "\"yes\"", "is_round_end", "must be true or false")]
    [InlineData("user_id", "{}", "user_id", "must be a string or a number")]
    [InlineData("currency", "978", "currency", "must be a string")]
    public void WrongJsonType_NamesTheFieldAndWhatItMustBe(string field, string value, string expectedField, string expectedProblem)
    {
        var e = Assert.Throws<JsonException>(() => Casino(With(BetSample, field, value)));

        Assert.Equal((expectedField, expectedProblem), FastTrackJsonErrors.Describe(e, FastTrackJsonContext.Default.FastTrackCasino));
    }

    [Fact]
    public void WrongJsonTypeInAList_NamesTheItemsField()
    {
        const string json = """{"user_id":"1","timestamp":"2026-11-23T10:00:00Z","blocks":[{"active":true,"type":"Blocked"},{"active":"no","type":"Excluded"}]}""";

        var e = Assert.Throws<JsonException>(() => Read(json, FastTrackJsonContext.Default.FastTrackUserBlocksChanged));

        Assert.Equal(("blocks[1].active", "must be true or false"),
            FastTrackJsonErrors.Describe(e, FastTrackJsonContext.Default.FastTrackUserBlocksChanged));
    }

    [Fact]
    public void NumbersSentAsStrings_AreRead()
    {
        var e = Single(FastTrackMapper.Payment(Payment(With(PaymentSample, "amount", "\"32.76\""))));

        Assert.Equal(32.76m, Data(e).GetProperty("amount").GetDecimal());
    }

    [Fact]
    public void SlimRegistration_MakesNoEventYet_ButOneCarryingCountryAndCurrency_RegistersThePlayer()
    {
        const string slim = """{"user_id":"7865312321","note":"Any note","user_agent":"Mozilla/5.0","ip_address":"1.1.1.1","timestamp":"2026-11-23T08:27:58Z","origin":"sub.example.com"}""";

        var none = FastTrackMapper.Registration(Read(slim, FastTrackJsonContext.Default.FastTrackUser));
        var full = Single(FastTrackMapper.Registration(Read(With(With(With(slim, "country", "\"mt\""), "currency", "\"eur\""), "birth_date", "\"1992-03-02\""),
            FastTrackJsonContext.Default.FastTrackUser)));

        Assert.Empty(none.Events);
        Assert.Equal("7865312321", none.PlayerId);
        Assert.Equal("player.registered", full.GetProperty("type").GetString());
        Assert.Equal("MT", Data(full).GetProperty("country").GetString());
        Assert.Equal("EUR", Data(full).GetProperty("currency").GetString());
        Assert.Equal(1992, Data(full).GetProperty("birthYear").GetInt32());
    }

    [Fact]
    public void AffiliateReference_IsTheAttribution_AffiliateAndBtag_AndTheRegistrationCodeItsCampaign()
    {
        const string message = """{"user_id":"7865312321","timestamp":"2026-11-23T08:27:58Z","origin":"x","country":"MT","currency":"EUR","affiliate_reference":"aff-77_btag-9f3","registration_code":"spring"}""";
        var e = Single(FastTrackMapper.Registration(Read(message, FastTrackJsonContext.Default.FastTrackUser)));
        Assert.Equal("aff-77_btag-9f3", Data(e).GetProperty("affiliateId").GetString());
        Assert.Equal("aff-77_btag-9f3", Data(e).GetProperty("btag").GetString());
        Assert.Equal("spring", Data(e).GetProperty("campaign").GetString());
    }

    [Fact]
    public void BlocksCarriedInTheMessage_BecomeRestrictions_AndNoneActiveLiftsOnlyWhatIsHeld()
    {
        static FastTrackUserBlocksChanged Message(bool excluded, bool blocked) => new("p-1", "2026-11-23T10:00:00Z", "x",
            [new FastTrackBlock(excluded, "Excluded", "reason"), new FastTrackBlock(blocked, "Blocked", "")]);

        var both = FastTrackMapper.UserBlocks(Message(true, true), restrictedNow: false).Events;
        var liftHeld = FastTrackMapper.UserBlocks(Message(false, false), restrictedNow: true).Events;
        var nothingHeld = FastTrackMapper.UserBlocks(Message(false, false), restrictedNow: false).Events;

        Assert.Equal(["self_exclusion", "block"], both.Select(e => Data(e).GetProperty("kind").GetString()));
        Assert.Equal(["lifted"], liftHeld.Select(e => Data(e).GetProperty("kind").GetString()));
        Assert.Empty(nothingHeld);
        foreach (var e in both.Concat(liftHeld)) Parser.Parse(e);
    }

    [Fact]
    public void ConsentsCarriedInTheMessage_MapToCanonicalChannels_AndAnUnknownTypeIsRefused()
    {
        FastTrackConsent[] consents =
        [
            new(true, "email"), new(false, "sms"), new(true, "telephone"), new(true, "postMail"),
            new(false, "siteNotification"), new(true, "pushNotification"),
        ];

        var events = FastTrackMapper.UserConsents(new("p-1", "2026-11-23T10:00:00Z", "x", consents)).Events;
        var bad = Assert.Throws<EventRejectedException>(() =>
            FastTrackMapper.UserConsents(new("p-1", "2026-11-23T10:00:00Z", "x", [new(true, "pigeon")])));

        Assert.Equal(["email:True", "phone:True", "push:True", "site:False", "sms:False"],
            events.Select(e => $"{Data(e).GetProperty("channel").GetString()}:{Data(e).GetProperty("granted").GetBoolean()}"));
        Assert.Equal("consents[0].type", bad.Field);
        foreach (var e in events) Parser.Parse(e);
    }
}
