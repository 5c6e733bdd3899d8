using System.Net;
using System.Net.Http.Json;
using System.Text;
using Ingestion.Commands;
using Intelligence.Experiments;
using Ingestion.DeadLetters;
using Ingestion.Events;
using Intelligence.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Shared.Contracts;
using Simulator;
using Simulator.History;
using Simulator.Population;
using TestSupport;
using static Intelligence.Tests.Segments.SegmentKit;

namespace Intelligence.Tests.Experiments;

/// <summary>
/// The whole path: a simulated casino whose treated players deposit more from the day they are assigned (tests/Simulator's
/// <see cref="ResponseLift"/>), its history through Ingestion, the players' exposures recorded through the API, and the
/// report read back. The planted lift is inside the report's interval, and no lift is not reported as one. Casino deposits
/// are heavy-tailed (a few VIPs deposit most), so with ~9,000 exposed players the interval on deposits is about ±15%:
/// a +5% lift is inside it but not told apart from none, while a doubling is.
/// </summary>
[Trait("Category", "Slow")]
public sealed class PlantedLiftEndToEndTests(StoreServers servers)
{
    private const int Players = 12_000;
    private const int Days = 60;
    private const int Horizon = 14;
    private const string Key = "planted-lift-key";
    private static readonly DateTimeOffset Anchor = new(2026, 10, 1, 10, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(0.0, false)]
    [InlineData(0.05, false)]
    [InlineData(1.0, true)]
    public async Task TheReport_RecoversThePlantedLift_WithinItsInterval(double lift, bool detectable)
    {
        var clock = new AnchoredClock(Anchor);
        var assignedAt = clock.Day.AddDays(-21);
        var planted = new ResponseLift(ExperimentIds.Lobby, Encoding.UTF8.GetBytes(Key), 0.5, assignedAt, lift);
        var world = World.Create(17, Players, Days, clock.Day).WithLift(planted);
        var cs = await servers.ConnectionStringAsync(StoreKinds.Redis);
        var prefix = TestKeys.Prefix($"planted-{lift}");
        var dir = Path.Combine(Path.GetTempPath(), "planted-" + Guid.NewGuid().ToString("N"));
        try
        {
            HistoryGenerator.Run(world, new FaultRates(0, 0, 0, 0), dir, writeTruth: false);
            await using (var ingestion = new IngestionHost(cs, prefix, clock))
            {
                var backfill = new Backfill(ingestion.Services.GetRequiredService<EventIngestor>(), ingestion.Services.GetRequiredService<DeadLetterStore>(), batch: 5_000, maxBytes: 10 * 1024 * 1024);
                foreach (var file in NdJsonFiles.Expand([Path.Combine(dir, HistoryGenerator.EventsPattern)]).Files)
                {
                    await backfill.ImportAsync(new FileResult(file), new PlainProgress(TimeSpan.FromHours(1)), CancellationToken.None);
                }
            }
            await using var app = new IntelligenceApp(cs, prefix, new Dictionary<string, string?>
            {
                ["Experiments:AssignmentKey"] = Key,
                ["Experiments:LobbyControlShare"] = "0.5",
                ["Experiments:ReportCacheFor"] = "00:00:00",
            }, clock);
            using var admin = app.ClientWithKey(IntelligenceApp.AdminKey);

            // Everyone registered by then is shown the lobby on the day of assignment.
            var exposed = Enumerable.Range(0, Players).Select(i => world.Player(i)).Where(p => p.RegisteredAt < assignedAt).Select(p => p.Id).ToList();
            var imported = new List<ExperimentAssignmentResult>();
            foreach (var chunk in exposed.Chunk(5_000))
            {
                var import = await admin.PostAsJsonAsync($"/v1/experiments/{ExperimentIds.Lobby}/assignments",
                    new { items = chunk.Select(p => new { playerId = p, assignedAt }) });
                Assert.Equal(HttpStatusCode.OK, import.StatusCode);
                var answer = (await import.Content.ReadFromJsonAsync<ExperimentAssignmentsImported>(Json))!;
                Assert.Empty(answer.Rejected);
                imported.AddRange(answer.Items);
            }
            // The service's groups are the simulator's: the same keyed hash.
            Assert.All(imported.Where(i => i.Group != ExperimentGroups.Excluded),
                i => Assert.Equal(planted.Treated(i.PlayerId), i.Group == ExperimentGroups.Treatment));

            var report = (await admin.GetFromJsonAsync<ExperimentReport>($"/v1/experiments/{ExperimentIds.Lobby}/report?horizonDays={Horizon}", Json))!;
            var deposits = Assert.Single(report.Metrics, m => m.Name == ExperimentOutcomes.DepositAmount);
            TestContext.Current.TestOutputHelper?.WriteLine(
                $"planted {lift:P0}: {deposits.UpliftRelative:P1}, 95% CI {deposits.Ci95LowRelative:P1} to {deposits.Ci95HighRelative:P1}, " +
                $"{report.Groups.Treatment} + {report.Groups.Control} players, CUPED {deposits.VarianceReduction:P0} narrower; {report.Summary}");
            Assert.True(report.Design.Final);
            Assert.InRange(lift, deposits.Ci95LowRelative!.Value, deposits.Ci95HighRelative!.Value);
            Assert.Equal(detectable, deposits.Ci95LowRelative > 0);
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }
}
