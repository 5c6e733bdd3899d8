using System.Text.Json;
using System.Text.Json.Nodes;
using Ingestion.Adapters;
using Ingestion.Adapters.Onfido;
using Ingestion.Adapters.Sumsub;
using Ingestion.Adapters.Trustly;

namespace Ingestion.UnitTests.Vendors;

public class VendorMappingTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    private static JsonElement Json(string s) => JsonDocument.Parse(s).RootElement.Clone();

    private static JsonElement Data(VendorMapping m) => Assert.Single(m.Events).GetProperty("data");

    [Fact]
    public void SumsubCreatedAtMs_IsReadAsUtc_InTheFormatTheDocsGive() =>
        Assert.Equal(new DateTimeOffset(2021, 5, 14, 16, 0, 25, 32, TimeSpan.Zero), SumsubMapper.CreatedAt("2021-05-14 16:00:25.032"));

    [Theory]
    [InlineData("applicantPending", "", "pending")]
    [InlineData("applicantOnHold", "", "pending")]
    [InlineData("applicantReset", "", "retry")]
    [InlineData("applicantReviewed", ""","reviewResult":{"reviewAnswer":"GREEN"}""", "verified")]
    [InlineData("applicantReviewed", ""","reviewResult":{"reviewAnswer":"RED","reviewRejectType":"FINAL","rejectLabels":["FORGERY"]}""", "rejected")]
    [InlineData("applicantReviewed", ""","reviewResult":{"reviewAnswer":"RED","reviewRejectType":"RETRY"}""", "retry")]
    public void SumsubTypes_BecomeKycStatuses(string type, string review, string expected)
    {
        var m = SumsubMapper.Map(Json($$"""{"type":"{{type}}","externalUserId":"p-1","correlationId":"c-1","createdAtMs":"2026-11-20 10:00:00.000"{{review}}}"""), Now);
        Assert.Equal(expected, Data(m).GetProperty("status").GetString());
        Assert.Equal("2026-11-20T10:00:00+00:00", Assert.Single(m.Events).GetProperty("time").GetString());
    }

    [Fact]
    public void SumsubOtherTypes_AreIgnored() =>
        Assert.Same(VendorMapping.Ignored, SumsubMapper.Map(Json("""{"type":"applicantCreated","externalUserId":"p-1"}"""), Now));

    [Fact]
    public void SumsubUnknownReviewAnswer_NamesTheField() =>
        Assert.Equal("field reviewResult.reviewAnswer: must be GREEN or RED, got 'YELLOW'",
            SumsubMapper.Map(Json("""{"type":"applicantReviewed","externalUserId":"p-1","reviewResult":{"reviewAnswer":"YELLOW"}}"""), Now).Error);

    [Fact]
    public void OnfidoErroredRun_CarriesNoVerdict_AndAnUnknownStatusNamesTheField()
    {
        string Run(string status) => """{"payload":{"resource_type":"workflow_run","action":"workflow_run.completed","object":{"id":"r-1","status":"STATUS","href":"h"},"resource":{"customer_user_id":"p-1"}}}""".Replace("STATUS", status, StringComparison.Ordinal);
        Assert.Same(VendorMapping.Ignored, OnfidoMapper.Map(Json(Run("error"))));
        Assert.StartsWith("field payload.object.status: must be approved, declined, review, abandoned or error", OnfidoMapper.Map(Json(Run("odd"))).Error);
        Assert.Equal("pending", Data(OnfidoMapper.Map(Json(Run("review")))).GetProperty("status").GetString());
    }

    [Fact]
    public void TrustlySerialisation_ConcatenatesSortedKeysAndValues_NullsAsEmpty()
    {
        var data = JsonNode.Parse("""{"orderid":"87654567","amount":"902.50","attributes":{"b":null,"a":"x"},"list":["1","2"]}""");
        Assert.Equal("amount902.50attributesaxblist12orderid87654567", TrustlySignature.Serialise(data));
    }

    [Fact]
    public void TrustlyTimestamp_WithAnHourOffset_IsRead() =>
        Assert.Equal(new DateTimeOffset(2010, 1, 20, 13, 42, 4, TimeSpan.Zero).AddTicks(6_756_450), TrustlyMapper.Timestamp("2010-01-20 14:42:04.675645+01"));

    [Theory]
    [InlineData("Credit Card", "card")]
    [InlineData("Skrill", "e_wallet")]
    [InlineData("Trustly", "open_banking")]
    [InlineData("Bitcoin", "crypto")]
    [InlineData("Paysafecard", "voucher")]
    [InlineData("SEPA Bank Transfer", "bank_transfer")]
    [InlineData("Something new", "other")]
    public void VendorPaymentMethods_AreNormalised(string vendor, string expected) => Assert.Equal(expected, PaymentMethods.Normalise(vendor));

    [Theory]
    [InlineData("Insufficient funds", "insufficient_funds")]
    [InlineData("Daily limit exceeded", "limit_exceeded")]
    [InlineData("Suspected fraud", "suspected_fraud")]
    [InlineData("3DS authentication failed", "authentication_failed")]
    [InlineData("Card expired", "expired_or_invalid")]
    [InlineData("Do not honour", "other")]
    public void VendorDeclineTexts_AreNormalised(string vendor, string expected) => Assert.Equal(expected, DeclineReasons.Normalise(vendor));
}
