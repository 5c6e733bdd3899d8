using System.Net.Http.Json;
using System.Text.Json;
using Intelligence.Scoring;
using Intelligence.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Shared.Contracts;
using Shared.Store;
using StackExchange.Redis;
using TestSupport;

namespace Intelligence.Tests.SaferGambling;

/// <summary>
/// What a harm band does to marketing: at <c>high</c> the player is out of marketing on every path from the rescoring
/// that sets the band (the scores, and the profile flag that segments, webhook deliveries, placements and the lobby's
/// recommendations read), a case is opened, and a lower band brings them back.
/// </summary>
public sealed class HarmActionTests(SimulatedCasino casino, StoreServers servers)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task AHighBand_RemovesThePlayerFromMarketing_WithinOneRescoring_AndALowerBandBringsThemBack()
    {
        var cs = await servers.ConnectionStringAsync("redis");
        var prefix = TestKeys.Prefix("harm-actions");
        await using var ingestion = new IngestionHost(cs, prefix, casino.Clock);
        string Event(string type, string data) =>
            $$$"""{"specversion":"1.0","id":"{{{Guid.NewGuid()}}}","source":"/test","type":"{{{type}}}","time":"{{{casino.Now(TimeSpan.FromMinutes(-30))}}}","subject":"p-h","data":{{{data}}}}""";
        await ingestion.PostAsync(Event("player.registered", """{"country":"MT","currency":"EUR"}"""));
        await ingestion.PostAsync(Event("player.consent", """{"channel":"email","granted":true}"""));
        await ingestion.PostAsync(Event("wallet.deposit", """{"transactionId":"d-1","amount":50,"currency":"EUR","status":"approved","method":"card"}"""));
        await using var redis = await ConnectionMultiplexer.ConnectAsync(cs);
        var keys = new StoreKeys(prefix);
        var db = redis.GetDatabase();

        async Task<PlayerScores> RescoreAsync(IDictionary<string, string?>? settings)
        {
            await using var app = new IntelligenceApp(cs, prefix, settings, casino.Clock);
            Assert.Equal(1, await app.Services.GetRequiredService<Rescorer>().RescoreAsync(["p-h"], TestContext.Current.CancellationToken));
            using var client = app.ClientWithKey(IntelligenceApp.CrmKey);
            return (await client.GetFromJsonAsync<PlayerScores>("/v1/players/p-h/scores", Json, TestContext.Current.CancellationToken))!;
        }
        async Task<MarketingStatus> FromProfileAsync() =>
            MarketingPolicy.Evaluate(ProfileReader.Decode("p-h", await db.HashGetAllAsync(keys.Profile("p-h")), [], [], _ => null, casino.Clock.GetUtcNow())!, casino.Clock.GetUtcNow());

        var low = await RescoreAsync(null);
        Assert.Equal(("low", "rule"), (low.Harm!.Band, low.Harm.Source));
        Assert.True(low.Marketing.Allowed, string.Join(",", low.Marketing.Reasons));
        Assert.True((await FromProfileAsync()).Allowed);

        // The same player under a market whose thresholds put every score at high: one rescoring takes them out.
        var high = await RescoreAsync(new Dictionary<string, string?> { ["SaferGambling:Elevated"] = "0", ["SaferGambling:High"] = "0" });
        Assert.Equal("high", high.Harm!.Band);
        Assert.False(high.Marketing.Allowed);
        Assert.Contains(MarketingPolicy.HarmRiskHigh, high.Marketing.Reasons);
        Assert.Equal("high|suppress", (string?)await db.HashGetAsync(keys.Profile("p-h"), HarmFlag.Field));
        Assert.Contains(MarketingPolicy.HarmRiskHigh, (await FromProfileAsync()).Reasons);
        Assert.NotNull(await db.SortedSetScoreAsync(keys.HarmCases, "p-h"));

        // A market that only reduces promotion at high keeps marketing but takes the flag to "reduce".
        var reduced = await RescoreAsync(new Dictionary<string, string?> { ["SaferGambling:Elevated"] = "0", ["SaferGambling:High"] = "0", ["SaferGambling:Markets:MT:High"] = "reduce" });
        Assert.True(reduced.Marketing.Allowed, string.Join(",", reduced.Marketing.Reasons));
        Assert.Equal("high|reduce", (string?)await db.HashGetAsync(keys.Profile("p-h"), HarmFlag.Field));

        var back = await RescoreAsync(null);
        Assert.True(back.Marketing.Allowed, string.Join(",", back.Marketing.Reasons));
        Assert.False(await db.HashExistsAsync(keys.Profile("p-h"), HarmFlag.Field));
        // The case stays open until the safer-gambling team records an outcome.
        Assert.NotNull(await db.SortedSetScoreAsync(keys.HarmCases, "p-h"));
    }
}
