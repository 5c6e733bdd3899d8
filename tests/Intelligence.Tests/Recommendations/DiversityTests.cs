using CsCheck;
using Intelligence.Recommendations;

namespace Intelligence.Tests.Recommendations;

public sealed class DiversityTests
{
    [Fact]
    public void Arrange_NeverPutsMoreThanTheMaximumOfOneProviderInTenConsecutiveItems()
    {
        Gen.Select(Gen.Int[0, 5].Array[0, 120], Gen.Int[1, 4], Gen.Int[1, 60]).Sample((providers, max, limit) =>
        {
            var chosen = Diversity.Arrange(Enumerable.Range(0, providers.Length), g => $"p{providers[g]}", max, limit);
            Assert.True(chosen.Count <= limit);
            Assert.Equal(chosen.Count, chosen.Distinct().Count());
            Assert.True(Diversity.Holds(chosen.Select(g => $"p{providers[g]}").ToList(), max));
            // Nothing is lost that could have been placed: with at least ten providers' worth of variety, the list fills.
            if (providers.Distinct().Count() * max >= 10 && providers.GroupBy(p => p).All(g => g.Count() >= 10)) Assert.Equal(Math.Min(limit, providers.Length), chosen.Count);
        }, iter: 500);
    }

    [Fact]
    public void Arrange_KeepsTheScoreOrder_WhenNoProviderIsCrowded()
    {
        var chosen = Diversity.Arrange(Enumerable.Range(0, 20), g => $"p{g % 5}", 3, 20);
        Assert.Equal(Enumerable.Range(0, 20), chosen);
    }

    [Fact]
    public void Arrange_DefersTheFourthGameOfAProviderUntilTheWindowMovesOn()
    {
        // Five games of A score highest, then B..H.
        string[] providers = ["A", "A", "A", "A", "A", "B", "C", "D", "E", "F", "G", "H"];
        var chosen = Diversity.Arrange(Enumerable.Range(0, providers.Length), g => providers[g], 3, 12);
        Assert.Equal([0, 1, 2, 5, 6, 7, 8, 9, 10, 11], chosen.Take(10));
        Assert.True(Diversity.Holds(chosen.Select(g => providers[g]).ToList(), 3));
    }
}
