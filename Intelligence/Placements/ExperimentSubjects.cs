using Intelligence.Experiments;
using Intelligence.Segments;
using Shared.Contracts;

namespace Intelligence.Placements;

/// <summary>The placements and marketing segments that carry experiments, as the experiment catalogue lists them.</summary>
public sealed class ExperimentSubjects(PlacementStore placements, SegmentStore segments) : IExperimentSubjects
{
    public Task<IReadOnlyList<Placement>> PlacementsAsync() => placements.ListAsync();

    public async Task<IReadOnlyList<Segment>> MarketingSegmentsAsync() =>
        [.. (await segments.DefinitionsAsync()).Where(s => SegmentEvaluator.IsMarketing(s.Purpose))];
}
