using System.Reflection;
using System.Text.Json;
using Shared.Store;
using StackExchange.Redis;
using TestSupport;

namespace Ingestion.IntegrationTests.CloudEvents;

/// <summary>
/// The official CloudEvents JavaScript SDK's HTTP emitter (npm <c>cloudevents</c>, restored from
/// tests/CloudEvents.JsEmitter/package-lock.json with <c>npm ci</c>), in its default binary content mode, against the
/// built Ingestion as a process on a real Redis: what an operator's Node.js backend would do.
/// </summary>
public sealed class CloudEventsJsSdkTests(StoreServers servers)
{
    private const string ApiKey = "js-sdk-test-key";

    private static readonly NodePackages Packages = new(typeof(CloudEventsJsSdkTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "CloudEventsJsEmitterDirectory").Value!);

    [Fact]
    public async Task JsSdkEmitter_InItsDefaultBinaryMode_ChangesTheProfile_AndAResendCountsOnce()
    {
        var ct = TestContext.Current.CancellationToken;
        await Packages.EnsureRestoredAsync("cloudevents", ct);
        var redis = await servers.ConnectionStringAsync(StoreKinds.Redis);
        var prefix = TestKeys.Prefix();
        using var service = await ServiceProcess.StartIngestionAsync(redis, ApiKey, new Dictionary<string, string> { ["Store__KeyPrefix"] = prefix }, ct);
        object Event(string id, string type, object data) =>
            new { id, source = "/wallet", type, subject = "p-js-1", time = "2026-11-23T10:15:02Z", data };
        var deposit = Event("js-dep-1", "wallet.deposit", new { transactionId = "js-tx-dep", amount = 50, currency = "EUR", status = "approved" });
        var bet = Event("js-bet-1", "wallet.bet", new { transactionId = "js-tx-bet", roundId = "r-1", gameId = "g-starburst", amount = 2.5, currency = "EUR" });
        var config = new { url = new Uri(service.Address, "/v1/events").ToString(), apiKey = ApiKey, events = new[] { deposit, bet, bet } };

        var (exitCode, output, errors) = await Packages.ExecAsync("node", ["emit.mjs", JsonSerializer.Serialize(config)], TimeSpan.FromMinutes(1), ct);

        Assert.True(exitCode == 0, $"emit.mjs exited with {exitCode}.\n{output}\n{errors}");
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
        Assert.Equal(3, lines.Count);
        foreach (var line in lines)
        {
            // Binary mode, as the SDK sends by default: attributes in ce-* headers, the data as a JSON body.
            var sent = line.GetProperty("sent");
            Assert.Equal("1.0", sent.GetProperty("ce-specversion").GetString());
            Assert.StartsWith("application/json", sent.GetProperty("content-type").GetString(), StringComparison.Ordinal);
        }
        int[] Counts(JsonElement line, string name) => [JsonDocument.Parse(line.GetProperty("body").GetString()!).RootElement.GetProperty(name).GetInt32()];
        Assert.Equal([1, 1, 0], lines.SelectMany(l => Counts(l, "accepted")));
        Assert.Equal([0, 0, 1], lines.SelectMany(l => Counts(l, "duplicates")));

        using var check = await ConnectionMultiplexer.ConnectAsync(redis);
        var profile = await new ProfileReader(check, new StoreKeys(prefix), new FrozenClock(DateTimeOffset.Parse("2026-11-24T00:00:00Z",
            System.Globalization.CultureInfo.InvariantCulture))).ReadAsync("p-js-1", _ => null);
        Assert.NotNull(profile);
        Assert.Equal(50m, profile.Lifetime.DepositAmount);
        Assert.Equal(1, profile.Lifetime.DepositCount);
        Assert.Equal(2.5m, profile.Lifetime.StakeAmount);
        Assert.Equal(1, profile.Lifetime.BetCount);
    }
}
