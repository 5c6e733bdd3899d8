using Microsoft.Extensions.Options;
using Shared.Contracts;

namespace Intelligence.Experiments;

/// <summary>An experiment as it stands: what it tests, its control share for new assignments, and whether it still assigns.</summary>
/// <param name="Live">Its placement or marketing segment exists (the lobby's always does).</param>
public sealed record ExperimentDefinition(ExperimentRecord Record, double ControlShare, DateTimeOffset? EndedAt, bool Live, string? SegmentId)
{
    public string Id => Record.Id;
}

/// <summary>
/// Every experiment: the lobby's own, one per placement (its segment's members who may be marketed to are eligible while
/// it runs), one per marketing segment (its members, assigned as they enter), and any that had assignments before its
/// placement or segment was deleted (kept, so their reports stay readable).
/// </summary>
public sealed class ExperimentCatalog(IExperimentSubjects subjects, ExperimentStore store, IOptions<ExperimentOptions> options)
{
    public async Task<IReadOnlyList<ExperimentDefinition>> AllAsync()
    {
        var o = options.Value;
        var shares = await store.ControlSharesAsync();
        var records = (await store.RecordsAsync()).ToDictionary(r => r.Id, StringComparer.Ordinal);
        double Share(string id, double fallback) => shares.TryGetValue(id, out var s) ? s : fallback;
        var all = new List<ExperimentDefinition>
        {
            new(records.GetValueOrDefault(ExperimentIds.Lobby) ?? new ExperimentRecord(ExperimentIds.Lobby, ExperimentKinds.Lobby, null, LobbyName, DateTimeOffset.MinValue),
                Share(ExperimentIds.Lobby, o.LobbyControlShare), null, true, null),
        };
        all.AddRange((await subjects.PlacementsAsync()).Select(p => Placement(p, shares)));
        all.AddRange((await subjects.MarketingSegmentsAsync()).Select(s => Segment(s, shares)));
        var live = all.Select(d => d.Id).ToHashSet(StringComparer.Ordinal);
        all.AddRange(records.Values.Where(r => !live.Contains(r.Id)).OrderBy(r => r.Id, StringComparer.Ordinal)
            .Select(r => new ExperimentDefinition(r with { Name = r.Name + " (removed)" }, Share(r.Id, o.DefaultControlShare), null, false, null)));
        return all;
    }

    /// <summary>The experiments of these placements, without reading every segment (the lobby asks on every visit).</summary>
    public async Task<IReadOnlyList<ExperimentDefinition>> OfPlacementsAsync(IReadOnlyList<Placement> running)
    {
        if (running.Count == 0) return [];
        var shares = await store.ControlSharesAsync();
        return [.. running.Select(p => Placement(p, shares))];
    }

    /// <summary>The experiment of a marketing segment.</summary>
    public async Task<ExperimentDefinition> OfSegmentAsync(Segment segment) => Segment(segment, await store.ControlSharesAsync());

    private ExperimentDefinition Placement(Placement p, Dictionary<string, double> shares)
    {
        var id = ExperimentIds.OfPlacement(p.Id);
        return new ExperimentDefinition(new ExperimentRecord(id, ExperimentKinds.Placement, p.Id, $"Placement “{p.Title}”", p.StartsAt),
            shares.TryGetValue(id, out var s) ? s : options.Value.DefaultControlShare, p.EndsAt, true, p.SegmentId);
    }

    private ExperimentDefinition Segment(Segment segment, Dictionary<string, double> shares)
    {
        var id = ExperimentIds.OfSegment(segment.Id);
        return new ExperimentDefinition(new ExperimentRecord(id, ExperimentKinds.Segment, segment.Id, $"Segment “{segment.Name}”", segment.CreatedAt),
            shares.TryGetValue(id, out var s) ? s : options.Value.DefaultControlShare, null, true, segment.Id);
    }

    public async Task<ExperimentDefinition?> FindAsync(string id) => (await AllAsync()).FirstOrDefault(d => d.Id == id);

    /// <summary>The contract's view, with the group sizes so far.</summary>
    public async Task<ExperimentList> ListAsync()
    {
        var sizes = await store.SizesAsync();
        var empty = ExperimentGroups.All.ToDictionary(g => g, _ => 0L, StringComparer.Ordinal);
        return new ExperimentList([.. (await AllAsync()).Select(d => new Experiment(d.Id, d.Record.Kind, d.Record.Target, d.ControlShare,
            d.Record.StartedAt == DateTimeOffset.MinValue ? null : d.Record.StartedAt, d.Record.Name, d.EndedAt, sizes.GetValueOrDefault(d.Id) ?? empty))]);
    }

    public const string LobbyName = "Personalised lobby rows";
}
