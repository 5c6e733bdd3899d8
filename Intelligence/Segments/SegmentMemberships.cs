using System.Diagnostics;
using Intelligence.Scoring;
using Microsoft.Extensions.Options;
using Shared.Contracts;
using Shared.Store;
using StackExchange.Redis;

namespace Intelligence.Segments;

/// <summary>
/// Keeps segment membership live, exactly once across instances. Two paths decide it:
/// <list type="bullet">
/// <item>a rescored player (a profile change, a sweep): the rescoring worker that claimed the player evaluates every
/// segment on the player's row (in an index of the batch's own, whichever instance holds the player's partition) and
/// stores the memberships in one script, before their scores (whose <c>segments</c> list the result) are stored;</item>
/// <item>a segment created, edited or due for re-evaluation (relative dates, expiring restrictions): evaluated by each
/// instance over the index partitions it serves and applied as a diff with the stored members of those partitions, in
/// chunks.</item>
/// </list>
/// Each decision carries the version of the data it was made on (the scoring time) and of the definitions; the store
/// keeps whichever is fresher, so the two paths never undo each other.
/// </summary>
internal sealed class SegmentMemberships(PlayerIndex index, IndexPartitions partitions, IndexFeed feed, LiveSegments segments, MembershipStore store,
    MembershipAnnouncer announcer, IConnectionMultiplexer redis, StoreKeys keys, SegmentMetrics metrics, IOptions<SegmentOptions> options, TimeProvider clock,
    ILogger<SegmentMemberships> log)
    : IScoringStage
{
    private const int Attempts = 5;

    public async Task<IReadOnlyList<PlayerScores>> CompleteAsync(IReadOnlyList<ScoredPlayer> scored, CancellationToken ct)
    {
        if (scored.Count == 0) return [];
        // The batch's own index: the players' partitions may be held by other instances. Rows of partitions this
        // instance holds are written to its index as well, so its previews see the change at once.
        var batch = new PlayerIndex(scored.Count);
        foreach (var p in scored)
        {
            var facts = new PlayerFacts(p.Profile, ScoreFacts.From(p.Scores));
            batch.Upsert(facts);
            if (partitions.Holds(p.Profile.PlayerId)) index.Upsert(facts);
        }
        var live = await segments.GetAsync();
        if (live.Count == 0) return [.. scored.Select(p => p.Scores)];

        // A player erased while being rescored must not come back into segments (nor into the index).
        var ids = scored.Select(p => p.Profile.PlayerId).ToList();
        var held = await HeldAsync(ids);
        for (var i = 0; i < ids.Count; i++)
        {
            if (!held[i]) index.Remove(ids[i]);
        }

        for (var attempt = 1; ; attempt++)
        {
            var now = clock.GetUtcNow();
            var nowMs = now.ToUnixTimeMilliseconds();
            var (c, rows) = batch.RowsOf(ids);
            var predicates = live.Select(s => s.Compile(batch, c, nowMs)).ToArray();
            var decisions = new List<MembershipDecision>(ids.Count);
            for (var i = 0; i < ids.Count; i++)
            {
                var row = rows[i];
                if (row < 0 || !held[i]) continue;
                var member = new bool[live.Count];
                for (var k = 0; k < live.Count; k++) member[k] = SegmentEvaluator.IsMember(predicates[k], c, row, live[k].Marketing, live[k].ChannelBit, nowMs);
                decisions.Add(new MembershipDecision(ids[i], c.Versions[row], member));
            }
            var applied = decisions.Count == 0 ? [] : await store.ApplyPlayersAsync([.. live.Select(s => (s.Id, s.Definition.Version))], decisions, nowMs, AnnounceBy(nowMs));
            if (applied is null)
            {
                if (attempt == Attempts) throw new InvalidOperationException($"Segment definitions changed under {Attempts} attempts to store {ids.Count} players' memberships");
                live = await segments.ReloadAsync();
                if (live.Count == 0) return [.. scored.Select(p => p.Scores)];
                continue;
            }

            var byId = applied.ToDictionary(m => m.PlayerId, StringComparer.Ordinal);
            var versions = decisions.ToDictionary(d => d.PlayerId, d => d.Version, StringComparer.Ordinal);
            var names = live.ToDictionary(s => s.Id, s => s.Definition.Name, StringComparer.Ordinal);
            var changes = new List<MembershipChange>();
            var result = new PlayerScores[scored.Count];
            for (var i = 0; i < scored.Count; i++)
            {
                var s = scored[i].Scores;
                if (!byId.TryGetValue(s.PlayerId, out var m))
                {
                    result[i] = s;
                    continue;
                }
                changes.AddRange(m.Entered.Select(seg => new MembershipChange(s.PlayerId, seg, names[seg], true, s.Marketing, now, versions[s.PlayerId])));
                changes.AddRange(m.Exited.Select(seg => new MembershipChange(s.PlayerId, seg, names[seg], false, s.Marketing, now, versions[s.PlayerId])));
                result[i] = s with { Segments = [.. m.Segments.Where(names.ContainsKey).Order(StringComparer.Ordinal).Select(id => new SegmentRef(id, names[id]))] };
            }
            await announcer.AnnounceAsync(changes, ct);
            var entered = changes.Count(c => c.Entered);
            metrics.Changed(entered, changes.Count - entered, "live");
            return result;
        }
    }

    private async Task<bool[]> HeldAsync(IReadOnlyList<string> ids)
    {
        var batch = redis.GetDatabase().CreateBatch();
        var checks = ids.Select(id => batch.KeyExistsAsync(keys.Profile(id))).ToList();
        batch.Execute();
        await Task.WhenAll(checks);
        return [.. checks.Select(t => t.Result)];
    }

    /// <summary>
    /// Evaluates the segment over the players of <paramref name="only"/> (partitions this instance serves) and applies
    /// the difference with its stored members of those partitions: entering players who match, removing those who no
    /// longer do (and those no longer held at all). Players whose stored membership was decided on fresher data than
    /// this index holds are read again and decided once more. The changes are announced in the background. Returns
    /// the changes, or null when the definition changed meanwhile.
    /// </summary>
    public async Task<SegmentDiff?> EvaluateAsync(LiveSegment segment, PartitionSet only, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        var now = clock.GetUtcNow();
        var nowMs = now.ToUnixTimeMilliseconds();
        var evaluation = segment.Rule is null
            ? null
            : SegmentEvaluator.Evaluate(index, segment.Rule, segment.Marketing, segment.Definition.Channel, now, versions: true, only: only);
        var c = evaluation?.Columns ?? index.Columns;
        var versions = evaluation?.Versions ?? c.Versions[..c.Count];
        var wanted = new Dictionary<string, long>(StringComparer.Ordinal);
        if (evaluation is not null)
        {
            foreach (var row in evaluation.Rows())
            {
                if (c.Ids[row] is { } id) wanted[id] = versions[row];
            }
        }
        // The stored members of these partitions, read a page at a time: other instances decide the rest.
        var current = new List<string>();
        await foreach (var page in store.MemberPagesAsync(segment.Id))
        {
            foreach (var member in page)
            {
                var id = member.ToString();
                if (only.Contains(partitions.PartitionOf(id))) current.Add(id);
            }
        }
        var decisions = new List<(string PlayerId, long Version, bool Member)>();
        var currentSet = new HashSet<string>(current, StringComparer.Ordinal);
        foreach (var (id, version) in wanted)
        {
            if (!currentSet.Contains(id)) decisions.Add((id, version, true));
        }
        var leaving = current.Where(id => !wanted.ContainsKey(id)).ToList();
        var (lc, leavingRows) = index.RowsOf(leaving);
        // The index was compacted meanwhile (partitions handed over): its rows are numbered anew, so evaluate again.
        if (lc.Layout != c.Layout) return await EvaluateAsync(segment, only, ct);
        for (var i = 0; i < leaving.Count; i++)
        {
            var row = leavingRows[i];
            // A row written since the evaluation began was not evaluated: its rescoring decides the player.
            if (row >= versions.Length) continue;
            decisions.Add((leaving[i], row < 0 ? MembershipStore.Forced : Math.Min(versions[row], lc.Versions[row]), false));
        }

        var diff = await ApplyAsync(segment, decisions, nowMs, ct);
        if (diff is null) return null;
        var decidedOn = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var d in decisions) decidedOn[d.PlayerId] = d.Version;
        if (diff.Skipped.Count > 0)
        {
            // The index was behind for these players: read them again, decide them again.
            await feed.RefreshAsync(diff.Skipped);
            var (rc, rows) = index.RowsOf(diff.Skipped);
            var predicate = segment.Compile(index, rc, nowMs);
            var again = new List<(string, long, bool)>(diff.Skipped.Count);
            for (var i = 0; i < rows.Length; i++)
            {
                again.Add(rows[i] >= 0
                    ? (diff.Skipped[i], rc.Versions[rows[i]], SegmentEvaluator.IsMember(predicate, rc, rows[i], segment.Marketing, segment.ChannelBit, nowMs))
                    : (diff.Skipped[i], MembershipStore.Forced, false));
            }
            var second = await ApplyAsync(segment, again, nowMs, ct);
            if (second is null) return null;
            foreach (var (id, version, _) in again) decidedOn[id] = version;
            diff.Entered.AddRange(second.Entered);
            diff.Exited.AddRange(second.Exited);
            if (second.Skipped.Count > 0) log.LogDebug("{Count} players of {Segment} were decided by fresher rescoring meanwhile", second.Skipped.Count, segment.Id);
            diff.Skipped.Clear();
            diff.Skipped.AddRange(second.Skipped);
        }
        Announce(segment, diff, now, decidedOn);
        metrics.Changed(diff.Entered.Count, diff.Exited.Count, "bulk");
        metrics.Evaluated(watch.Elapsed.TotalMilliseconds);
        return diff;
    }

    private async Task<SegmentDiff?> ApplyAsync(LiveSegment segment, List<(string PlayerId, long Version, bool Member)> decisions, long nowMs, CancellationToken ct)
    {
        var total = new SegmentDiff([], [], []);
        var chunk = options.Value.ApplyChunk;
        for (var i = 0; i < decisions.Count; i += chunk)
        {
            ct.ThrowIfCancellationRequested();
            // A bulk change is announced from a queue in the background, which for a large segment takes a while.
            var part = await store.ApplySegmentAsync(segment.Id, segment.Definition.Version, decisions.GetRange(i, Math.Min(chunk, decisions.Count - i)), nowMs,
                AnnounceBy(nowMs) + 9 * (long)options.Value.AnnounceGrace.TotalMilliseconds);
            if (part is null) return null;
            total.Entered.AddRange(part.Entered);
            total.Exited.AddRange(part.Exited);
            total.Skipped.AddRange(part.Skipped);
        }
        return total;
    }

    /// <summary>When another instance announces changes made now if this one has not by then.</summary>
    private long AnnounceBy(long nowMs) => nowMs + (long)options.Value.AnnounceGrace.TotalMilliseconds;

    private void Announce(LiveSegment segment, SegmentDiff diff, DateTimeOffset now, Dictionary<string, long> decidedOn)
    {
        if (diff.Entered.Count + diff.Exited.Count == 0) return;
        var nowMs = now.ToUnixTimeMilliseconds();
        var players = diff.Entered.Concat(diff.Exited).ToList();
        var (c, rows) = index.RowsOf(players);
        var gone = new MarketingStatus(false, ["unknown_player"], []);
        announcer.Enqueue(players.Select((id, i) => new MembershipChange(id, segment.Id, segment.Definition.Name, i < diff.Entered.Count,
            rows[i] >= 0 ? SegmentMarketing.Status(c, rows[i], nowMs) : gone, now, decidedOn[id])));
        announcer.RefreshScores(players);
    }

    /// <summary>Evaluates every segment (or those whose membership moves with time) over the players of <paramref name="only"/>.</summary>
    public async Task<int> EvaluateAllAsync(bool onlyMovingWithTime, PartitionSet only, CancellationToken ct)
    {
        var changed = 0;
        if (only.IsEmpty) return 0;
        foreach (var segment in await segments.GetAsync())
        {
            if (onlyMovingWithTime && !segment.MovesWithTime) continue;
            var diff = await EvaluateAsync(segment, only, ct);
            if (diff is null)
            {
                // Edited meanwhile: whoever edited it evaluates the new version.
                continue;
            }
            changed += diff.Entered.Count + diff.Exited.Count;
        }
        return changed;
    }

    /// <summary>Removes an erased player from the index and from every segment, and tells the lobby.</summary>
    public async Task ForgetAsync(string playerId)
    {
        index.Remove(playerId);
        var live = await segments.GetAsync();
        if (live.Count == 0) return;
        foreach (var seg in await store.ForgetAsync(playerId, [.. live.Select(s => s.Id)]))
        {
            await announcer.NotifyLobbyAsync(playerId, seg, entered: false);
        }
    }
}
