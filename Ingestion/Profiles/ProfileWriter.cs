using System.Diagnostics;
using System.Reflection;
using Microsoft.Extensions.Options;
using Shared.Store;
using StackExchange.Redis;

namespace Ingestion.Profiles;

/// <summary>
/// Applies validated events to profiles with the fold script, then, for every player touched, marks them for
/// rescoring in the durable change feed and publishes a change notification. Returns only after the store has
/// answered for every write.
/// </summary>
/// <remarks>
/// One script call folds a run of up to <see cref="FoldOptions.EventsPerCall"/> events in order (each event keeps
/// its own outcome), so the per-call cost of Redis's Lua is shared. Events are grouped by the hash slot of their
/// player: on Redis Cluster a call carries only keys of one slot; on a single server every key may travel in one
/// call, which is what makes batching pay. A player's events keep their order: they share a slot, and calls are
/// pipelined on one connection.
/// </remarks>
public sealed class ProfileWriter(IConnectionMultiplexer redis, StoreKeys keys, TimeProvider clock, IngestionMetrics metrics,
    IOptions<FoldOptions>? options = null)
{
    public static readonly string FoldScript = ReadScript("fold.lua");

    private readonly int _eventsPerCall = options?.Value.EventsPerCall ?? new FoldOptions().EventsPerCall;

    public async Task<FoldOutcome[]> ApplyAsync(IReadOnlyList<FoldCommand> commands)
    {
        if (commands.Count == 0) return [];
        var started = Stopwatch.GetTimestamp();
        var db = redis.GetDatabase();
        var calls = new List<(Task<RedisResult> Reply, List<int> Events)>();
        foreach (var group in SlotGroups(commands))
        {
            for (var i = 0; i < group.Count; i += _eventsPerCall)
            {
                var events = group.GetRange(i, Math.Min(_eventsPerCall, group.Count - i));
                calls.Add((Send(db, commands, events), events));
            }
        }
        await Task.WhenAll(calls.Select(c => c.Reply));

        var outcomes = new FoldOutcome[commands.Count];
        foreach (var (reply, events) in calls)
        {
            var results = (RedisResult[])reply.Result!;
            for (var j = 0; j < events.Count; j++) outcomes[events[j]] = (FoldOutcome)(int)results[j];
        }
        var changed = new Dictionary<string, FoldCommand>(StringComparer.Ordinal);
        for (var i = 0; i < commands.Count; i++)
        {
            // Duplicates re-mark too: if a crash fell between a write and its mark, the sender's retry repairs it.
            if (outcomes[i] != FoldOutcome.TooLate) changed[commands[i].PlayerId] = commands[i];
        }
        await MarkChangedAsync(db, changed.Values);
        metrics.Applied(outcomes, Stopwatch.GetElapsedTime(started));
        return outcomes;
    }

    /// <summary>Indices of the commands, grouped by the hash slot of their player on a cluster, else all in one group.</summary>
    private List<List<int>> SlotGroups(IReadOnlyList<FoldCommand> commands)
    {
        var all = Enumerable.Range(0, commands.Count).ToList();
        if (!redis.GetServers().Any(s => s.ServerType == ServerType.Cluster)) return [all];
        return all.GroupBy(i => redis.HashSlot(keys.Profile(commands[i].PlayerId))).Select(g => g.ToList()).ToList();
    }

    /// <summary>One script call: four keys per distinct player, and per event its length, its player and its arguments.</summary>
    private Task<RedisResult> Send(IDatabase db, IReadOnlyList<FoldCommand> commands, List<int> events)
    {
        var players = new Dictionary<string, int>(StringComparer.Ordinal);
        var keyList = new List<RedisKey>();
        var length = 0;
        foreach (var i in events) length += commands[i].Args.Length + 2;
        var args = new RedisValue[length];
        var at = 0;
        foreach (var i in events)
        {
            var c = commands[i];
            if (!players.TryGetValue(c.PlayerId, out var player))
            {
                player = players.Count + 1;
                players[c.PlayerId] = player;
                keyList.AddRange([keys.Profile(c.PlayerId), keys.Days(c.PlayerId), keys.Games(c.PlayerId), keys.Ledger(c.PlayerId)]);
            }
            args[at++] = c.Args.Length + 2;
            args[at++] = player;
            c.Args.CopyTo(args, at);
            at += c.Args.Length;
        }
        return db.ScriptEvaluateAsync(FoldScript, [.. keyList], args);
    }

    private async Task MarkChangedAsync(IDatabase db, IEnumerable<FoldCommand> lastPerPlayer)
    {
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var changed = lastPerPlayer.ToList();
        var ids = changed.Select(c => (RedisValue)c.PlayerId).ToArray();
        // NX keeps the time of the oldest unprocessed change, so lag is measured honestly.
        var pending = db.SortedSetAddAsync(keys.RescorePending, ids.Select(id => new SortedSetEntry(id, now)).ToArray(), SortedSetWhen.NotExists);
        var known = db.SetAddAsync(keys.Players, ids);
        foreach (var c in changed)
        {
            // A notification is a hint (the change feed above is the durable record): nothing waits for its reply.
            db.Publish(keys.ProfileChanged, new ProfileChange(c.PlayerId, c.EventType, c.GameId).ToString(), CommandFlags.FireAndForget);
        }
        await Task.WhenAll(pending, known);
    }

    private static string ReadScript(string name)
    {
        var asm = Assembly.GetExecutingAssembly();
        using var stream = asm.GetManifestResourceStream($"Ingestion.Profiles.{name}")
            ?? throw new InvalidOperationException($"embedded script {name} is missing");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
