using System.Text.Json;
using Ingestion.Adapters.FastTrack;
using Ingestion.Events;
using Ingestion.Profiles;
using Microsoft.Extensions.Time.Testing;

namespace Ingestion.UnitTests.FastTrack;

/// <summary>The operator's PAM answers (Fast Track's operator-API shapes) to canonical events.</summary>
public class FastTrackEnrichmentTests
{
    private static readonly DateTimeOffset Trigger = DateTimeOffset.Parse("2026-11-23T10:00:00Z");
    private static readonly DateTimeOffset Fetched = Trigger.AddSeconds(3);
    private static readonly EventParser Parser = new(new FoldOptions(), "EUR", new FakeTimeProvider(Fetched));

    // Fast Track's "GET /userdetails/:userid" example response.
    private const string DetailsSample = """
        {"address":"Tower Road, 120A","affiliate_reference":"AFF_1234A_UK","birth_date":"1992-03-02","city":"Sliema","country":"MT",
         "currency":"EUR","email":"tony@example.com","first_name":"Tony","is_blocked":false,"is_excluded":false,"language":"en",
         "last_name":"Carrot","market":"gb","mobile":"21435678","mobile_prefix":"+356","origin":"sub.example.com","postal_code":"SLM 1030",
         "registration_code":"ABC123","registration_date":"2015-03-02T08:27:58.721607Z","roles":["VIP","TEST_USER"],"sex":"Male",
         "title":"Mr","user_id":"7865312321","username":"PirateTony34","verified_at":"2015-03-02T08:27:58.721607Z",
         "segmentation":{"vip_level":15,"special_segmentation":"3D"}}
        """;

    private const string ConsentsSample = """
        {"consents":[{"opted_in":true,"type":"email"},{"opted_in":true,"type":"sms"},{"opted_in":false,"type":"telephone"},
         {"opted_in":true,"type":"postMail"},{"opted_in":true,"type":"siteNotification"},{"opted_in":true,"type":"pushNotification"}]}
        """;

    private const string BlocksSample = """{"blocks":[{"active":true,"type":"Excluded","note":"Exclusion reason"},{"active":false,"type":"Blocked","note":""}]}""";

    private static FastTrackUserDetails Details(string json = DetailsSample) => JsonSerializer.Deserialize(json, FastTrackJsonContext.Default.FastTrackUserDetails)!;

    private static FastTrackUserConsents Consents(string json = ConsentsSample) => JsonSerializer.Deserialize(json, FastTrackJsonContext.Default.FastTrackUserConsents)!;

    private static FastTrackUserBlocks Blocks(string json = BlocksSample) => JsonSerializer.Deserialize(json, FastTrackJsonContext.Default.FastTrackUserBlocks)!;

    private static IReadOnlyList<JsonElement> Map(DateTimeOffset? trigger = null, FastTrackUserDetails? details = null,
        FastTrackUserConsents? consents = null, FastTrackUserBlocks? blocks = null, bool restricted = false) =>
        FastTrackMapper.Enrichment("7865312321", trigger ?? Trigger, Fetched, details ?? Details(), consents ?? Consents(), blocks ?? Blocks(), restricted);

    private static string Type(JsonElement e) => e.GetProperty("type").GetString()!;

    private static JsonElement Data(JsonElement e) => e.GetProperty("data");

    [Fact]
    public void UserDetails_RegisterThePlayerAtTheirRegistrationDate_AndUpdateWhatTheyAreNow()
    {
        var events = Map();

        var registered = events.Single(e => Type(e) == "player.registered");
        var updated = events.Single(e => Type(e) == "player.updated");
        Assert.Equal(DateTimeOffset.Parse("2015-03-02T08:27:58.721607Z"), registered.GetProperty("time").GetDateTimeOffset());
        Assert.Equal("/pam", registered.GetProperty("source").GetString());
        Assert.Equal("MT", Data(registered).GetProperty("country").GetString());
        Assert.Equal("EUR", Data(registered).GetProperty("currency").GetString());
        Assert.Equal("gb", Data(registered).GetProperty("market").GetString());
        Assert.Equal(1992, Data(registered).GetProperty("birthYear").GetInt32());
        Assert.Equal("AFF_1234A_UK", Data(registered).GetProperty("affiliateId").GetString());
        Assert.Equal("ABC123", Data(registered).GetProperty("campaign").GetString());
        Assert.Equal(Fetched, updated.GetProperty("time").GetDateTimeOffset());
        Assert.Equal("verified", Data(updated).GetProperty("kycStatus").GetString());
        Assert.Equal("15", Data(updated).GetProperty("vipTier").GetString());
        foreach (var e in events) Parser.Parse(e);
    }

    [Fact]
    public void UserConsents_OneEventPerCanonicalChannel_PostMailHasNone()
    {
        var consents = Map().Where(e => Type(e) == "player.consent")
            .Select(e => $"{Data(e).GetProperty("channel").GetString()}:{Data(e).GetProperty("granted").GetBoolean()}");

        Assert.Equal(["email:True", "phone:False", "push:True", "site:True", "sms:True"], consents);
    }

    [Fact]
    public void UserBlocks_ActiveExclusionIsAnIndefiniteSelfExclusion_AnInactiveBlockLiftsNothing()
    {
        var rg = Map().Where(e => Type(e) == "player.rg").ToList();

        var e = Assert.Single(rg);
        Assert.Equal("self_exclusion", Data(e).GetProperty("kind").GetString());
        Assert.False(Data(e).TryGetProperty("until", out var until) && until.ValueKind != JsonValueKind.Null);
    }

    [Fact]
    public void UserBlocks_NoneActive_LiftWhatTheProfileHolds_AndOnlyThen()
    {
        var none = Blocks("""{"blocks":[{"active":false,"type":"Excluded","note":""},{"active":false,"type":"Blocked","note":""}]}""");

        Assert.Equal(["lifted"], Map(blocks: none, restricted: true).Where(e => Type(e) == "player.rg").Select(e => Data(e).GetProperty("kind").GetString()));
        Assert.DoesNotContain(Map(blocks: none, restricted: false), e => Type(e) == "player.rg");
    }

    [Fact]
    public void SameAnswerToTheSameRequest_GivesTheSameIds_SoARetriedLookUpDedups()
    {
        Assert.Equal(Map().Select(e => e.GetProperty("id").GetString()), Map().Select(e => e.GetProperty("id").GetString()));
    }

    [Fact]
    public void ALaterRequest_GivesNewIds_SoAChangeBackToAnEarlierValueStillApplies_ButRegistrationStaysOneFact()
    {
        var first = Map().ToDictionary(e => Type(e) + Data(e).GetRawText(), e => e.GetProperty("id").GetString());
        var later = Map(trigger: Trigger.AddHours(1)).ToDictionary(e => Type(e) + Data(e).GetRawText(), e => e.GetProperty("id").GetString());

        foreach (var (key, id) in first)
        {
            if (key.StartsWith("player.registered", StringComparison.Ordinal)) Assert.Equal(id, later[key]);
            else Assert.NotEqual(id, later[key]);
        }
    }

    [Fact]
    public void ChangedDetails_GiveANewContentHash()
    {
        var before = Map().Single(e => Type(e) == "player.updated").GetProperty("id").GetString();
        var after = Map(details: Details(DetailsSample.Replace("\"country\":\"MT\"", "\"country\":\"DE\"", StringComparison.Ordinal)))
            .Single(e => Type(e) == "player.updated").GetProperty("id").GetString();

        Assert.NotEqual(before, after);
    }

    [Fact]
    public void EmptyDetails_AsFastTrackAllowsThem_MakeNoRegistration_AndUnknownConsentTypesAreSkipped()
    {
        var events = Map(details: Details("""{"user_id":"7865312321","country":"","currency":"","market":"","verified_at":""}"""),
            consents: Consents("""{"consents":[{"opted_in":true,"type":"carrierPigeon"},{"opted_in":false,"type":"email"}]}"""),
            blocks: Blocks("""{"blocks":[]}"""));

        Assert.Equal(["player.consent"], events.Select(Type));
    }
}
