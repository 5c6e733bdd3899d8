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
