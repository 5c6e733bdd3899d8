using System.Net;
using System.Net.Http.Json;
using System.Text;
using Ingestion.DeadLetters;
using Microsoft.Extensions.DependencyInjection;
using Shared.Contracts;
using TestSupport;

namespace Ingestion.IntegrationTests.Security;

/// <summary>
/// A key speaks only for the system that holds it: its bound sources and event types, and the events that restrict or free
/// a player (responsible gambling, consent, verification) only with <c>events:rg</c>. Each refusal names the field; the
/// store is untouched by it and nothing refused is kept to replay.
/// </summary>
public sealed class ApiKeyBindingTests(StoreServers servers)
{
    private const string BoundKey = "bound-wallet-key";
    private const string PlainKey = "plain-events-key";

    private async Task<IngestionApp> AppAsync() => new(await servers.ConnectionStringAsync(StoreKinds.Redis), new Dictionary<string, string?>
    {
        ["ApiKeys:3:Name"] = "bound-wallet",
        ["ApiKeys:3:Key"] = BoundKey,
        ["ApiKeys:3:Scopes"] = "events:write",
        ["ApiKeys:3:Sources"] = "/wallet",
        ["ApiKeys:3:EventTypes"] = "wallet.*",
        ["ApiKeys:4:Name"] = "lobby",
        ["ApiKeys:4:Key"] = PlainKey,
        ["ApiKeys:4:Scopes"] = "events:write",
    });

    private static string Event(string id, string source, string type, string player, string data) =>
        $$"""{"specversion":"1.0","id":"{{id}}","source":"{{source}}","type":"{{type}}","time":"2026-11-23T10:15:02Z","subject":"{{player}}","data":{{data}}}""";

    private const string BetData = """{"transactionId":"tx-1","roundId":"r-1","gameId":"g-1","amount":2,"currency":"EUR"}""";
    private const string ExcludeData = """{"kind":"self_exclusion","until":"2027-11-23T00:00:00Z"}""";

    [Fact]
    public async Task ABoundKey_SendsItsOwnSourceAndTypes_AndEveryOtherEventIsRefusedNamingTheField()
    {
        await using var app = await AppAsync();
        using var client = app.ClientWithKey(BoundKey);
        var batch = "[" + string.Join(",",
            Event("e-1", "/wallet", "wallet.bet", "p-bound", BetData),
            Event("e-2", "/pam", "wallet.bet", "p-other-source", BetData.Replace("tx-1", "tx-2", StringComparison.Ordinal)),
            Event("e-3", "/wallet", "player.login", "p-other-type", """{"device":"mobile"}"""),
            Event("e-4", "/wallet", "player.rg", "p-rg", ExcludeData)) + "]";

        var response = await client.PostAsync("/v1/events", new StringContent(batch, Encoding.UTF8, "application/cloudevents-batch+json"), TestContext.Current.CancellationToken);
        var result = (await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.IngestResult, TestContext.Current.CancellationToken))!;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, result.Accepted);
        Assert.Equal([1, 2, 3], result.Rejected.Select(r => r.Index));
        Assert.StartsWith("field source: the key 'bound-wallet' may send only the sources /wallet, not '/pam'", result.Rejected[0].Error, StringComparison.Ordinal);
        Assert.StartsWith("field type: the key 'bound-wallet' may send only wallet.*, not 'player.login'", result.Rejected[1].Error, StringComparison.Ordinal);
        Assert.StartsWith("field type: player.rg events restrict or free a player and need a key with the events:rg scope", result.Rejected[2].Error, StringComparison.Ordinal);
        Assert.True(await app.Db.KeyExistsAsync(app.Keys.Profile("p-bound")));
        foreach (var refused in new[] { "p-other-source", "p-other-type", "p-rg" })
        {
            Assert.False(await app.Db.KeyExistsAsync(app.Keys.Profile(refused)), refused);
        }
    }

    [Theory]
    [InlineData("player.rg", ExcludeData)]
    [InlineData("player.consent", """{"channel":"email","granted":true}""")]
    [InlineData("player.kyc", """{"status":"verified","provider":"sumsub"}""")]
    [InlineData("player.aml", """{"riskLevel":"low","provider":"acme"}""")]
    [InlineData("player.geo", """{"result":"allowed"}""")]
    public async Task AnEventsWriteKey_WithoutTheRgScope_CannotLiftOrImposeARestriction(string type, string data)
    {
        await using var app = await AppAsync();
        using var plain = app.ClientWithKey(PlainKey);
        using var pam = app.ClientWithKey(IngestionApp.WalletKey); // events:write events:rg
        var body = Event("c-1", "/pam", type, "p-compliance", data);

        var refused = await plain.PostAsync("/v1/events", new StringContent(body, Encoding.UTF8, "application/cloudevents+json"), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        Assert.Contains($"field type: {type} events restrict or free a player and need a key with the events:rg scope; the key 'lobby' lacks it",
            await refused.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.False(await app.Db.KeyExistsAsync(app.Keys.Profile("p-compliance")));

        var accepted = await pam.PostAsync("/v1/events", new StringContent(body, Encoding.UTF8, "application/cloudevents+json"), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.True(await app.Db.KeyExistsAsync(app.Keys.Profile("p-compliance")));
    }

    [Fact]
    public async Task AFastTrackBlock_FromAKeyWithoutTheRgScope_IsRefused_AndNotKeptToReplay()
    {
        await using var app = await AppAsync();
        using var plain = app.ClientWithKey(PlainKey);
        var block = """{"user_id":"p-ft-block","timestamp":"2026-11-23T10:15:02Z","origin":"sub.example.com","blocks":[{"active":true,"type":"Excluded","note":""}]}""";

        var response = await plain.PutAsync("/compat/fasttrack/v2/integration/user/blocks", new StringContent(block, Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains("events:rg", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.False(await app.Db.KeyExistsAsync(app.Keys.Profile("p-ft-block")));
        // A dead letter would let any events:write key replay it with the replayer's rights.
        Assert.Empty(await app.Services.GetRequiredService<DeadLetterStore>().FindAsync(null, 100));
    }
}
