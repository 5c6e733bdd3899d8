using Ingestion.Profiles;
using Microsoft.Extensions.Time.Testing;
using Shared.Store;
using TestSupport;
using static Ingestion.IntegrationTests.ExactnessTests;

namespace Ingestion.IntegrationTests;

/// <summary>The fold's harm-marker block: hours played, session seconds, approved deposit times and limit changes, the same in any order.</summary>
public class HarmTrailTests(StoreServers servers)
{
    [Theory]
    [ClassData(typeof(StoreKinds))]
    public async Task TheHarmTrail_IsTheSameWhateverOrderTheEventsArriveIn(string kind)
    {
        using var redis = await servers.ConnectAsync(kind);
        var parser = Parser();
        var t = WalletHistory.Start;
        string E(string id, string type, DateTimeOffset time, string data) =>
            $$"""{"specversion":"1.0","id":"{{id}}","source":"/pam","type":"{{type}}","time":"{{time:O}}","subject":"p","data":{{data}}}""";
        string[] events =
        [
            E("1", "wallet.bet", t.AddHours(3).AddMinutes(5), """{"transactionId":"b1","roundId":"r1","gameId":"g","amount":1,"currency":"EUR"}"""),
            E("2", "wallet.bet", t.AddHours(3).AddMinutes(40), """{"transactionId":"b2","roundId":"r2","gameId":"g","amount":1,"currency":"EUR"}"""),
            E("3", "game.session", t.AddHours(21).AddMinutes(30), $$"""{"gameId":"g","startedAt":"{{t.AddHours(21).AddMinutes(30):O}}","endedAt":"{{t.AddHours(23).AddMinutes(10):O}}"}"""),
            E("4", "wallet.deposit", t.AddHours(3), """{"transactionId":"d1","amount":20,"currency":"EUR","status":"pending"}"""),
            E("5", "wallet.deposit", t.AddHours(3).AddMinutes(1), """{"transactionId":"d1","amount":20,"currency":"EUR","status":"approved"}"""),
            E("6", "wallet.deposit", t.AddHours(3).AddMinutes(20), """{"transactionId":"d2","amount":20,"currency":"EUR","status":"approved"}"""),
            E("7", "wallet.deposit", t.AddHours(3).AddMinutes(30), """{"transactionId":"d3","amount":20,"currency":"EUR","status":"rejected"}"""),
            E("8", "player.rg", t.AddHours(1), """{"kind":"deposit_limit","amount":100,"period":"week"}"""),
            E("9", "player.rg", t.AddHours(2), """{"kind":"deposit_limit","amount":300,"period":"week"}"""),
        ];
        HarmTrail? first = null;
        foreach (var order in new[] { events, [.. events.Reverse()], [.. events.Concat(events)] })
        {
            var keys = new StoreKeys(TestKeys.Prefix());
            var writer = new ProfileWriter(redis, keys, new FakeTimeProvider(Received), Metrics());
            foreach (var j in order) await writer.ApplyAsync([parser.Parse(System.Text.Json.JsonDocument.Parse(j).RootElement)]);
            var trail = HarmTrail.From(await redis.GetDatabase().HashGetAllAsync(keys.Profile("p")));
            var day = ProfileReader.DayOf(t);
            // Hour 3 (bets), hours 21-23 (the session); 100 minutes of session.
            Assert.Equal(new HarmDay(1 << 3 | 1 << 21 | 1 << 22 | 1 << 23, 100 * 60), trail.Days[day]);
            // Approved deposits only, at their approval's time.
            Assert.Equal([t.AddHours(3).AddMinutes(1).ToUnixTimeMilliseconds(), t.AddHours(3).AddMinutes(20).ToUnixTimeMilliseconds()], trail.DepositTimes);
            Assert.Equal([(100m, "week"), (300m, "week")], trail.Limits.Select(l => (l.Amount!.Value, l.Period!)));
            if (first is not null)
            {
                Assert.Equal(first.Days, trail.Days);
                Assert.Equal(first.DepositTimes, trail.DepositTimes);
                Assert.Equal(first.Limits, trail.Limits);
            }
            first = trail;
        }
    }
}
