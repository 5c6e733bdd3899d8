using StackExchange.Redis;

namespace Ingestion.Profiles;

/// <summary>One validated event, ready for the fold script: the player, its script arguments, and what to announce.</summary>
public sealed record FoldCommand(string PlayerId, string EventType, string EventId, string? GameId, RedisValue[] Args)
{
    /// <summary>What reconciliation keeps of a wallet or payment event (null for other events).</summary>
    public Reconciliation.ReconciliationFact? Fact { get; init; }
}

/// <summary>What the fold script did with one event.</summary>
public enum FoldOutcome
{
    /// <summary>The event was already applied (same source and id, or same transaction).</summary>
    Duplicate = 0,
    /// <summary>Applied: the profile changed.</summary>
    Applied = 1,
    /// <summary>Accepted, but a higher-ranked state of the same payment had already been applied.</summary>
    Superseded = 2,
    /// <summary>
    /// A transaction already counted, resent with other content (amount, game, day or status): not applied, it counts
    /// once as the first copy said. Reported among the duplicates.
    /// </summary>
    Conflict = 3,
    /// <summary>Its day is at or beyond the bucket retention before the player's newest activity: not applied.</summary>
    TooOld = -1,
    /// <summary>The player was erased (<c>DELETE /v1/players/{id}</c>): not applied, nothing written or kept.</summary>
    Erased = -2,
}
