using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Shared.Contracts;
using Shared.Store;
using StackExchange.Redis;

namespace Intelligence.Segments;

/// <summary>
/// Segment definitions, every version of them, and the audit log, all under the <c>{segments}</c> hash tag. A save
/// is one script: definition, version number, history and audit entry change together or not at all, and only if
/// the version it replaces is still the current one.
/// </summary>
public sealed class SegmentStore(IConnectionMultiplexer redis, StoreKeys keys, IOptions<SegmentOptions> options)
{
    // KEYS: definitions, versions, history, audit, members, entered, sizes. ARGV: id, expected version (0: new), new version,
    // definition JSON (empty: delete), audit JSON, audit capacity. Returns -1 when saved, else the current version.
    private const string SaveScript = """
        local cur = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
        if cur ~= tonumber(ARGV[2]) then return cur end
        if ARGV[4] == '' then
          redis.call('HDEL', KEYS[1], ARGV[1])
          redis.call('HDEL', KEYS[2], ARGV[1])
          redis.call('DEL', KEYS[5], KEYS[6], KEYS[7])
        else
          redis.call('HSET', KEYS[1], ARGV[1], ARGV[4])
          redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
          redis.call('RPUSH', KEYS[3], ARGV[4])
        end
        redis.call('LPUSH', KEYS[4], ARGV[5])
        redis.call('LTRIM', KEYS[4], 0, tonumber(ARGV[6]) - 1)
        return -1
        """;

    private IDatabase Db => redis.GetDatabase();

    /// <summary>A new segment id (<c>sgm-N</c>).</summary>
    public async Task<string> NewIdAsync(string kind = "sgm") => $"{kind}-{await Db.StringIncrementAsync(keys.SegmentSequence)}";

    /// <summary>
    /// Saves <paramref name="segment"/> as the version after <paramref name="expectedVersion"/> (0: a new segment);
    /// false when another save got there first.
    /// </summary>
    public async Task<bool> SaveAsync(Segment segment, int expectedVersion, AuditEntry audit)
    {
        var r = await Db.ScriptEvaluateAsync(SaveScript, Keys(segment.Id),
            [segment.Id, expectedVersion, segment.Version, JsonSerializer.Serialize(segment, ContractsJsonContext.Default.Segment),
             Json(audit), options.Value.AuditCapacity]);
        return (long)r == -1;
    }

    /// <summary>Deletes the segment, its members and size history (its versions stay, as evidence); false when the version moved on.</summary>
    public async Task<bool> DeleteAsync(string id, int expectedVersion, AuditEntry audit)
    {
        var r = await Db.ScriptEvaluateAsync(SaveScript, Keys(id), [id, expectedVersion, 0, "", Json(audit), options.Value.AuditCapacity]);
        return (long)r == -1;
    }

    private RedisKey[] Keys(string id) =>
        [keys.SegmentDefinitions, keys.SegmentDefinitionVersions, keys.SegmentHistory(id), keys.SegmentAudit,
         keys.SegmentMembers(id), keys.SegmentEnteredAt(id), keys.SegmentSizes(id)];

    /// <summary>Every segment's current definition (with <see cref="Segment.Members"/> as saved), by id.</summary>
    public async Task<IReadOnlyList<Segment>> DefinitionsAsync()
    {
        var entries = await Db.HashGetAllAsync(keys.SegmentDefinitions);
        return [.. entries.Select(e => Decode(e.Value)).OrderBy(s => s.CreatedAt).ThenBy(s => s.Id, StringComparer.Ordinal)];
    }

    public async Task<Segment?> DefinitionAsync(string id)
    {
        var json = await Db.HashGetAsync(keys.SegmentDefinitions, id);
        return json.IsNull ? null : Decode(json);
    }

    /// <summary>Current version number of every segment, by id.</summary>
    public async Task<Dictionary<string, int>> VersionsAsync()
    {
        var entries = await Db.HashGetAllAsync(keys.SegmentDefinitionVersions);
        return entries.ToDictionary(e => e.Name.ToString(), e => int.Parse(e.Value.ToString(), CultureInfo.InvariantCulture), StringComparer.Ordinal);
    }

    /// <summary>Every saved version of the segment, oldest first; empty for an id never used.</summary>
    public async Task<IReadOnlyList<Segment>> HistoryAsync(string id)
    {
        var values = await Db.ListRangeAsync(keys.SegmentHistory(id));
        return [.. values.Select(Decode)];
    }

    /// <summary>The newest audit entries first.</summary>
    public async Task<IReadOnlyList<AuditEntry>> AuditAsync(int limit)
    {
        var values = await Db.ListRangeAsync(keys.SegmentAudit, 0, limit - 1);
        return [.. values.Select(v => JsonSerializer.Deserialize((string)v!, ContractsJsonContext.Default.AuditEntry)!)];
    }

    /// <summary>Members now, per segment id.</summary>
    public async Task<IReadOnlyDictionary<string, long>> MemberCountsAsync(IReadOnlyList<string> ids)
    {
        var batch = Db.CreateBatch();
        var counts = ids.Select(id => batch.SortedSetLengthAsync(keys.SegmentMembers(id))).ToList();
        batch.Execute();
        await Task.WhenAll(counts);
        return ids.Select((id, i) => (id, n: counts[i].Result)).ToDictionary(x => x.id, x => x.n, StringComparer.Ordinal);
    }

    public static string Json(AuditEntry audit) => JsonSerializer.Serialize(audit, ContractsJsonContext.Default.AuditEntry);

    private static Segment Decode(RedisValue json) => JsonSerializer.Deserialize((string)json!, ContractsJsonContext.Default.Segment)!;
}
