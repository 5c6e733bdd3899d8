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
/// Events are grouped into runs, one per player, each keeping its player's events in their order (order across
/// players does not matter: they share no keys). One script call folds up to <see cref="FoldOptions.EventsPerCall"/>
/// events, run after run; the script buffers a run's writes and sends each field once when the run ends, so several
/// events of one player in a batch cost little more than one. A run longer than what is left of a call continues
/// in the next call; calls are pipelined on one connection, so they apply in order. On Redis Cluster a call carries
/// runs of one hash slot only; on a single server any runs may share a call. A call the cluster refused without running
/// it (TRYAGAIN while its slot migrates and the player's keys are split between two nodes, CLUSTERDOWN during a
/// failover) is sent again whole; the script is atomic, so a call is never half applied. With
/// <see cref="FoldOptions.WaitForReplicas"/> the writer returns only once every master it wrote to has its replicas'
/// confirmation (<c>WAIT</c>), and throws <see cref="StoreNotReplicatedException"/> otherwise.
/// </remarks>
public sealed class ProfileWriter(IConnectionMultiplexer redis, StoreKeys keys, TimeProvider clock, IngestionMetrics metrics,
    IOptions<FoldOptions>? options = null, StoreUpgradeGate? upgraded = null, Reconciliation.ReconciliationStore? reconciliation = null)
{
    public static readonly string FoldScript = ReadScript("fold.lua");

    private readonly FoldOptions _options = options?.Value ?? new FoldOptions();
    private readonly StoreKeys _keys = keys;
    private readonly ReplicaConfirmations _confirmations = new(redis);
    private readonly AffiliateDrain _affiliates = new(redis, keys, (options?.Value ?? new FoldOptions()).BucketRetentionDays);

    private readonly object _gate = new();
    private readonly List<Waiting> _queue = [];
    private int _flushing;

    /// <summary>Flushes made (each one round of store calls for the requests it took), for tests and the benchmark.</summary>
    internal long Flushes => Interlocked.Read(ref _flushes);

    private long _flushes;

    /// <summary>Callers waiting for a round, for tests.</summary>
    internal int Queued
    {
        get { lock (_gate) return _queue.Count; }
    }

    /// <summary>
    /// Applies the commands and answers their outcomes once the store has confirmed them. Concurrent callers are
    /// applied together (a group commit): while <see cref="FoldOptions.FoldsInFlight"/> rounds are with the store,
    /// newcomers wait, and the next round takes all that waited (up to <see cref="FoldOptions.EventsPerFlush"/> events),
    /// so a thousand single-bet requests a second make a few hundred rounds of calls, not a thousand: one fold call, one
    /// change-feed write, one reconciliation call for many. Alone, a caller is applied at once. A round that fails fails
    /// every caller in it, none of which is acknowledged; what was applied counts once when they resend.
    /// </summary>
    public async Task<FoldOutcome[]> ApplyAsync(IReadOnlyList<FoldCommand> commands)
    {
        if (commands.Count == 0) return [];
        var started = Stopwatch.GetTimestamp();
        var waiting = new Waiting(commands);
        bool flush;
        lock (_gate)
        {
            _queue.Add(waiting);
            flush = _flushing < _options.FoldsInFlight;
            if (flush) _flushing++;
        }
        if (flush) _ = FlushWhileWaitingAsync();
        var outcomes = await waiting.Outcomes.Task;
        metrics.AppliedIn(Stopwatch.GetElapsedTime(started));
        return outcomes;
    }

    private sealed class Waiting(IReadOnlyList<FoldCommand> commands)
    {
        public IReadOnlyList<FoldCommand> Commands { get; } = commands;

        public TaskCompletionSource<FoldOutcome[]> Outcomes { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>
    /// Takes what waits, round after round, until nothing does. It starts on its first caller's thread (alone, a caller
    /// pays no hop) and continues on the store's replies.
    /// </summary>
    private async Task FlushWhileWaitingAsync()
    {
        while (true)
        {
            List<Waiting> round;
            lock (_gate)
            {
                if (_queue.Count == 0)
                {
                    _flushing--;
                    return;
                }
                var take = 0;
                for (var events = 0; take < _queue.Count && (take == 0 || events + _queue[take].Commands.Count <= _options.EventsPerFlush); take++)
                {
                    events += _queue[take].Commands.Count;
                }
                round = _queue.GetRange(0, take);
                _queue.RemoveRange(0, take);
            }
            Interlocked.Increment(ref _flushes);
            metrics.Round(round.Count);
            try
            {
                if (round.Count == 1)
                {
                    round[0].Outcomes.TrySetResult(await ApplyTogetherAsync(round[0].Commands));
                    continue;
                }
                var all = new List<FoldCommand>(round.Sum(w => w.Commands.Count));
                foreach (var w in round) all.AddRange(w.Commands);
                var outcomes = await ApplyTogetherAsync(all);
                var at = 0;
                foreach (var w in round)
                {
                    w.Outcomes.TrySetResult(outcomes[at..(at + w.Commands.Count)]);
                    at += w.Commands.Count;
                }
            }
            catch (Exception e)
            {
                foreach (var w in round) w.Outcomes.TrySetException(e);
            }
        }
    }

    private async Task<FoldOutcome[]> ApplyTogetherAsync(IReadOnlyList<FoldCommand> commands)
    {
        // Nothing is folded into a store still in an older form (LedgerUpgrade).
        if (upgraded is not null) await upgraded.Ready;
        var outboxes = new HashSet<string>(StringComparer.Ordinal);
        var (outcomes, runs) = await FoldAsync(commands, outboxes);
        // The affiliates' share of what was folded moves to them before the sender hears it was applied.
        await _affiliates.DrainAsync(outboxes);
        var changed = new List<FoldCommand>(runs.Count);
        foreach (var run in runs)
        {
            // The player's last event that was not refused stands for the change. Duplicates re-mark too: if a crash
            // fell between a write and its mark, the sender's retry repairs it.
            for (var j = run.Count - 1; j >= 0; j--)
            {
                if (outcomes[run[j]] is FoldOutcome.TooOld or FoldOutcome.Erased) continue;
                changed.Add(commands[run[j]]);
                break;
            }
        }
        var db = redis.GetDatabase();
        // Reconciliation is kept before the answer, so an acknowledged event is in it (a retry records it again, harmlessly).
        await Task.WhenAll(MarkChangedAsync(db, changed), reconciliation?.RecordAsync(Facts(commands, outcomes)) ?? Task.CompletedTask);
        if (_options.WaitForReplicas > 0) await WaitForReplicasAsync(db, commands, runs);
        Count(outcomes);
        return outcomes;
    }

    /// <summary>The reconciliation facts of the events not refused (too old, erased player): a refused event moved no money here.</summary>
    private static IEnumerable<Reconciliation.ReconciliationFact> Facts(IReadOnlyList<FoldCommand> commands, FoldOutcome[] outcomes)
    {
        for (var i = 0; i < commands.Count; i++)
        {
            if (commands[i].Fact is { } fact && outcomes[i] is not (FoldOutcome.TooOld or FoldOutcome.Erased)) yield return fact;
        }
    }

    /// <summary>The batch's events by outcome, on the service's metrics (which know nothing of the fold's outcomes).</summary>
    private void Count(FoldOutcome[] outcomes)
    {
        long applied = 0, duplicate = 0, superseded = 0, conflict = 0, old = 0;
        foreach (var o in outcomes)
        {
            switch (o)
            {
                case FoldOutcome.Applied: applied++; break;
                case FoldOutcome.Duplicate: duplicate++; break;
                case FoldOutcome.Superseded: superseded++; break;
                case FoldOutcome.Conflict: conflict++; break;
                default: old++; break;
            }
        }
        metrics.Counted("applied", applied);
        metrics.Counted("duplicate", duplicate);
        metrics.Counted("superseded", superseded);
        metrics.Counted("conflict", conflict);
        metrics.Counted("too_old", old);
    }

    /// <summary>Folds the commands without announcing any change (for <see cref="LedgerUpgrade"/>, which changes no profile).</summary>
    /// <param name="outboxes">Gets the players whose affiliate outbox holds changes to move (<see cref="AffiliateDrain"/>).</param>
    internal async Task<(FoldOutcome[] Outcomes, List<List<int>> Runs)> FoldAsync(IReadOnlyList<FoldCommand> commands, HashSet<string>? outboxes = null)
    {
        var db = redis.GetDatabase();
        var runs = PlayerRuns(commands);
        var perCall = _options.EventsPerCall;
        var calls = new List<(Task<RedisResult> Reply, List<int> Events, ScriptCall Call)>();
        foreach (var group in SlotGroups(commands, runs))
        {
            var call = new ScriptCall(this, commands);
            foreach (var run in group)
            {
                for (var from = 0; from < run.Count;)
                {
                    var take = Math.Min(run.Count - from, perCall - call.Events.Count);
                    call.AddRun(run, from, take);
                    from += take;
                    if (call.Events.Count == perCall)
                    {
                        calls.Add((call.Send(db), call.Events, call));
                        call = new ScriptCall(this, commands);
                    }
                }
            }
            if (call.Events.Count > 0) calls.Add((call.Send(db), call.Events, call));
        }
        await Task.WhenAll(calls.Select(c => c.Reply));

        var outcomes = new FoldOutcome[commands.Count];
        foreach (var (reply, events, call) in calls)
        {
            var results = (RedisResult[])reply.Result!;
            for (var j = 0; j < events.Count; j++) outcomes[events[j]] = (FoldOutcome)(int)results[j];
            // After the outcomes: the runs (1-based, plus AffiliateOutboxMark) whose player has an affiliate outbox.
            for (var j = events.Count; j < results.Length; j++) outboxes?.Add(call.PlayerOfRun((int)((long)results[j] - AffiliateOutboxMark)));
        }
        return (outcomes, runs);
    }

    /// <summary>
    /// Has every master written to confirm our writes with <c>WAIT</c> (shared with concurrent requests,
    /// <see cref="ReplicaConfirmations"/>): Redis answers once that many replicas have every write the connection made
    /// before it, or when the timeout runs out, with the number that confirmed.
    /// </summary>
    private async Task WaitForReplicasAsync(IDatabase db, IReadOnlyList<FoldCommand> commands, List<List<int>> runs)
    {
        var written = new HashSet<System.Net.EndPoint>();
        foreach (var key in runs.Select(r => _keys.Profile(commands[r[0]].PlayerId)).Append(_keys.RescorePending).Append(_keys.Players))
        {
            if (db.IdentifyEndpoint(key) is { } endpoint) written.Add(endpoint);
        }
        var timeoutMs = (long)_options.ReplicaWaitTimeout.TotalMilliseconds;
        var waits = written.Select(async endpoint =>
            (Endpoint: endpoint, Replicas: await _confirmations.ConfirmAsync(endpoint, _options.WaitForReplicas, timeoutMs))).ToList();
        foreach (var (endpoint, replicas) in await Task.WhenAll(waits))
        {
            if (replicas < _options.WaitForReplicas)
            {
                throw new StoreNotReplicatedException(
                    $"only {replicas} of {_options.WaitForReplicas} replicas of {endpoint} confirmed the writes within {timeoutMs} ms (Ingestion:WaitForReplicas)");
            }
        }
    }

    /// <summary>The commands' indices, one run per player in order of first appearance, each in the commands' order.</summary>
    private static List<List<int>> PlayerRuns(IReadOnlyList<FoldCommand> commands)
    {
        var byPlayer = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        var runs = new List<List<int>>();
        for (var i = 0; i < commands.Count; i++)
        {
            if (!byPlayer.TryGetValue(commands[i].PlayerId, out var run))
            {
                run = new List<int>(4);
                byPlayer[commands[i].PlayerId] = run;
                runs.Add(run);
            }
            run.Add(i);
        }
        return runs;
    }

    /// <summary>The runs grouped by the hash slot of their player on a cluster, else all in one group.</summary>
    private List<List<List<int>>> SlotGroups(IReadOnlyList<FoldCommand> commands, List<List<int>> runs)
    {
        if (!redis.GetServers().Any(s => s.ServerType == ServerType.Cluster)) return [runs];
        return runs.GroupBy(r => redis.HashSlot(_keys.Profile(commands[r[0]].PlayerId))).Select(g => g.ToList()).ToList();
    }

    /// <summary>
    /// One script call: five keys per run; as arguments the bucket retention, then per run its number of events and
    /// their arguments (each op has a fixed number: fold.lua's ARITY).
    /// </summary>
    private sealed class ScriptCall(ProfileWriter writer, IReadOnlyList<FoldCommand> commands)
    {
        private readonly List<(List<int> Run, int From, int Count)> _runs = [];
        private int _arguments = 1;

        /// <summary>The player of the call's run with this ordinal (1-based).</summary>
        public string PlayerOfRun(int ordinal)
        {
            var (run, from, _) = _runs[ordinal - 1];
            return commands[run[from]].PlayerId;
        }

        /// <summary>The commands' indices in the order the script answers for them.</summary>
        public List<int> Events { get; } = new(writer._options.EventsPerCall);

        public void AddRun(List<int> run, int from, int count)
        {
            _runs.Add((run, from, count));
            _arguments++;
            for (var j = from; j < from + count; j++)
            {
                _arguments += commands[run[j]].Args.Length;
                Events.Add(run[j]);
            }
        }

        /// <summary>Sends the call; the arrays are built at their final size (a call carries thousands of arguments).</summary>
        public Task<RedisResult> Send(IDatabase db)
        {
            var k = writer._keys;
            var keys = new RedisKey[_runs.Count * 5];
            var args = new RedisValue[_arguments];
            args[0] = writer._options.BucketRetentionDays;
            int at = 1, key = 0;
            foreach (var (run, from, count) in _runs)
            {
                var player = commands[run[from]].PlayerId;
                keys[key++] = k.Profile(player);
                keys[key++] = k.Days(player);
                keys[key++] = k.Games(player);
                keys[key++] = k.Ledger(player);
                keys[key++] = k.Erased(player);
                args[at++] = count;
                for (var j = from; j < from + count; j++)
                {
                    var own = commands[run[j]].Args;
                    own.CopyTo(args, at);
                    at += own.Length;
                }
            }
            return EvaluateAsync(db, keys, args);
        }

        private static async Task<RedisResult> EvaluateAsync(IDatabase db, RedisKey[] keys, RedisValue[] args)
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    return await db.ScriptEvaluateAsync(FoldScript, keys, args);
                }
                catch (RedisServerException e) when (attempt < NotRunAttempts && NotRun(e))
                {
                    await Task.Delay(Math.Min(5 * attempt, 100));
                }
            }
        }
    }

    /// <summary>What fold.lua adds to a run's ordinal when it names a run with an affiliate outbox after the outcomes.</summary>
    private const long AffiliateOutboxMark = 1_000_000_000;

    /// <summary>Attempts at a call the cluster refused without running it; about 30 s of migration or failover in all.</summary>
    private const int NotRunAttempts = 300;

    /// <summary>Errors with which Redis Cluster refuses a command it did not run: retrying it is safe.</summary>
    private static bool NotRun(RedisServerException e) =>
        e.Message.StartsWith("TRYAGAIN", StringComparison.Ordinal) || e.Message.StartsWith("CLUSTERDOWN", StringComparison.Ordinal);

    private async Task MarkChangedAsync(IDatabase db, List<FoldCommand> changed)
    {
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var ids = changed.Select(c => (RedisValue)c.PlayerId).ToArray();
        // NX keeps the time of the oldest unprocessed change, so lag is measured honestly.
        var pending = db.SortedSetAddAsync(_keys.RescorePending, ids.Select(id => new SortedSetEntry(id, now)).ToArray(), SortedSetWhen.NotExists);
        var known = db.SetAddAsync(_keys.Players, ids);
        foreach (var c in changed)
        {
            // A notification is a hint (the change feed above is the durable record): nothing waits for its reply.
            db.Publish(_keys.ProfileChanged, new ProfileChange(c.PlayerId, c.EventType, c.GameId).ToString(), CommandFlags.FireAndForget);
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

/// <summary>The events were applied, but not confirmed by as many replicas as <see cref="FoldOptions.WaitForReplicas"/> asks: not acknowledged.</summary>
public sealed class StoreNotReplicatedException(string message) : Exception(message);
