using System.Text.Json;
using Ingestion.Events;
using Ingestion.Lobby;

namespace Ingestion.UnitTests.Events;

/// <summary>The lobby's events: the counters each one adds to, and bad input refused naming the field.</summary>
public sealed class LobbyEventParserTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);
    private static readonly long Today = EventParser.DayOf(Now);

    private const string Experiments = """{"lobby-personalisation":"control"}""";

    private static string Impression(string data, string time = "2026-11-23T10:15:02Z") =>
        $$"""{"specversion":"1.0","id":"i-1","source":"/lobby","type":"lobby.impression","time":"{{time}}","subject":"p-1042","data":{{data}}}""";

    private static string Launch(string data) =>
        $$"""{"specversion":"1.0","id":"l-1","source":"/lobby","type":"lobby.launch","time":"2026-11-23T10:16:00Z","subject":"p-1042","data":{{data}}}""";

    private static LobbyCommand Parse(string json, long? oldestDay = null)
    {
        using var doc = JsonDocument.Parse(json);
        Assert.True(LobbyEventParser.IsLobbyEvent(doc.RootElement));
        return LobbyEventParser.Parse(doc.RootElement, Now, oldestDay ?? Today - 399);
    }

    private static string ErrorOf(string json, long? oldestDay = null) => Assert.Throws<EventRejectedException>(() => Parse(json, oldestDay)).Message;

    [Fact]
    public void AnImpression_CountsTheRowItsPlaceEveryTileAndTheModel_ForAllTrafficAndEachExperimentGroup()
    {
        var c = Parse(Impression($$"""{"list":"for-you","rowPosition":1,"gameIds":["g-a","g-b"],"modelVersion":"recs-7","experiments":{{Experiments}}}"""));

        Assert.Equal(Today, c.Day);
        Assert.Equal(LobbyEventParser.Fingerprint("/lobby", "i-1"), c.Fingerprint);
        Assert.Equal(
            [
                "r|*|*|for-you", "p|*|*|1", "t|*|*|for-you|0", "t|*|*|for-you|1", "v|*|*|for-you|recs-7",
                "r|lobby-personalisation|control|for-you", "p|lobby-personalisation|control|1",
                "t|lobby-personalisation|control|for-you|0", "t|lobby-personalisation|control|for-you|1", "v|lobby-personalisation|control|for-you|recs-7",
            ],
            c.Fields.Select(f => f.ToString()));
    }

    [Fact]
    public void ALaunch_CountsTheTileAndTheRowsPlace()
    {
        var c = Parse(Launch($$"""{"impressionId":"i-1","list":"for-you","rowPosition":1,"position":3,"gameId":"g-d","experiments":{{Experiments}}}"""));
        Assert.Equal(["l|*|*|for-you|3", "q|*|*|1", "l|lobby-personalisation|control|for-you|3", "q|lobby-personalisation|control|1"], c.Fields.Select(f => f.ToString()));
    }

    [Fact]
    public void TheFingerprint_IsTheSourceAndId()
    {
        Assert.Equal(LobbyEventParser.Fingerprint("/lobby", "i-1"), LobbyEventParser.Fingerprint("/lobby", "i-1"));
        Assert.NotEqual(LobbyEventParser.Fingerprint("/lobby", "i-1"), LobbyEventParser.Fingerprint("/other", "i-1"));
        Assert.NotEqual(LobbyEventParser.Fingerprint("/lobby", "i-1"), LobbyEventParser.Fingerprint("/lobby", "i-2"));
    }

    public static TheoryData<string, string> BadEvents => new()
    {
        { Impression("""{"rowPosition":0,"gameIds":["g-a"]}"""), "field data.list:" },
        { Impression("""{"list":"a|b","rowPosition":0,"gameIds":["g-a"]}"""), "field data.list:" },
        { Impression("""{"list":"for-you","gameIds":["g-a"]}"""), "field data.rowPosition:" },
        { Impression("""{"list":"for-you","rowPosition":-1,"gameIds":["g-a"]}"""), "field data.rowPosition:" },
        { Impression("""{"list":"for-you","rowPosition":1000,"gameIds":["g-a"]}"""), "field data.rowPosition:" },
        { Impression("""{"list":"for-you","rowPosition":0}"""), "field data.gameIds: is required" },
        { Impression("""{"list":"for-you","rowPosition":0,"gameIds":[]}"""), "field data.gameIds: must list 1 to 100 games" },
        { Impression($$"""{"list":"for-you","rowPosition":0,"gameIds":[{{string.Join(',', Enumerable.Range(0, 101).Select(i => $"\"g-{i}\""))}}]}"""), "field data.gameIds: must list 1 to 100" },
        { Impression("""{"list":"for-you","rowPosition":0,"gameIds":["g-a",7]}"""), "field data.gameIds[1]:" },
        { Impression("""{"list":"for-you","rowPosition":0,"gameIds":["g-a"],"modelVersion":5}"""), "field data.modelVersion:" },
        { Impression("""{"list":"for-you","rowPosition":0,"gameIds":["g-a"],"experiments":["lobby-personalisation"]}"""), "field data.experiments:" },
        { Impression("""{"list":"for-you","rowPosition":0,"gameIds":["g-a"],"experiments":{"lobby-personalisation":"holdout"}}"""), "field data.experiments.lobby-personalisation: must be one of treatment, control, excluded" },
        { Impression("""{"list":"for-you","rowPosition":0,"gameIds":["g-a"]}""", time: "yesterday"), "field time:" },
        { Impression("""{"list":"for-you","rowPosition":0,"gameIds":["g-a"]}""", time: "2026-11-23T14:00:00Z"), "field time: must not be more than an hour ahead" },
        { Impression("""{"list":"for-you","rowPosition":0,"gameIds":["g-a"]}""", time: "2025-01-01T00:00:00Z"), "field time: lobby events before" },
        { Impression("""[1]"""), "field data:" },
        { Impression("""{"list":"for-you","rowPosition":0,"gameIds":["g-a"]}""").Replace("\"subject\":\"p-1042\",", "", StringComparison.Ordinal), "field subject:" },
        { Impression("""{"list":"for-you","rowPosition":0,"gameIds":["g-a"]}""").Replace("\"id\":\"i-1\",", "", StringComparison.Ordinal), "field id:" },
        { Launch("""{"list":"for-you","rowPosition":0,"position":0,"gameId":"g-a"}"""), "field data.impressionId:" },
        { Launch("""{"impressionId":"i-1","list":"for-you","rowPosition":0,"position":0}"""), "field data.gameId:" },
        { Launch("""{"impressionId":"i-1","list":"for-you","rowPosition":0,"gameId":"g-a"}"""), "field data.position:" },
        { Launch("""{"impressionId":"i-1","list":"for-you","rowPosition":0,"position":100,"gameId":"g-a"}"""), "field data.position: is required: a whole number from 0 to 99" },
    };

    [Theory, MemberData(nameof(BadEvents))]
    public void BadInput_IsRefusedNamingTheFieldAndTheProblem(string json, string error) =>
        Assert.StartsWith(error, ErrorOf(json), StringComparison.Ordinal);
}
