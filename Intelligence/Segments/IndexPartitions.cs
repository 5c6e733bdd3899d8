using System.Text;
using Microsoft.Extensions.Options;
using Shared.Store;
using StackExchange.Redis;

namespace Intelligence.Segments;

/// <summary>
/// The hash slot Redis Cluster puts a key in: CRC16 (XMODEM) of the key's hash tag, or of the whole key without one, mod
/// 16384. Computed here rather than asked of the client, which knows slots only when connected to a cluster.
/// </summary>
public static class HashSlot
{
    public const int Count = 16384;

    private static readonly ushort[] Table = BuildTable();

    public static int Of(string key)
    {
        var hashed = key.AsSpan();
        var start = hashed.IndexOf('{');
        if (start >= 0)
        {
            var end = hashed[(start + 1)..].IndexOf('}');
            if (end > 0) hashed = hashed.Slice(start + 1, end);
        }
        var length = Encoding.UTF8.GetByteCount(hashed);
        Span<byte> bytes = length <= 256 ? stackalloc byte[length] : new byte[length];
        Encoding.UTF8.GetBytes(hashed, bytes);
        ushort crc = 0;
        foreach (var b in bytes) crc = (ushort)((crc << 8) ^ Table[((crc >> 8) ^ b) & 0xff]);
        return crc & (Count - 1);
    }

    private static ushort[] BuildTable()
    {
        var table = new ushort[256];
        for (var i = 0; i < 256; i++)
        {
            var c = (ushort)(i << 8);
            for (var j = 0; j < 8; j++) c = (c & 0x8000) != 0 ? (ushort)((c << 1) ^ 0x1021) : (ushort)(c << 1);
            table[i] = c;
        }
        return table;
    }
}

/// <summary>An immutable set of index partitions (0 to count − 1).</summary>
public sealed class PartitionSet
{
    private readonly bool[] _in;

    private PartitionSet(bool[] members)
    {
        _in = members;
        Size = members.Count(b => b);
    }

    /// <summary>Partitions there are.</summary>
    public int Count => _in.Length;

    /// <summary>Partitions in the set.</summary>
    public int Size { get; }

    public bool IsEmpty => Size == 0;

    public bool IsAll => Size == Count;

    public bool Contains(int partition) => (uint)partition < (uint)_in.Length && _in[partition];

    public IEnumerable<int> Members => Enumerable.Range(0, _in.Length).Where(k => _in[k]);

    public static PartitionSet None(int count) => new(new bool[count]);

    public static PartitionSet All(int count) => new(Enumerable.Repeat(true, count).ToArray());

    public static PartitionSet Of(int count, IEnumerable<int> partitions)
    {
        var members = new bool[count];
        foreach (var k in partitions)
        {
            if ((uint)k < (uint)count) members[k] = true;
        }
        return new PartitionSet(members);
    }

    public PartitionSet Union(PartitionSet other) => Of(Count, Members.Concat(other.Members));

    public PartitionSet Except(PartitionSet other) => Of(Count, Members.Where(k => !other.Contains(k)));

    public PartitionSet Intersect(PartitionSet other) => Of(Count, Members.Where(other.Contains));

    public override string ToString() => IsAll ? $"all {Count}" : $"{Size} of {Count}";
}

/// <summary>
/// This instance's share of the segment index. Players fall into <see cref="SegmentOptions.IndexPartitions"/> partitions
/// by the hash slot of their keys (partition = slot × partitions / 16384, so a partition is a range of Redis Cluster
/// slots). Every live instance heartbeats in the store; each works out, from the same list of live instances, which
/// partitions it should hold (<see cref="Assign"/>: rendezvous hashing with a cap, so shares are even and move little when
/// an instance joins or leaves), loads them, and records in the store that it serves them. An instance keeps serving a
/// partition it no longer should hold until the instance that should has loaded it; an instance that stops heartbeating
/// for <see cref="SegmentOptions.InstanceLease"/> loses its partitions to the others. Previews, bulk evaluations and
/// insight ask each serving instance for its partitions (<see cref="IndexGather"/>).
/// </summary>
public sealed class IndexPartitions(IConnectionMultiplexer redis, StoreKeys keys, IOptions<SegmentOptions> options, TimeProvider clock)
{
    // KEYS: serving. ARGV: instance. Forgets the partitions this instance serves (it is leaving).
    private const string ForgetServingScript = """
        local all = redis.call('HGETALL', KEYS[1])
        local n = 0
        for i = 1, #all, 2 do
          if all[i + 1] == ARGV[1] then redis.call('HDEL', KEYS[1], all[i]); n = n + 1 end
        end
        return n
        """;

    private volatile PartitionSet? _held;
    private volatile PartitionSet? _loaded;

    /// <summary>This instance's id in the store's registry of live instances.</summary>
    public string InstanceId { get; } = Guid.NewGuid().ToString("N");

    public int Count => options.Value.IndexPartitions;

    /// <summary>Partitions whose players this instance keeps in its index: loaded, or loading.</summary>
    public PartitionSet Held => _held ??= PartitionSet.None(Count);

    /// <summary>Partitions held and completely loaded: the ones this instance answers for.</summary>
    public PartitionSet Loaded => _loaded ??= PartitionSet.None(Count);

    public int PartitionOf(string playerId) => (int)((long)HashSlot.Of(keys.Profile(playerId).ToString()) * Count / HashSlot.Count);

    /// <summary>Whether the player's row belongs in this instance's index.</summary>
    public bool Holds(string playerId) => Held.Contains(PartitionOf(playerId));

    internal void SetHeld(PartitionSet held) => _held = held;

    internal void SetLoaded(PartitionSet loaded) => _loaded = loaded;

    private IDatabase Db => redis.GetDatabase();

    /// <summary>
    /// Fails when the store was set up with another number of partitions: instances must agree on what a partition is.
    /// </summary>
    public async Task CheckCountAsync()
    {
        await Db.StringSetAsync(keys.SegmentIndexPartitions, Count, when: When.NotExists);
        var stored = (int)await Db.StringGetAsync(keys.SegmentIndexPartitions);
        if (stored != Count)
        {
            throw new InvalidOperationException(
                $"Segments:IndexPartitions is {Count} on this instance but {stored} in the store (key {keys.SegmentIndexPartitions}): every Intelligence instance must use the same number.");
        }
    }

    /// <summary>Renews this instance's lease, drops expired ones, and returns the live instances (this one included), sorted.</summary>
    public async Task<IReadOnlyList<string>> HeartbeatAsync()
    {
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var db = Db;
        await db.SortedSetAddAsync(keys.SegmentIndexInstances, InstanceId, now + (long)options.Value.InstanceLease.TotalMilliseconds);
        await db.SortedSetRemoveRangeByScoreAsync(keys.SegmentIndexInstances, double.NegativeInfinity, now, Exclude.Stop);
        return await LiveAsync();
    }

    /// <summary>The instances whose lease has not run out, sorted.</summary>
    public async Task<IReadOnlyList<string>> LiveAsync()
    {
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var ids = (await Db.SortedSetRangeByScoreAsync(keys.SegmentIndexInstances, now, double.PositiveInfinity, Exclude.Start))
            .Select(v => v.ToString()).Append(InstanceId).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        return ids;
    }

    /// <summary>Records that this instance now serves <paramref name="partitions"/>.</summary>
    public Task ServeAsync(PartitionSet partitions) =>
        partitions.IsEmpty ? Task.CompletedTask : Db.HashSetAsync(keys.SegmentIndexServing, [.. partitions.Members.Select(k => new HashEntry(k, InstanceId))]);

    /// <summary>Who serves each partition, among <paramref name="live"/> instances; partitions nobody live serves are absent.</summary>
    public async Task<Dictionary<int, string>> ServingAsync(IReadOnlyCollection<string> live)
    {
        var alive = live.ToHashSet(StringComparer.Ordinal);
        var serving = new Dictionary<int, string>();
        foreach (var e in await Db.HashGetAllAsync(keys.SegmentIndexServing))
        {
            if (int.TryParse(e.Name.ToString(), out var k) && k >= 0 && k < Count && alive.Contains(e.Value.ToString())) serving[k] = e.Value.ToString();
        }
        return serving;
    }

    /// <summary>Leaves the registry and stops serving: the other instances take the partitions over at once.</summary>
    public async Task LeaveAsync()
    {
        await Db.SortedSetRemoveAsync(keys.SegmentIndexInstances, InstanceId);
        await Db.ScriptEvaluateAsync(ForgetServingScript, [keys.SegmentIndexServing], [InstanceId]);
    }

    /// <summary>
    /// The partitions <paramref name="self"/> should hold when <paramref name="live"/> are the live instances: each
    /// partition goes to the instance that ranks it highest (a hash of instance and partition) among those not yet at
    /// their even share (the partition count over the instances, rounded up, and at most <paramref name="maxPerInstance"/>
    /// when that is above 0: partitions beyond what the instances may hold go to no one). Every instance computes the
    /// same answer from the same list.
    /// </summary>
    public static PartitionSet Assign(IReadOnlyList<string> live, string self, int partitions, int maxPerInstance = 0)
    {
        var instances = live.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (instances.Count == 0) return PartitionSet.None(partitions);
        var cap = (partitions + instances.Count - 1) / instances.Count;
        if (maxPerInstance > 0) cap = Math.Min(cap, maxPerInstance);
        var load = new int[instances.Count];
        var mine = new List<int>();
        var ranked = new int[instances.Count];
        for (var k = 0; k < partitions; k++)
        {
            for (var i = 0; i < ranked.Length; i++) ranked[i] = i;
            var partition = k;
            Array.Sort(ranked, (a, b) => Rank(instances[b], partition).CompareTo(Rank(instances[a], partition)));
            var owner = Array.Find(ranked, i => load[i] < cap);
            if (load[owner] >= cap) continue;
            load[owner]++;
            if (instances[owner] == self) mine.Add(k);
        }
        return PartitionSet.Of(partitions, mine);
    }

    // FNV-1a over the instance id and the partition: stable across processes and runs.
    private static ulong Rank(string instance, int partition)
    {
        var h = 14695981039346656037UL;
        foreach (var ch in instance)
        {
            h = (h ^ ch) * 1099511628211UL;
        }
        for (var i = 0; i < 4; i++)
        {
            h = (h ^ (byte)(partition >> (8 * i))) * 1099511628211UL;
        }
        h ^= h >> 33;
        h *= 0xff51afd7ed558ccdUL;
        h ^= h >> 33;
        return h;
    }
}
