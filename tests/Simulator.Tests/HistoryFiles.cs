using System.IO.Compression;
using Simulator.Delivery;
using Simulator.History;

namespace Simulator.Tests;

/// <summary>Small histories for tests, written to a temporary folder with a fixed end time.</summary>
internal static class HistoryFiles
{
    public static readonly DateTimeOffset End = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    public static (string Dir, HistorySummary Summary) Generate(int seed, int players, int days, DateTimeOffset? end = null, FaultRates? faults = null,
        DeliveryMode delivery = DeliveryMode.TimeOrdered)
    {
        var dir = Path.Combine(Path.GetTempPath(), "sim-" + Guid.NewGuid().ToString("N"));
        var summary = HistoryGenerator.Run(World.Create(seed, players, days, end ?? End), faults ?? new FaultRates(0.05, 0.05, 0.02, 0.01), dir,
            writeTruth: true, delivery);
        return (dir, summary);
    }

    public static IEnumerable<string> Lines(string dir)
    {
        foreach (var file in Directory.GetFiles(dir, HistoryGenerator.EventsPattern).Order(StringComparer.Ordinal))
        {
            using var reader = new StreamReader(new GZipStream(File.OpenRead(file), CompressionMode.Decompress));
            while (reader.ReadLine() is { } line) yield return line;
        }
    }
}
