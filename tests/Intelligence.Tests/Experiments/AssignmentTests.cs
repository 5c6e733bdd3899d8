using System.Text;
using Intelligence.Experiments;
using Shared.Contracts;

namespace Intelligence.Tests.Experiments;

/// <summary>The keyed hash that makes control groups: stable, at the configured share, independent across experiments.</summary>
public sealed class AssignmentTests
{
    private static readonly byte[] Key = Encoding.UTF8.GetBytes("assignment-tests-key");
    private static readonly string[] Players = [.. Enumerable.Range(0, 20_000).Select(i => $"p-{i}")];

    [Fact]
    public void TheSamePlayerAndExperiment_GetTheSameGroup_AndAnotherKeyGivesAnotherSplit()
    {
        var groups = Players.Select(p => ExperimentAssignment.Group(Key, "segment-s1", p, 0.3)).ToArray();
        // A copy of the key, as another instance reads it: the same groups.
        Assert.Equal(groups, Players.Select(p => ExperimentAssignment.Group([.. Key], "segment-s1", p, 0.3)));
        var other = Players.Select(p => ExperimentAssignment.Group(Encoding.UTF8.GetBytes("another-key"), "segment-s1", p, 0.3)).ToArray();
        Assert.InRange(groups.Zip(other).Count(x => x.First != x.Second), 0.3 * Players.Length, 0.5 * Players.Length);
    }

    [Theory]
    [InlineData(0.1)]
    [InlineData(0.25)]
    [InlineData(0.5)]
    public void TheControlShare_IsTheConfiguredOne_WithinFourSigma(double share)
    {
        var control = Players.Count(p => ExperimentAssignment.Group(Key, ExperimentIds.Lobby, p, share) == ExperimentGroups.Control);
        var sigma = Math.Sqrt(Players.Length * share * (1 - share));
        Assert.InRange(control, Players.Length * share - 4 * sigma, Players.Length * share + 4 * sigma);
    }

    [Fact]
    public void RaisingTheShare_OnlyMovesPlayersIntoControl()
    {
        var at10 = Players.Where(p => ExperimentAssignment.Group(Key, "placement-x", p, 0.1) == ExperimentGroups.Control).ToHashSet();
        var at20 = Players.Where(p => ExperimentAssignment.Group(Key, "placement-x", p, 0.2) == ExperimentGroups.Control).ToHashSet();
        Assert.True(at10.IsSubsetOf(at20));
        Assert.DoesNotContain(Players, p => ExperimentAssignment.Group(Key, "placement-x", p, 0) == ExperimentGroups.Control);
    }

    [Fact]
    public void TwoExperiments_SplitIndependently()
    {
        // Control in both: 1% of players if the splits are independent (σ ≈ 14 of 20,000).
        var both = Players.Count(p => ExperimentAssignment.Group(Key, "segment-a", p, 0.1) == ExperimentGroups.Control
            && ExperimentAssignment.Group(Key, "segment-b", p, 0.1) == ExperimentGroups.Control);
        Assert.InRange(both, 200 - 4 * 14, 200 + 4 * 14);
    }

    [Fact]
    public void ARestrictedPlayer_IsInNeitherGroup()
    {
        var experiment = new ExperimentDefinition(new ExperimentRecord("segment-s1", ExperimentKinds.Segment, "s1", "S1", DateTimeOffset.UnixEpoch), 0.5, null, true, "s1");
        Assert.All(Players.Take(200), p => Assert.Equal(ExperimentGroups.Excluded, ExperimentAssigner.GroupOf(Key, experiment, p, restricted: true)));
        Assert.All(Players.Take(200), p => Assert.Equal(ExperimentAssignment.Group(Key, "segment-s1", p, 0.5), ExperimentAssigner.GroupOf(Key, experiment, p, restricted: false)));
    }
}
