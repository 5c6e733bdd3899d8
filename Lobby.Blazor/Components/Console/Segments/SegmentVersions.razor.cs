using System.Text.Json;
using Lobby.Console;
using Microsoft.AspNetCore.Components;
using Shared.Contracts;

namespace Lobby.Components.Console.Segments;

/// <summary>A segment's versions, newest first: who saved each, when, and what changed against the one before.</summary>
public sealed partial class SegmentVersions
{
    /// <summary>Newest first.</summary>
    [Parameter] public IReadOnlyList<Segment>? Versions { get; set; }

    private IReadOnlyList<VersionChange> Changes { get; set; } = [];

    protected override void OnParametersSet()
    {
        var versions = Versions ?? [];
        Changes = [.. versions.Select((v, i) => VersionChange.Of(v, i + 1 < versions.Count ? versions[i + 1] : null))];
    }

    internal sealed record VersionChange(Segment Version, Segment? Previous, IReadOnlyList<string> Facts, bool RuleChanged, IReadOnlyList<DiffLine> Lines)
    {
        public static VersionChange Of(Segment version, Segment? previous)
        {
            var rule = Json(version.Rule);
            if (previous is null) return new VersionChange(version, null, [], true, [.. rule.Select(l => new DiffLine(DiffKind.Same, l))]);
            var facts = new List<string>();
            if (previous.Name != version.Name) facts.Add($"Renamed from “{previous.Name}” to “{version.Name}”.");
            if (previous.Description != version.Description) facts.Add("Description changed.");
            if (previous.Purpose != version.Purpose || previous.Channel != version.Channel)
            {
                facts.Add($"Purpose: {ConsoleFormat.Purpose(previous.Purpose, previous.Channel)} → {ConsoleFormat.Purpose(version.Purpose, version.Channel)}.");
            }
            var lines = LineDiff.Compare(Json(previous.Rule), rule);
            return new VersionChange(version, previous, facts, lines.Any(l => l.Kind != DiffKind.Same), lines);
        }

        private static string[] Json(SegmentRule rule) => JsonSerializer.Serialize(rule, ConsoleJson.Indented.SegmentRule).Split('\n');
    }
}

public enum DiffKind
{
    Same,
    Added,
    Removed,
}

public sealed record DiffLine(DiffKind Kind, string Text);

/// <summary>A line diff (longest common subsequence): small rule documents, so the quadratic table is fine.</summary>
public static class LineDiff
{
    public static IReadOnlyList<DiffLine> Compare(IReadOnlyList<string> before, IReadOnlyList<string> after)
    {
        var common = new int[before.Count + 1, after.Count + 1];
        for (var i = before.Count - 1; i >= 0; i--)
        {
            for (var j = after.Count - 1; j >= 0; j--)
            {
                common[i, j] = before[i] == after[j] ? common[i + 1, j + 1] + 1 : Math.Max(common[i + 1, j], common[i, j + 1]);
            }
        }
        var lines = new List<DiffLine>(Math.Max(before.Count, after.Count));
        int a = 0, b = 0;
        while (a < before.Count || b < after.Count)
        {
            if (a < before.Count && b < after.Count && before[a] == after[b])
            {
                lines.Add(new DiffLine(DiffKind.Same, before[a++]));
                b++;
            }
            else if (a < before.Count && (b == after.Count || common[a + 1, b] >= common[a, b + 1]))
            {
                // What went comes before what replaced it, as diffs read.
                lines.Add(new DiffLine(DiffKind.Removed, before[a++]));
            }
            else
            {
                lines.Add(new DiffLine(DiffKind.Added, after[b++]));
            }
        }
        return lines;
    }
}
