using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Intelligence.Segments;
using Intelligence.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Shared.Contracts;
using Simulator.Population;
using static Intelligence.Tests.Segments.SegmentKit;

namespace Intelligence.Tests.Segments;

/// <summary>
/// Preview, members, export, fields and insight over the simulated casino (900 players), each held to a count made
/// here from the players' profiles with the reference evaluator. Other tests change a few players meanwhile, so each
/// comparison is taken when two reference counts around it agree. The class runs alone (<see cref="RunsAlone"/>): a
/// preview gathers every live instance's partitions, and other tests' instances on the same casino, busy training
/// under CI's load, left partitions unanswered past <c>Segments:GatherTimeout</c> for minutes (503 "Player index
/// loading"), which is what an operator's overloaded peer would get too, but not what this class measures.
/// </summary>
[Collection(nameof(RunsAlone))]
public sealed class CasinoSegmentsTests(SimulatedCasino casino)
{
    private static readonly string[] Rules =
    [
        """{"all":[{"field":"lifetime.depositAmount","op":"gte","value":100},{"field":"country","op":"in","value":["DE","SE","FI","NO","MT","GB"]}]}""",
        """{"any":[{"field":"windows.30d.betCount","op":"gt","value":20},{"not":{"field":"lifetime.lastActiveAt","op":"gte","value":"-14d"}}]}""",
        """{"all":[{"field":"games.categories.live","op":"gt","value":0},{"field":"windows.90d.activeDays","op":"between","value":[3,60]}]}""",
        """{"field":"affiliateId","op":"exists"}""",
    ];

    private async Task<IntelligenceApp> AppAsync()
    {
        var app = casino.Intelligence();
        await app.Services.GetRequiredService<IndexFeed>().Loaded.WaitAsync(TimeSpan.FromSeconds(90));
        return app;
    }

    /// <summary>Every player's facts as the store holds them now.</summary>
    private static async Task<List<PlayerFacts>> FactsAsync(IntelligenceApp app)
    {
        var ids = (await app.Db.SetMembersAsync(app.Keys.Players)).Select(v => v.ToString()).ToList();
        return [.. (await app.Services.GetRequiredService<IndexFeed>().ReadAsync(ids)).OfType<PlayerFacts>()];
    }

    /// <summary>Runs <paramref name="measure"/> between two reference computations until both agree (no other test changed a player meanwhile).</summary>
    private static async Task<(T Expected, TActual Actual)> SteadyAsync<T, TActual>(IntelligenceApp app, Func<List<PlayerFacts>, T> expect, Func<Task<TActual>> measure, Func<T, T, bool> same)
    {
        for (var attempt = 0; ; attempt++)
        {
            var before = expect(await FactsAsync(app));
            // Let the index catch up with anything just written.
            await Task.Delay(300);
            var actual = await measure();
            var after = expect(await FactsAsync(app));
            if (same(before, after) || attempt == 4) return (after, actual);
        }
    }

    [Fact]
    public async Task Preview_CountsExactlyThePlayersTheReferenceEvaluatorMatches_WithExclusionsByReason()
    {
        await using var app = await AppAsync();
        using var crm = app.PatientClientWithKey(IntelligenceApp.CrmKey);
        foreach (var json in Rules)
        {
            var rule = JsonSerializer.Deserialize(json, ContractsJsonContext.Default.SegmentRule)!;
            foreach (var (purpose, channel) in new (string, string?)[] { ("analysis", null), ("marketing", null), ("marketing", "sms") })
            {
                var now = casino.Clock.GetUtcNow();
                var (expected, preview) = await SteadyAsync(app,
                    facts =>
                    {
                        var matched = facts.Where(f => ReferenceEvaluator.Matches(rule, f, now)).ToList();
                        var reasons = matched.Select(f => purpose == "marketing" ? ReferenceEvaluator.Excluded(f.Profile, now, channel) : null).ToList();
                        return (Count: reasons.Count(r => r is null), Excluded: reasons.OfType<string>().GroupBy(r => r).ToDictionary(g => g.Key, g => (long)g.Count()), Players: facts.Count,
                            Ids: matched.Where((_, i) => reasons[i] is null).Select(f => f.Profile.PlayerId).ToHashSet());
                    },
                    async () =>
                    {
                        var response = await crm.PostAsync("/v1/segments/preview", JsonBody($$"""{"rule":{{json}},"purpose":"{{purpose}}","channel":{{(channel is null ? "null" : $"\"{channel}\"")}},"sampleSize":15}"""));
                        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                        return (await response.Content.ReadFromJsonAsync<SegmentPreview>(Json))!;
                    },
                    (a, b) => a.Count == b.Count && a.Players == b.Players && a.Excluded.Count == b.Excluded.Count && a.Excluded.All(e => b.Excluded.GetValueOrDefault(e.Key) == e.Value));
                Assert.True(expected.Count == preview.Count, $"{purpose}/{channel}: {json} counted {preview.Count}, reference {expected.Count}");
                Assert.Equal(expected.Excluded.OrderBy(e => e.Key), preview.Excluded.OrderBy(e => e.Key));
                Assert.Equal(expected.Players, preview.Evaluated);
                Assert.Equal(Math.Min(15, expected.Count), preview.Sample.Count);
                Assert.All(preview.Sample, m => Assert.Contains(m.PlayerId, expected.Ids));
                Assert.True(preview.ElapsedMs >= 0);
            }
        }
    }

    [Fact]
    public async Task MarketingSegments_ExcludeRestrictedAndUnconsentedPlayers_AndSayWhy()
    {
        await using var app = await AppAsync();
        using var crm = app.PatientClientWithKey(IntelligenceApp.CrmKey);
        // Everyone: every excluded player of the casino is counted under one reason.
        var all = """{"field":"lifetime.betCount","op":"gte","value":0}""";
        var analysis = (await (await crm.PostAsync("/v1/segments/preview", JsonBody($$"""{"rule":{{all}},"purpose":"analysis"}"""))).Content.ReadFromJsonAsync<SegmentPreview>(Json))!;
        var marketing = (await (await crm.PostAsync("/v1/segments/preview", JsonBody($$"""{"rule":{{all}}}"""))).Content.ReadFromJsonAsync<SegmentPreview>(Json))!;
        Assert.Equal(analysis.Evaluated, analysis.Count);
        Assert.Empty(analysis.Excluded);
        Assert.Equal(analysis.Count, marketing.Count + marketing.Excluded.Values.Sum());
        // The simulated casino has self-exclusions and players who never consented.
        Assert.True(marketing.Excluded.GetValueOrDefault(MarketingPolicy.SelfExcluded) > 0, string.Join(", ", marketing.Excluded));
        Assert.True(marketing.Excluded.GetValueOrDefault(MarketingPolicy.NoConsent) > 0, string.Join(", ", marketing.Excluded));
        Assert.All(marketing.Excluded.Keys, k => Assert.Contains(k, SegmentMarketing.Reasons));
    }

    [Fact]
    public async Task Members_PageThroughEveryMemberOnce_AndTheCsvExportListsTheSame()
    {
        await using var app = await AppAsync();
        using var admin = app.PatientClientWithKey(IntelligenceApp.AdminKey);
        using var crm = app.PatientClientWithKey(IntelligenceApp.CrmKey);
        var segment = await CreateAsync(admin, new { name = "Depositors (paging test)", purpose = "analysis", rule = new { field = "lifetime.depositCount", op = "gte", value = 1 } });
        try
        {
            Assert.True(segment.Members > 100, $"expected a large segment, got {segment.Members}");
            var pages = new List<SegmentMembersPage>();
            string? cursor = null;
            do
            {
                var page = (await crm.GetFromJsonAsync<SegmentMembersPage>($"/v1/segments/{segment.Id}/players?limit=97{(cursor is null ? "" : $"&cursor={cursor}")}", Json))!;
                pages.Add(page);
                cursor = page.NextCursor;
            }
            while (cursor is not null);
            var ids = pages.SelectMany(p => p.Items.Select(i => i.PlayerId)).ToList();
            Assert.Equal(ids.Count, ids.Distinct().Count());
            Assert.Equal(ids.Order(StringComparer.Ordinal), ids);
            Assert.All(pages.SkipLast(1), p => Assert.Equal(97, p.Items.Count));
            Assert.Equal(pages[0].Total, ids.Count);
            var facts = (await app.Services.GetRequiredService<IndexFeed>().ReadAsync(ids)).ToList();
            Assert.All(facts, f => Assert.True(f is null || f.Profile.Lifetime.DepositCount >= 1));
            var first = pages[0].Items[0];
            var profile = facts[0]!.Profile;
            Assert.Equal(profile.Country, first.Country);
            Assert.Equal(profile.Lifetime.DepositAmount, first.LifetimeDepositAmount);
            Assert.NotNull(first.EnteredAt);

            // Personal data leaving the product needs the export scope, not just the read one.
            Assert.Equal(HttpStatusCode.Forbidden, (await crm.GetAsync($"/v1/segments/{segment.Id}/players.csv")).StatusCode);
            var csv = await admin.GetAsync($"/v1/segments/{segment.Id}/players.csv");
            Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
            var lines = (await csv.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal("playerId,country,market,lifetimeDepositAmount,lastActiveAt,churn,vip,enteredAt", lines[0]);
            Assert.Equal(ids, lines.Skip(1).Select(l => l.Split(',')[0]));
            var firstLine = lines[1].Split(',');
            Assert.Equal(first.LifetimeDepositAmount, decimal.Parse(firstLine[3], CultureInfo.InvariantCulture));
        }
        finally
        {
            await admin.DeleteAsync($"/v1/segments/{segment.Id}");
        }
    }

    [Fact]
    public async Task Fields_ListTheBuildersPalette_WithKnownValuesFromThePlayersAndTheCatalogue()
    {
        await using var app = await AppAsync();
        using var crm = app.PatientClientWithKey(IntelligenceApp.CrmKey);
        var fields = (await crm.GetFromJsonAsync<List<SegmentField>>("/v1/segments/fields", Json))!;
        var byPath = fields.ToDictionary(f => f.Path);
        Assert.Equal("money", byPath["lifetime.depositAmount"].Type);
        Assert.Contains("between", byPath["lifetime.depositAmount"].Ops);
        Assert.Equal("date", byPath["lifetime.lastActiveAt"].Type);
        Assert.Equal(SegmentFields.KycStatuses, byPath["kycStatus"].Values);
        var countries = (await FactsAsync(app)).Select(f => f.Profile.Country).OfType<string>().Distinct().Order(StringComparer.Ordinal);
        Assert.Equal(countries, byPath["country"].Values);
        var games = await app.Services.GetRequiredService<Shared.Store.CatalogCache>().GetAsync();
        foreach (var provider in games.Values.Select(g => g.Provider).Distinct())
        {
            Assert.Equal("money", byPath[$"games.providers.{provider}"].Type);
        }
        Assert.Equal(["in", "nin"], byPath["games.played"].Ops);
    }

    [Fact]
    public async Task Insights_ScoreDistributionsAndTheAffiliateReport_AddUpOverThePlayers_AndSizesAreRecorded()
    {
        await casino.EnsureTrainedAsync();
        await using var app = await AppAsync();
        using var admin = app.PatientClientWithKey(IntelligenceApp.AdminKey);
        using var crm = app.PatientClientWithKey(IntelligenceApp.CrmKey);

        // A host that starts serving models rescores everyone once; wait until the index has everyone's scores.
        ScoreDistributions scores;
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while ((scores = (await crm.GetFromJsonAsync<ScoreDistributions>("/v1/insights/scores?bins=10", Json))!).Churn.Scored < SimulatedCasino.Players)
        {
            Assert.True(DateTime.UtcNow < deadline, $"only {scores.Churn.Scored} players scored in the index");
            await Task.Delay(500);
        }
        Assert.Equal(10, scores.Churn.Bins.Count);
        Assert.Equal(scores.Churn.Scored, scores.Churn.Bins.Sum(b => b.Count));
        Assert.Equal(scores.Churn.Scored, scores.Churn.Bands.Values.Sum());
        Assert.Equal(scores.Vip.Scored, scores.Vip.Bins.Sum(b => b.Count));
        Assert.Equal(0, scores.Churn.Bins[0].From);
        Assert.Equal(1, scores.Churn.Bins[^1].To);
        Assert.InRange(scores.Players, SimulatedCasino.Players, SimulatedCasino.Players + 100);
        Assert.Equal(HttpStatusCode.BadRequest, (await crm.GetAsync("/v1/insights/scores?bins=1")).StatusCode);

        // The affiliate report's cohorts (all time) hold every attributed player; the scope is affiliates:read.
        Assert.Equal(HttpStatusCode.Forbidden, (await crm.GetAsync("/v1/affiliates/report")).StatusCode);
        var (expected, report) = await SteadyAsync(app,
            facts => facts.Where(f => f.Profile.AffiliateId is not null).GroupBy(f => f.Profile.AffiliateId!)
                .ToDictionary(g => g.Key, g => (Players: (long)g.Count(), Depositors: (long)g.Count(f => f.Profile.Lifetime.DepositCount > 0))),
            async () => (await admin.GetFromJsonAsync<AffiliatesReport>("/v1/affiliates/report", Json))!,
            (a, b) => a.Count == b.Count && a.All(kv => b.GetValueOrDefault(kv.Key) == kv.Value));
        Assert.True(report.CohortComplete);
        var totals = report.Items.Where(r => r.Cohort!.Players > 0).ToList();
        Assert.Equal(expected.Count, totals.Count);
        foreach (var row in totals)
        {
            var e = expected[row.AffiliateId];
            Assert.Equal(e.Players, row.Cohort!.Players);
            Assert.Equal(e.Depositors, row.Cohort.Depositors);
            Assert.InRange(row.Cohort.PredictedVipShare, 0, 1);
            Assert.InRange(row.Cohort.HighChurnShare + row.Cohort.LapsedShare, 0, 1);
            // Campaign rows break the affiliate's players down.
            Assert.True(row.Campaigns.Sum(r => r.Cohort.Players) <= row.Cohort.Players);
        }
        Assert.Contains(totals, r => r.Cohort!.Scored > 0 && r.Cohort.MeanChurn > 0);
        // Ranked by the cohort's predicted value.
        Assert.Equal(report.Items.Select(r => r.Cohort!.PredictedVipPlayers).OrderDescending(), report.Items.Select(r => r.Cohort!.PredictedVipPlayers));
        // The simulator's two partners of poor quality are told apart in it: the bonus hunters' players are predicted to be
        // worth less than an ordinary partner's (per player), and the partner whose players later self-exclude has by far the
        // highest safer-gambling share.
        var ordinary = totals.Where(r => r.AffiliateId is not (AffiliatePartners.BonusHunters or AffiliatePartners.SelfExcluders)).ToList();
        var hunters = totals.Single(r => r.AffiliateId == AffiliatePartners.BonusHunters);
        var blitz = totals.Single(r => r.AffiliateId == AffiliatePartners.SelfExcluders);
        var ordinaryShare = ordinary.Sum(r => r.Cohort!.PredictedVipPlayers) / ordinary.Sum(r => r.Cohort!.Scored);
        Assert.True(hunters.Cohort!.PredictedVipShare < ordinaryShare,
            $"bonus hunters' predicted VIP share {hunters.Cohort.PredictedVipShare:0.000} vs ordinary partners' {ordinaryShare:0.000}");
        Assert.Equal(blitz.AffiliateId, totals.MaxBy(r => r.SelfExclusionShare ?? 0)!.AffiliateId);
        Assert.True(blitz.SelfExclusionShare > 5 * ordinary.Sum(r => r.SelfExcluded) / (double)ordinary.Sum(r => r.Registrations),
            $"self-excluding partner's share {blitz.SelfExclusionShare:0.000}");
        var cohort = (await admin.GetFromJsonAsync<AffiliatesReport>($"/v1/affiliates/report?from={casino.Clock.GetUtcNow().AddDays(-30):yyyy-MM-dd}", Json))!;
        Assert.True(cohort.Items.Sum(r => r.Cohort!.Players) < totals.Sum(r => r.Cohort!.Players));
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.GetAsync("/v1/affiliates/report?from=2026-12-01&to=2026-11-01")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.GetAsync("/v1/affiliates/report?from=yesterday")).StatusCode);

        var segment = await CreateAsync(admin, new { name = "Sized", purpose = "analysis", rule = new { field = "lifetime.depositCount", op = "gte", value = 3 } });
        try
        {
            var size = (await crm.GetFromJsonAsync<SegmentSizeHistory>($"/v1/insights/segments/{segment.Id}/size?days=1", Json))!;
            Assert.Equal(segment.Id, size.SegmentId);
            Assert.Equal(segment.Members, size.Points[^1].Members);
            Assert.Equal(HttpStatusCode.BadRequest, (await crm.GetAsync($"/v1/insights/segments/{segment.Id}/size?days=0")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await crm.GetAsync("/v1/insights/segments/sgm-missing/size")).StatusCode);
        }
        finally
        {
            await admin.DeleteAsync($"/v1/segments/{segment.Id}");
        }
    }
}

/// <summary>Test classes that must not share the simulated casino with other tests' Intelligence instances: run after the rest, one at a time.</summary>
[CollectionDefinition(nameof(RunsAlone), DisableParallelization = true)]
public sealed class RunsAlone;
