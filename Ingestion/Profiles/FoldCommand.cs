using StackExchange.Redis;

namespace Ingestion.Profiles;

/// <summary>One validated event, ready for the fold script: the player, its script arguments, and what to announce.</summary>
public sealed record FoldCommand(string PlayerId, string EventType, string EventId, string? GameId, RedisValue[] Args);

/// <summary>What the fold script did with one event.</summary>
public enum FoldOutcome
{
    /// <summary>The event was already applied (same source and id, or same transaction).</summary>
    Duplicate = 0,
    /// <summary>Applied: the profile changed.</summary>
    Applied = 1,
    /// <summary>Accepted, but a later state of the same transaction had already been applied.</summary>
    Superseded = 2,
    /// <summary>Older than the de-duplication horizon of the player's newest activity: not applied.</summary>
    TooLate = -1,
}
