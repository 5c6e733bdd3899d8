using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Simulator.Faults;
using Simulator.History;

namespace Simulator.Tests;

public sealed class DeterminismTests
{
    [Fact]
    public void SameSeed_WritesByteIdenticalFiles()
    {
        var (a, _) = HistoryFiles.Generate(7, 150, 30);
        var (b, _) = HistoryFiles.Generate(7, 150, 30);
        var files = Directory.GetFiles(a).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(files, Directory.GetFiles(b).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Contains("summary.json", files);
        foreach (var file in files) Assert.True(File.ReadAllBytes(Path.Combine(a, file!)).SequenceEqual(File.ReadAllBytes(Path.Combine(b, file!))), file);
    }

    [Fact]
    public void DifferentSeeds_WriteDifferentHistories()
    {
        var (a, sa) = HistoryFiles.Generate(7, 150, 30);
        var (b, sb) = HistoryFiles.Generate(8, 150, 30);
        Assert.NotEqual(sa.Overall, sb.Overall);
        Assert.False(HistoryFiles.Lines(a).SequenceEqual(HistoryFiles.Lines(b)));
    }
}

/// <summary>The planted faults are off by default, and off they change nothing: the default history is pinned.</summary>
public sealed class DefaultHistoryTests
{
    // SHA-256 of the decompressed events files (in name order) and of summary.json of `history --players 150 --days 30
    // --seed 7 --end 2026-11-01T00:00:00Z` with the default delivery faults, as main wrote them before the faults existed
    // (with the cashier's and checks' stream of wip/24e, d54c2b3: compared file by file with that commit's simulator when re-pinned).
    private const string EventsSha = "0ad587613fac8f6d23e93d92a27f400cd49b3881b1f0e04c00ffd0d851b2af8f";
    private const string SummarySha = "bc0def4bc9cc32dde2e905e946b44b370dfa44af7d8eb1404728ff54768d9c4a";

    private static (string Events, string Summary, string Dir) Hashes(IntegrationFaults? integration)
    {
        var dir = Path.Combine(Path.GetTempPath(), "sim-" + Guid.NewGuid().ToString("N"));
        HistoryGenerator.Run(World.Create(7, 150, 30, HistoryFiles.End), new FaultRates(), dir, writeTruth: true, integration: integration);
        var events = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Concat(HistoryFiles.Lines(dir).Select(l => l + "\n")))));
        var summary = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(dir, HistoryGenerator.SummaryFile))));
        return (events, summary, dir);
    }

    [Fact]
    public void WithoutFaults_TheHistoryIsByteForByteTheOneBeforeFaultsExisted()
    {
        var (events, summary, dir) = Hashes(null);
        Assert.Equal((EventsSha, SummarySha), (events, summary));
        Assert.False(File.Exists(Path.Combine(dir, HistoryGenerator.PlantedFile)));
        var (noneEvents, noneSummary, _) = Hashes(IntegrationFaults.None);
        Assert.Equal((EventsSha, SummarySha), (noneEvents, noneSummary));
    }

    [Fact]
    public void TheFaultPath_ChangesTheHistory_AndWritesWhatItPlanted()
    {
        var (events, _, dir) = Hashes(new IntegrationFaults(Reconciled: true, ConflictShare: 0.01));
        Assert.NotEqual(EventsSha, events);
        var planted = JsonSerializer.Deserialize(File.ReadAllBytes(Path.Combine(dir, HistoryGenerator.PlantedFile)), SimulatorJsonContext.Default.PlantedFaults)!;
        Assert.NotEmpty(planted.Conflicts);
        Assert.Empty(planted.OpenRounds);
        // A resend has the first version's transaction id and another amount.
        var resent = HistoryFiles.Lines(dir).Count(l => l.Contains($"\"transactionId\":\"{planted.Conflicts[0].TransactionId}\"", StringComparison.Ordinal));
        Assert.True(resent >= 2);
    }

    [Theory]
    [InlineData("--fault-declines-psp must be one of")]
    [InlineData("--fault-silent-source and --fault-silent-from go together")]
    [InlineData("--fault-conflicts must be between 0 and 1")]
    [InlineData("--fault-late-source needs a positive --fault-late-by")]
    public void ABadFault_IsRefusedBeforeAnythingIsWritten_NamingTheOption(string message)
    {
        var faults = message switch
        {
            _ when message.Contains("psp", StringComparison.Ordinal) => new IntegrationFaults(DeclinePsp: "nobody"),
            _ when message.Contains("silent", StringComparison.Ordinal) => new IntegrationFaults(SilentSource: "/casino/games"),
            _ when message.Contains("conflicts", StringComparison.Ordinal) => new IntegrationFaults(ConflictShare: 1.5),
            _ => new IntegrationFaults(LateSource: "/casino/pam"),
        };
        var dir = Path.Combine(Path.GetTempPath(), "sim-" + Guid.NewGuid().ToString("N"));
        var e = Assert.Throws<ArgumentException>(() => HistoryGenerator.Run(World.Create(7, 10, 5, HistoryFiles.End), new FaultRates(), dir, false, integration: faults));
        Assert.StartsWith(message, e.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir));
    }
}
