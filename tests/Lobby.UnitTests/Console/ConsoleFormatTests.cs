using Lobby.Components.Console;
using Lobby.Components.Console.Segments;
using Shared.Contracts;

namespace Lobby.UnitTests.Console;

public sealed class ConsoleFormatTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(0, 1)]
    [InlineData(4, 1)]
    [InlineData(12, 5)]
    [InlineData(37, 10)]
    [InlineData(180, 50)]
    [InlineData(2_000, 500)]
    [InlineData(100_000, 20_000)]
    public void ChartLines_FallOnRoundSteps_AboutFiveOfThem(double max, int step)
    {
        Assert.Equal(step, ConsoleFormat.TickStep(max));
    }

    [Fact]
    public void PolicyReasons_ReadAsWords_AndUnknownOnesStayReadable()
    {
        Assert.Equal("Self-excluded", ConsoleFormat.ExclusionReason(MarketingPolicy.SelfExcluded));
        Assert.Equal("Cooling off", ConsoleFormat.ExclusionReason(MarketingPolicy.CoolingOff));
        Assert.Equal("Account blocked", ConsoleFormat.ExclusionReason(MarketingPolicy.Blocked));
        Assert.Equal("No consent to marketing on this channel", ConsoleFormat.ExclusionReason(MarketingPolicy.NoConsent));
        Assert.Equal("Under Age", ConsoleFormat.ExclusionReason("under_age"));
    }

    [Theory]
    [InlineData(0, "just now")]
    [InlineData(-5, "5 min ago")]
    [InlineData(-180, "3 h ago")]
    [InlineData(-1800, "yesterday")]
    [InlineData(-4320, "21 Nov 2026")]
    public void Times_ReadAsAgo(int minutes, string expected)
    {
        Assert.Equal(expected, ConsoleFormat.Ago(Now.AddMinutes(minutes), Now));
    }

    [Fact]
    public void LineDiff_MarksWhatWasAddedAndRemoved()
    {
        var diff = LineDiff.Compare(["{", "  a", "  b", "}"], ["{", "  a", "  c", "}"]);

        Assert.Equal(
            [(DiffKind.Same, "{"), (DiffKind.Same, "  a"), (DiffKind.Removed, "  b"), (DiffKind.Added, "  c"), (DiffKind.Same, "}")],
            diff.Select(l => (l.Kind, l.Text)));
    }
}
