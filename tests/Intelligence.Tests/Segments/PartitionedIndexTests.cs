using System.Net;
using System.Net.Http.Json;
using System.Text;
using Intelligence.Segments;
using Intelligence.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Shared.Contracts;
using TestSupport;
using static Intelligence.Tests.Segments.SegmentKit;

namespace Intelligence.Tests.Segments;

/// <summary>
/// Three Intelligence instances share the segment index: each holds about a third of the players, and a preview,
/// a new segment's members and the insight figures asked of any one of them cover every player exactly once. When an
/// instance stops, the others take its partitions over and answer for everyone again.
/// </summary>
[Trait("Category", "Slow")]
public sealed class PartitionedIndexTests(StoreServers servers)
{
    private const int Players = 240;
    private static readonly string[] Countries = ["MT", "DE", "SE", "FI", "GB", "NO"];
    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["Segments:IndexPartitions"] = "64",
        ["Segments:InstanceLease"] = "00:00:02",
        ["Recommendations:TrainOnStart"] = "false",
    };

    [Theory, ClassData(typeof(RedisKinds))]
    public async Task EveryInstance_AnswersForEveryPlayerOnce_AndTheOthersTakeOverWhenOneStops(string store)
    {
        var cs = await servers.ConnectionStringAsync(store);
        var prefix = TestKeys.Prefix($"partitioned-{store}");
        await using var ingestion = new IngestionHost(cs, prefix);
        var ids = await RegisterPlayersAsync(ingestion);
        var instances = new List<IntelligenceApp> { new(cs, prefix, Settings), new(cs, prefix, Settings), new(cs, prefix, Settings) };
        try
        {
            await HeldOnceAsync(instances);
            var held = instances.Select(i => i.Services.GetRequiredService<PlayerIndex>().Count).ToList();
            Assert.All(held, n => Assert.InRange(n, Players / 6, Players * 2 / 3));

            var facts = (await instances[0].Services.GetRequiredService<IndexFeed>().ReadAsync(ids)).OfType<PlayerFacts>().ToList();
            var rule = new { all = new object[] { new { field = "country", op = "in", value = new[] { "DE", "SE", "FI" } }, new { field = "lifetime.depositAmount", op = "gte", value = 150 } } };
            var expected = facts.Where(f => f.Profile.Country is "DE" or "SE" or "FI" && f.Profile.Lifetime.DepositAmount >= 150).Select(f => f.Profile.PlayerId).ToHashSet();
            Assert.InRange(expected.Count, 10, Players / 2);
            foreach (var app in instances) await AssertPreviewAsync(app, rule, expected);

            using var admin = instances[1].ClientWithKey(IntelligenceApp.AdminKey);
            var segment = await CreateAsync(admin, new { name = "Nordic and German depositors", purpose = "analysis", rule });
            Assert.Equal(expected.Count, segment.Members);
            Assert.Equal(expected.Order(StringComparer.Ordinal), await MemberIdsAsync(instances[2].ClientWithKey(IntelligenceApp.CrmKey), segment.Id));
            using (var crm = instances[2].ClientWithKey(IntelligenceApp.CrmKey))
            {
                var scores = (await crm.GetFromJsonAsync<ScoreDistributions>("/v1/insights/scores", Json))!;
                Assert.Equal(Players, scores.Players);
                using var affiliatesReader = instances[2].ClientWithKey(IntelligenceApp.AdminKey);
                var affiliates = (await affiliatesReader.GetFromJsonAsync<AffiliatesReport>("/v1/affiliates/report", Json))!;
                Assert.True(affiliates.CohortComplete);
                Assert.Equal(facts.Count(f => f.Profile.AffiliateId is not null), affiliates.Items.Sum(r => r.Cohort!.Players));
            }

            await instances[2].DisposeAsync();
            instances.RemoveAt(2);
            await HeldOnceAsync(instances);
            foreach (var app in instances) await AssertPreviewAsync(app, rule, expected);
        }
        finally
        {
            foreach (var app in instances) await app.DisposeAsync();
        }
    }

    /// <summary>Registers the players (country by turn, a deposit of 0 to 290) in one request; returns their ids.</summary>
    private static async Task<List<string>> RegisterPlayersAsync(IngestionHost ingestion)
    {
        var ids = Enumerable.Range(0, Players).Select(i => $"p-part-{i}").ToList();
        var body = new StringBuilder();
        for (var i = 0; i < Players; i++)
        {
            body.Append(Event("player.registered", ids[i], $$"""{"country":"{{Countries[i % Countries.Length]}}","currency":"EUR","affiliateId":"aff-{{i % 4}}"}""")).Append('\n');
            body.Append(Event("wallet.deposit", ids[i], $$"""{"transactionId":"d-{{i}}","amount":{{i * 37 % 300}},"currency":"EUR","status":"approved"}""")).Append('\n');
        }
        using var client = ingestion.ClientWithKey(SimulatedCasino.EventsKey);
        var response = await client.PostAsync("/v1/events", new StringContent(body.ToString(), Encoding.UTF8, "application/x-ndjson"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return ids;
    }

    /// <summary>Waits until the instances together hold every player, each player once (handovers done).</summary>
    private static async Task HeldOnceAsync(IReadOnlyList<IntelligenceApp> instances)
    {
        foreach (var app in instances) await app.Services.GetRequiredService<IndexFeed>().Loaded.WaitAsync(TimeSpan.FromSeconds(90));
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!(instances.Sum(i => i.Services.GetRequiredService<PlayerIndex>().Count) == Players
            && instances.All(i => i.Services.GetRequiredService<PlayerIndex>().Count > 0)
            && instances.Sum(i => i.Services.GetRequiredService<IndexPartitions>().Loaded.Size) == 64))
        {
            Assert.True(DateTime.UtcNow < deadline,
                $"the instances should hold every player once; they hold {string.Join(", ", instances.Select(i => i.Services.GetRequiredService<PlayerIndex>().Count))}");
            await Task.Delay(100);
        }
    }

    private static async Task AssertPreviewAsync(IntelligenceApp app, object rule, HashSet<string> expected)
    {
        using var crm = app.ClientWithKey(IntelligenceApp.CrmKey);
        var response = await crm.PostAsJsonAsync("/v1/segments/preview", new { rule, purpose = "analysis", sampleSize = 12 });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var preview = (await response.Content.ReadFromJsonAsync<SegmentPreview>(Json))!;
        Assert.Equal(expected.Count, preview.Count);
        Assert.Equal(Players, preview.Evaluated);
        Assert.Equal(Math.Min(12, expected.Count), preview.Sample.Count);
        Assert.All(preview.Sample, m => Assert.Contains(m.PlayerId, expected));
        Assert.Equal(preview.Sample.Count, preview.Sample.Select(m => m.PlayerId).Distinct().Count());
    }
}
