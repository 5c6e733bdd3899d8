namespace Intelligence.Segments;

/// <summary>
/// What goes with a deleted segment: its placements (<c>PlacementStore</c> implements it), so the segments do not depend
/// on the placements built on them.
/// </summary>
public interface ISegmentDependents
{
    Task DeleteOfSegmentAsync(string segmentId, string actor, DateTimeOffset at);
}
