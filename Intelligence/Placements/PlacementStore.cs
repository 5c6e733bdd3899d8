using System.Text.Json;
using Intelligence.Segments;
using Microsoft.Extensions.Options;
using Shared.Contracts;
using Shared.Store;
using StackExchange.Redis;

namespace Intelligence.Placements;

/// <summary>
/// Lobby placements: a hash of placement id to its JSON under the <c>{segments}</c> hash tag, changed together with
/// its audit entry in one script, and announced on <c>placements:changed</c> (the message is the segment id). Reads
/// come from a copy in memory that every change (here or on another instance) invalidates, so a lobby asking for a
/// player's placements on every visit costs the store one membership lookup.
/// </summary>
public sealed class PlacementStore(IConnectionMultiplexer redis, StoreKeys keys, IOptions<SegmentOptions> options, TimeProvider clock) : ISegmentDependents, IDisposable
{
    private static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(5);

    // KEYS: placements, audit. ARGV: id, JSON (empty: delete), audit JSON, audit capacity. Returns 1 when something changed.
    private const string SaveScript = """
        local existed = redis.call('HEXISTS', KEYS[1], ARGV[1])
        if ARGV[2] == '' then
          if existed == 0 then return 0 end
          redis.call('HDEL', KEYS[1], ARGV[1])
        else
          redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
        end
        redis.call('LPUSH', KEYS[2], ARGV[3])
        redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[4]) - 1)
        return 1
        """;

    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile IReadOnlyList<Placement>? _all;
    private DateTimeOffset _loadedAt;
    private ChannelMessageQueue? _changes;

    /// <summary>Every placement, by priority (highest first), then start and id.</summary>
    public async Task<IReadOnlyList<Placement>> ListAsync()
    {
        if (_all is { } all && clock.GetUtcNow() - _loadedAt < MaxAge) return all;
        await _gate.WaitAsync();
        try
        {
            if (_changes is null)
            {
                _changes = await redis.GetSubscriber().SubscribeAsync(keys.PlacementsChanged);
                _changes.OnMessage(_ => Invalidate());
            }
            if (_all is { } fresh && clock.GetUtcNow() - _loadedAt < MaxAge) return fresh;
            var entries = await redis.GetDatabase().HashGetAllAsync(keys.Placements);
            var loaded = entries.Select(e => JsonSerializer.Deserialize((string)e.Value!, ContractsJsonContext.Default.Placement)!)
                .OrderByDescending(p => p.Priority).ThenByDescending(p => p.StartsAt).ThenBy(p => p.Id, StringComparer.Ordinal).ToList();
            _all = loaded;
            _loadedAt = clock.GetUtcNow();
            return loaded;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<Placement?> GetAsync(string id) => (await ListAsync()).FirstOrDefault(p => p.Id == id);

    public async Task SaveAsync(Placement placement, AuditEntry audit)
    {
        await redis.GetDatabase().ScriptEvaluateAsync(SaveScript, [keys.Placements, keys.SegmentAudit],
            [placement.Id, JsonSerializer.Serialize(placement, ContractsJsonContext.Default.Placement), SegmentStore.Json(audit), options.Value.AuditCapacity]);
        await ChangedAsync(placement.SegmentId);
    }

    /// <summary>False when there was no such placement.</summary>
    public async Task<bool> DeleteAsync(Placement placement, AuditEntry audit)
    {
        var r = await redis.GetDatabase().ScriptEvaluateAsync(SaveScript, [keys.Placements, keys.SegmentAudit],
            [placement.Id, "", SegmentStore.Json(audit), options.Value.AuditCapacity]);
        await ChangedAsync(placement.SegmentId);
        return (long)r == 1;
    }

    /// <summary>Deletes the placements of a deleted segment, each with its audit entry.</summary>
    public async Task DeleteOfSegmentAsync(string segmentId, string actor, DateTimeOffset at)
    {
        Invalidate();
        foreach (var p in (await ListAsync()).Where(p => p.SegmentId == segmentId))
        {
            await DeleteAsync(p, new AuditEntry(at, actor, "placement.deleted", p.Id, null, $"'{p.Title}' removed with its segment {segmentId}"));
        }
    }

    private async Task ChangedAsync(string segmentId)
    {
        Invalidate();
        await redis.GetDatabase().PublishAsync(keys.PlacementsChanged, segmentId);
    }

    public void Invalidate() => _all = null;

    public void Dispose()
    {
        _changes?.Unsubscribe();
        _gate.Dispose();
    }
}
