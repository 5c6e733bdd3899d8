using System.Text.Json;
using System.Text.Json.Nodes;
using Ingestion.Adapters.Hub88;
using Ingestion.Events;
using Ingestion.Profiles;
using Microsoft.Extensions.Time.Testing;

namespace Ingestion.UnitTests.Hub88;

/// <summary>Payloads shaped like the examples of Hub88's Operator "Wallet API" (/transaction/bet, /win, /rollback).</summary>
public class Hub88MapperTests
{
    private static readonly DateTimeOffset ReceivedAt = new(2026, 11, 23, 10, 15, 2, TimeSpan.Zero);

    internal const string Bet = """
        {"user":"john12345","transaction_uuid":"16d2dcfe-b89e-11e7-854a-58404eea6d16","supplier_transaction_id":"41ecc3ad-b181-4235-bf9d-acf0a7ad9730",
         "token":"55b7518e-b89e-11e7-81be-58404eea6d16","round":"rNEMwgzJAOZ6eR3V","round_closed":false,"request_uuid":"583c985f-fee6-4c0e-bbf5-308aad6265af",
         "is_free":false,"is_aggregated":false,"game_code":"clt_dragonrising","currency":"EUR","bet":"zero","amount":356000,"meta":{"selection":"home_team","odds":2.5}}
        """;

    internal const string Win = """
        {"user":"john12345","transaction_uuid":"7a3cba3c-b89e-11e7-9e4c-58404eea6d16","supplier_transaction_id":"41ecc3ad-b181-4235-bf9d-acf0a7ad9731",
         "token":"55b7518e-b89e-11e7-81be-58404eea6d16","round":"rNEMwgzJAOZ6eR3V","round_closed":true,"request_uuid":"583c985f-fee6-4c0e-bbf5-308aad6265b0",
         "reference_transaction_uuid":"16d2dcfe-b89e-11e7-854a-58404eea6d16","is_free":false,"is_aggregated":false,"game_code":"clt_dragonrising",
         "currency":"EUR","bet":"zero","amount":1000500,"meta":null}
        """;

    internal const string Rollback = """
        {"user":"john12345","transaction_uuid":"8c4e1a4e-b89e-11e7-9e4c-58404eea6d16","supplier_transaction_id":"41ecc3ad-b181-4235-bf9d-acf0a7ad9732",
         "token":"55b7518e-b89e-11e7-81be-58404eea6d16","round":"rNEMwgzJAOZ6eR3V","round_closed":true,"request_uuid":"583c985f-fee6-4c0e-bbf5-308aad6265b1",
         "reference_transaction_uuid":"16d2dcfe-b89e-11e7-854a-58404eea6d16","game_code":"clt_dragonrising","meta":null}
        """;

    private static Hub88Transaction Read(string json) => JsonSerializer.Deserialize(json, Hub88JsonContext.Default.Hub88Transaction)!;

    private static Hub88Transaction With(string json, string field, object? value)
    {
        var node = JsonNode.Parse(json)!.AsObject();
        node[field] = value switch
        {
            null => null,
            string s => JsonValue.Create(s),
            long l => JsonValue.Create(l),
            bool b => JsonValue.Create(b),
            _ => throw new ArgumentOutOfRangeException(nameof(value)),
        };
        return Read(node.ToJsonString());
    }

    private static JsonElement EventOf(Hub88Call call, Hub88Transaction t)
    {
        var m = Hub88Mapper.Map(call, t, ReceivedAt);
        Assert.False(m.IsError, m.Reason);
        return Assert.NotNull(m.Event);
    }

    [Fact]
    public void Bet_BecomesACanonicalBet_KeyedByTheTransactionUuid()
    {
        var e = EventOf(Hub88Call.Bet, Read(Bet));

        Assert.Equal("hub88-16d2dcfe-b89e-11e7-854a-58404eea6d16", e.GetProperty("id").GetString());
        Assert.Equal("/hub88", e.GetProperty("source").GetString());
        Assert.Equal("wallet.bet", e.GetProperty("type").GetString());
        Assert.Equal("john12345", e.GetProperty("subject").GetString());
        Assert.Equal(ReceivedAt, e.GetProperty("time").GetDateTimeOffset());
        var data = e.GetProperty("data");
        Assert.Equal("16d2dcfe-b89e-11e7-854a-58404eea6d16", data.GetProperty("transactionId").GetString());
        Assert.Equal("rNEMwgzJAOZ6eR3V", data.GetProperty("roundId").GetString());
        Assert.Equal("clt_dragonrising", data.GetProperty("gameId").GetString());
        Assert.Equal(3.56m, data.GetProperty("amount").GetDecimal());
        Assert.Equal("EUR", data.GetProperty("currency").GetString());
        Assert.Equal(JsonValueKind.Null, data.GetProperty("bonusAmount").ValueKind);
    }

    [Fact]
    public void Win_CarriesRoundClosed_AndItsAmountInCurrencyUnits()
    {
        var data = EventOf(Hub88Call.Win, Read(Win)).GetProperty("data");

        Assert.Equal(10.005m, data.GetProperty("amount").GetDecimal());
        Assert.True(data.GetProperty("roundClosed").GetBoolean());
        Assert.Equal("7a3cba3c-b89e-11e7-9e4c-58404eea6d16", data.GetProperty("transactionId").GetString());
    }

    [Fact]
    public void LosingRoundsZeroWin_IsStillRecorded_ToCloseTheRound()
    {
        var data = EventOf(Hub88Call.Win, With(Win, "amount", 0L)).GetProperty("data");

        Assert.Equal(0m, data.GetProperty("amount").GetDecimal());
    }

    [Fact]
    public void Rollback_CancelsTheReferencedTransaction()
    {
        var e = EventOf(Hub88Call.Rollback, Read(Rollback));

        Assert.Equal("wallet.rollback", e.GetProperty("type").GetString());
        Assert.Equal("8c4e1a4e-b89e-11e7-9e4c-58404eea6d16", e.GetProperty("data").GetProperty("transactionId").GetString());
        Assert.Equal("16d2dcfe-b89e-11e7-854a-58404eea6d16", e.GetProperty("data").GetProperty("referenceTransactionId").GetString());
    }

    [Theory]
    [InlineData(356000L, "3.56")]
    [InlineData(100000L, "1")]
    [InlineData(1L, "0.00001")]
    [InlineData(100500L, "1.005")]
    [InlineData(12345678901234L, "123456789.01234")]
    public void Amounts_AreIntegersOfOneHundredThousandthOfTheCurrency(long units, string expected) =>
        Assert.Equal(decimal.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), Hub88Mapper.ToMoney(units));

    [Fact]
    public void FreeBetWithZeroStake_MovesNoMoney_AndRecordsNothing()
    {
        var m = Hub88Mapper.Map(Hub88Call.Bet, With(With(Bet, "is_free", true).ToJson(), "amount", 0L), ReceivedAt);

        Assert.False(m.IsError);
        Assert.Null(m.Event);
    }

    [Fact]
    public void FreeBetWithAStake_CountsItAsBonusStake()
    {
        var data = EventOf(Hub88Call.Bet, With(Bet, "is_free", true)).GetProperty("data");

        Assert.Equal(3.56m, data.GetProperty("bonusAmount").GetDecimal());
    }

    [Theory]
    [InlineData(Hub88Call.Bet, "transaction_uuid", "field transaction_uuid: is required")]
    [InlineData(Hub88Call.Bet, "user", "field user: is required (the player id)")]
    [InlineData(Hub88Call.Bet, "round", "field round: is required")]
    [InlineData(Hub88Call.Bet, "game_code", "field game_code: is required")]
    [InlineData(Hub88Call.Bet, "currency", "field currency: is required")]
    [InlineData(Hub88Call.Bet, "amount", "field amount: is required (an integer of 1/100,000 currency units)")]
    [InlineData(Hub88Call.Win, "round", "field round: is required")]
    [InlineData(Hub88Call.Rollback, "reference_transaction_uuid", "field reference_transaction_uuid: is required")]
    public void MissingField_IsNamedAsHub88NamesIt(Hub88Call call, string field, string expected)
    {
        var json = call switch { Hub88Call.Bet => Bet, Hub88Call.Win => Win, _ => Rollback };

        Assert.Equal(expected, Hub88Mapper.Map(call, With(json, field, null), ReceivedAt).Reason);
    }

    [Theory]
    [InlineData("amount", -1L, "field amount: must be >= 0")]
    [InlineData("currency", "euro", "field currency: must be an ISO 4217 code such as \"EUR\"")]
    [InlineData("user", "john {1}", "field user: must be 1 to 128 characters without braces, '|', spaces or control characters")]
    public void BadValue_IsNamedAsHub88NamesIt(string field, object value, string expected) =>
        Assert.Equal(expected, Hub88Mapper.Map(Hub88Call.Bet, With(Bet, field, value), ReceivedAt).Reason);

    [Fact]
    public void RollbackOfItself_IsRefused()
    {
        var t = Read(Rollback) with { ReferenceTransactionUuid = "8c4e1a4e-b89e-11e7-9e4c-58404eea6d16" };

        Assert.Equal("reference_transaction_uuid", Hub88Mapper.Map(Hub88Call.Rollback, t, ReceivedAt).Field);
    }

    [Fact]
    public void TheSameCall_AlwaysGivesTheSameEvent_SoARetryIsADuplicate()
    {
        var a = EventOf(Hub88Call.Bet, Read(Bet)).GetRawText();
        var b = EventOf(Hub88Call.Bet, Read(Bet)).GetRawText();

        Assert.Equal(a, b);
    }

    [Theory]
    [InlineData(Hub88Call.Bet, Bet)]
    [InlineData(Hub88Call.Win, Win)]
    [InlineData(Hub88Call.Rollback, Rollback)]
    public void MappedEvents_AreAcceptedByTheCanonicalParser(Hub88Call call, string json)
    {
        var parser = new EventParser(new FoldOptions(), "EUR", new FakeTimeProvider(ReceivedAt));

        var command = parser.Parse(EventOf(call, Read(json)));

        Assert.Equal("john12345", command.PlayerId);
    }

    [Theory]
    [InlineData("field data.amount: must be > 0", "field amount: must be > 0")]
    [InlineData("field data.currency: no exchange rate for USD to EUR", "field currency: no exchange rate for USD to EUR")]
    [InlineData("field data.referenceTransactionId: must differ", "field reference_transaction_uuid: must differ")]
    [InlineData("field subject: must be at most 128 characters", "field user: must be at most 128 characters")]
    [InlineData("field time: more than 3 days older", "field time: more than 3 days older")]
    public void CanonicalErrors_AreReworded_WithHub88FieldNames(string canonical, string expected) =>
        Assert.Equal(expected, Hub88Mapper.ToVendorFields(canonical));
}

internal static class Hub88TransactionJson
{
    public static string ToJson(this Hub88Transaction t) => JsonSerializer.Serialize(t, Hub88JsonContext.Default.Hub88Transaction);
}
