using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Shared.Contracts;
using Shared.Store;
using StackExchange.Redis;

namespace Intelligence.Experiments;

/// <summary>A player's recorded place in an experiment.</summary>
public sealed record Assignment(string PlayerId, string Group, DateTimeOffset AssignedAt);

/// <summary>What is remembered of an experiment once it has assignments, so its report outlives its placement or segment.</summary>
public sealed record ExperimentRecord(string Id, string Kind, string? Target, string Name, DateTimeOffset StartedAt);

/// <summary>
/// Assignments under the <c>{experiments}</c> hash tag: per experiment a hash of player id to <c>group|unix ms</c>, the
/// group sizes, and a record of each experiment that has any. The first record of a player is kept: a group never
/// changes once recorded, whatever the control share or the key become later; an import may only move the time earlier.
/// </summary>
public sealed class ExperimentStore(IConnectionMultiplexer redis, StoreKeys keys, IOptions<ExperimentOptions> options) : IDisposable
{
    // KEYS: assigned, sizes, records. ARGV: player, group letter, unix ms, experiment id, record text, 'earliest' or ''.
    // Returns the player's record as it is after the call.
    private const string AssignScript = """
        local cur = redis.call('HGET', KEYS[1], ARGV[1])
        if cur then
          if ARGV[6] == 'earliest' then
            local g, ms = string.match(cur, '^(%a)|(%d+)$')
            if tonumber(ARGV[3]) < tonumber(ms) then
              cur = g .. '|' .. ARGV[3]
              redis.call('HSET', KEYS[1], ARGV[1], cur)
            end
          end
        else
          cur = ARGV[2] .. '|' .. ARGV[3]
          redis.call('HSET', KEYS[1], ARGV[1], cur)
          redis.call('HINCRBY', KEYS[2], ARGV[4] .. '|' .. ARGV[2], 1)
        end
        local rec = redis.call('HGET', KEYS[3], ARGV[4])
        local started = rec and string.match(rec, '^[^|]*|(%d+)|')
        if not rec or tonumber(ARGV[3]) < tonumber(started) then redis.call('HSET', KEYS[3], ARGV[4], ARGV[5]) end
        return cur
        """;

    private readonly SemaphoreSlim _keyGate = new(1, 1);
    private byte[]? _key;

    /// <summary>The assignment key: <see cref="ExperimentOptions.AssignmentKey"/>, or one created once in the store for every instance.</summary>
    public async ValueTask<byte[]> KeyAsync()
    {
        if (_key is { } key) return key;
        await _keyGate.WaitAsync();
        try
        {
            if (_key is { } again) return again;
            if (options.Value.AssignmentKey is { Length: > 0 } configured) return _key = Encoding.UTF8.GetBytes(configured);
            var db = redis.GetDatabase();
            await db.StringSetAsync(keys.ExperimentKey, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), when: When.NotExists);
            return _key = Convert.FromBase64String((await db.StringGetAsync(keys.ExperimentKey))!);
        }
        finally
        {
            _keyGate.Release();
        }
    }

    private const string ForgetScript = """
        local cur = redis.call('HGET', KEYS[1], ARGV[1])
        if not cur then return 0 end
        redis.call('HDEL', KEYS[1], ARGV[1])
        redis.call('HINCRBY', KEYS[2], ARGV[2] .. '|' .. string.sub(cur, 1, 1), -1)
        return 1
        """;

    /// <summary>
    /// Removes a player's assignment from every experiment that has assignments, and from its group's count (an
    /// erasure). Returns how many were removed.
    /// </summary>
    public async Task<int> ForgetPlayerAsync(string playerId)
    {
        var db = redis.GetDatabase();
        var removed = 0;
        foreach (var experiment in (await db.HashKeysAsync(keys.ExperimentRecords)).Select(k => k.ToString()))
        {
            removed += (int)await db.ScriptEvaluateAsync(ForgetScript, [keys.ExperimentAssignments(experiment), keys.ExperimentSizes], [playerId, experiment]);
        }
        return removed;
    }

    public async Task<Assignment?> GetAsync(string experimentId, string playerId)
    {
        var v = await redis.GetDatabase().HashGetAsync(keys.ExperimentAssignments(experimentId), playerId);
        return v.IsNullOrEmpty ? null : Parse(playerId, v!);
    }

    /// <summary>Records the players (first record wins; <paramref name="earliest"/>: an earlier time replaces a later one) in one pipelined round.</summary>
    public async Task<Assignment[]> RecordAsync(ExperimentRecord experiment, IReadOnlyList<Assignment> assignments, bool earliest = false)
    {
        if (assignments.Count == 0) return [];
        var db = redis.GetDatabase();
        RedisKey[] scriptKeys = [keys.ExperimentAssignments(experiment.Id), keys.ExperimentSizes, keys.ExperimentRecords];
        var batch = db.CreateBatch();
        var replies = assignments.Select(a => batch.ScriptEvaluateAsync(AssignScript, scriptKeys,
            [a.PlayerId, Letter(a.Group), a.AssignedAt.ToUnixTimeMilliseconds(), experiment.Id,
             RecordText(experiment with { StartedAt = a.AssignedAt }), earliest ? "earliest" : ""])).ToList();
        batch.Execute();
        await Task.WhenAll(replies);
        return [.. assignments.Select((a, i) => Parse(a.PlayerId, (string)replies[i].Result!))];
    }

    /// <summary>Every assignment of the experiment, read in pages (HSCAN).</summary>
    public async Task<List<Assignment>> AllAsync(string experimentId)
    {
        var all = new List<Assignment>();
        await foreach (var e in redis.GetDatabase().HashScanAsync(keys.ExperimentAssignments(experimentId), pageSize: 1000))
        {
            all.Add(Parse(e.Name!, e.Value!));
        }
        return all;
    }

    /// <summary>Assigned players by experiment and group.</summary>
    public async Task<Dictionary<string, Dictionary<string, long>>> SizesAsync()
    {
        var sizes = new Dictionary<string, Dictionary<string, long>>(StringComparer.Ordinal);
        foreach (var e in await redis.GetDatabase().HashGetAllAsync(keys.ExperimentSizes))
        {
            var name = e.Name.ToString();
            var bar = name.LastIndexOf('|');
            if (bar <= 0) continue;
            var group = GroupOf(name[(bar + 1)..]);
            if (!sizes.TryGetValue(name[..bar], out var of)) sizes[name[..bar]] = of = ExperimentGroups.All.ToDictionary(g => g, _ => 0L, StringComparer.Ordinal);
            of[group] = (long)e.Value;
        }
        return sizes;
    }

    public async Task<IReadOnlyList<ExperimentRecord>> RecordsAsync() =>
        [.. (await redis.GetDatabase().HashGetAllAsync(keys.ExperimentRecords)).Select(e => ParseRecord(e.Name!, e.Value!)).OfType<ExperimentRecord>()];

    public async Task<Dictionary<string, double>> ControlSharesAsync() =>
        (await redis.GetDatabase().HashGetAllAsync(keys.ExperimentControlShares))
            .ToDictionary(e => e.Name.ToString(), e => double.Parse(e.Value.ToString(), CultureInfo.InvariantCulture), StringComparer.Ordinal);

    public Task SetControlShareAsync(string experimentId, double share) =>
        redis.GetDatabase().HashSetAsync(keys.ExperimentControlShares, experimentId, share.ToString("R", CultureInfo.InvariantCulture));

    public void Dispose() => _keyGate.Dispose();

    private static string Letter(string group) => group switch
    {
        ExperimentGroups.Treatment => "t",
        ExperimentGroups.Control => "c",
        _ => "x",
    };

    private static string GroupOf(string letter) => letter switch
    {
        "t" => ExperimentGroups.Treatment,
        "c" => ExperimentGroups.Control,
        _ => ExperimentGroups.Excluded,
    };

    private static Assignment Parse(string playerId, string value)
    {
        var bar = value.IndexOf('|');
        return new Assignment(playerId, GroupOf(value[..bar]), DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(value.AsSpan(bar + 1), CultureInfo.InvariantCulture)));
    }

    /// <summary><c>kind|startedAtMs|target|name</c> (the name last: it may hold '|').</summary>
    private static string RecordText(ExperimentRecord r) =>
        string.Create(CultureInfo.InvariantCulture, $"{r.Kind}|{r.StartedAt.ToUnixTimeMilliseconds()}|{r.Target}|{r.Name}");

    private static ExperimentRecord? ParseRecord(string id, string text)
    {
        var parts = text.Split('|', 4);
        if (parts.Length < 4 || !long.TryParse(parts[1], CultureInfo.InvariantCulture, out var ms)) return null;
        return new ExperimentRecord(id, parts[0], parts[2].Length == 0 ? null : parts[2], parts[3], DateTimeOffset.FromUnixTimeMilliseconds(ms));
    }
}
