using Shared.Contracts;

namespace Intelligence.Experiments;

/// <summary>
/// What carries an experiment besides the lobby: the placements and the marketing segments, read when every experiment is
/// listed. The placements implement it (<c>Placements/ExperimentSubjects.cs</c>), so experiments, which placements and
/// segments both use, depend on neither.
/// </summary>
public interface IExperimentSubjects
{
    Task<IReadOnlyList<Placement>> PlacementsAsync();

    Task<IReadOnlyList<Segment>> MarketingSegmentsAsync();
}
