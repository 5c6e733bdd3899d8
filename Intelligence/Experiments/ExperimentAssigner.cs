using Shared.Contracts;
using Shared.Store;
using StackExchange.Redis;

namespace Intelligence.Experiments;

/// <summary>
/// Puts eligible players into an experiment's groups and records when. The group comes from the keyed hash
/// (<see cref="ExperimentAssignment"/>) and the experiment's control share at that moment; a player under a
/// responsible-gambling restriction then is recorded as <see cref="ExperimentGroups.Excluded"/>: in neither group.
/// Once recorded, a player's group never changes.
/// </summary>
public sealed class ExperimentAssigner(ExperimentStore store, IConnectionMultiplexer redis, StoreKeys keys, TimeProvider clock)
{
    /// <summary>The recorded assignment, or a new one made now (or at <paramref name="at"/>).</summary>
    public async Task<Assignment> AssignAsync(ExperimentDefinition experiment, string playerId, bool restricted, DateTimeOffset? at = null) =>
        (await AssignAsync(experiment, [(playerId, restricted)], at))[0];

    /// <summary>Several players of one experiment in one pipelined round; the recorded ones keep their group and time.</summary>
    public async Task<Assignment[]> AssignAsync(ExperimentDefinition experiment, IReadOnlyList<(string PlayerId, bool Restricted)> players, DateTimeOffset? at = null)
    {
        var key = await store.KeyAsync();
        var when = at ?? clock.GetUtcNow();
        var fresh = players.Select(p => new Assignment(p.PlayerId, GroupOf(key, experiment, p.PlayerId, p.Restricted), when)).ToList();
        return await store.RecordAsync(experiment.Record, fresh);
    }

    /// <summary>Imported exposures: each player's group by the hash (or excluded), at its own time; an earlier time replaces a later one.</summary>
    public async Task<Assignment[]> ImportAsync(ExperimentDefinition experiment, IReadOnlyList<(string PlayerId, bool Restricted, DateTimeOffset At)> exposures)
    {
        var key = await store.KeyAsync();
        var records = exposures.Select(e => new Assignment(e.PlayerId, GroupOf(key, experiment, e.PlayerId, e.Restricted), e.At)).ToList();
        return await store.RecordAsync(experiment.Record, records, earliest: true);
    }

    public static string GroupOf(byte[] key, ExperimentDefinition experiment, string playerId, bool restricted) =>
        restricted ? ExperimentGroups.Excluded : ExperimentAssignment.Group(key, experiment.Id, playerId, experiment.ControlShare);

    /// <summary>
    /// Whether the player is under a responsible-gambling restriction at <paramref name="at"/>, from the profile alone;
    /// null when nothing is held about the player.
    /// </summary>
    public async Task<bool?> RestrictedAsync(string playerId, DateTimeOffset at) => (await RestrictedAsync([(playerId, at)]))[0];

    /// <summary><see cref="RestrictedAsync(string, DateTimeOffset)"/> for many players, in one pipelined round.</summary>
    public async Task<bool?[]> RestrictedAsync(IReadOnlyList<(string PlayerId, DateTimeOffset At)> players)
    {
        var batch = redis.GetDatabase().CreateBatch();
        var reads = players.Select(p => batch.HashGetAllAsync(keys.Profile(p.PlayerId))).ToList();
        batch.Execute();
        var result = new bool?[players.Count];
        for (var i = 0; i < players.Count; i++)
        {
            var (id, at) = players[i];
            result[i] = ProfileReader.Decode(id, await reads[i], [], [], _ => null, at) is { } profile ? MarketingPolicy.Restricted(profile, at) : null;
        }
        return result;
    }
}
