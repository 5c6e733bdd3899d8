using System.Diagnostics;
using System.Reflection;
using Ingestion.Events;
using Shared.Store;
using StackExchange.Redis;

namespace Ingestion.Profiles;

/// <summary>
/// Applies validated events to profiles: one atomic fold script per event, pipelined; then, for every player
/// touched, marks them for rescoring in the durable change feed and publishes a change notification.
/// Returns only after the store has answered for every write.
/// </summary>
public sealed class ProfileWriter(IConnectionMultiplexer redis, StoreKeys keys, TimeProvider clock, IngestionMetrics metrics)
{
    public static readonly string FoldScript = ReadScript("fold.lua");

    public async Task<FoldOutcome[]> ApplyAsync(IReadOnlyList<FoldCommand> commands)
    {
        if (commands.Count == 0) return [];
        var started = Stopwatch.GetTimestamp();
        var db = redis.GetDatabase();
        var pending = new Task<RedisResult>[commands.Count];
        for (var i = 0; i < commands.Count; i++)
        {
            var c = commands[i];
            pending[i] = db.ScriptEvaluateAsync(FoldScript,
                [keys.Profile(c.PlayerId), keys.Days(c.PlayerId), keys.Games(c.PlayerId), keys.Ledger(c.PlayerId)], c.Args);
        }
        await Task.WhenAll(pending);

        var outcomes = new FoldOutcome[commands.Count];
        var changed = new Dictionary<string, FoldCommand>(StringComparer.Ordinal);
        for (var i = 0; i < commands.Count; i++)
        {
            outcomes[i] = (FoldOutcome)(int)pending[i].Result;
            // Duplicates re-mark too: if a crash fell between a write and its mark, the sender's retry repairs it.
            if (outcomes[i] != FoldOutcome.TooLate) changed[commands[i].PlayerId] = commands[i];
        }
        await MarkChangedAsync(db, changed.Values);
        metrics.Applied(outcomes, Stopwatch.GetElapsedTime(started));
        return outcomes;
    }

    private async Task MarkChangedAsync(IDatabase db, IEnumerable<FoldCommand> lastPerPlayer)
    {
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var writes = new List<Task>();
        foreach (var c in lastPerPlayer)
        {
            writes.Add(db.SetAddAsync(keys.Players, c.PlayerId));
            // NX keeps the time of the oldest unprocessed change, so lag is measured honestly.
            writes.Add(db.SortedSetAddAsync(keys.RescorePending, c.PlayerId, now, SortedSetWhen.NotExists));
            writes.Add(db.PublishAsync(keys.ProfileChanged, new ProfileChange(c.PlayerId, c.EventType, c.GameId).ToString()));
        }
        await Task.WhenAll(writes);
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
