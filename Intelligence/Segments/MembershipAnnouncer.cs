using Shared.ServiceDefaults;
using System.Threading.Channels;
using Intelligence.Experiments;
using Intelligence.Scoring;
using Intelligence.Webhooks;
using Microsoft.Extensions.Options;
using Shared.Contracts;
using Shared.Store;
using StackExchange.Redis;

namespace Intelligence.Segments;

/// <summary>A player entered or left a segment, decided on their data of <paramref name="Version"/> (unix ms).</summary>
public sealed record MembershipChange(string PlayerId, string SegmentId, string SegmentName, bool Entered, MarketingStatus Marketing, DateTimeOffset At, long Version)
{
    /// <summary>The change as the store journals it until it is announced (<see cref="StoreKeys.SegmentAnnouncements"/>).</summary>
    public string Journal => Entry(PlayerId, SegmentId, Entered, Version);

    /// <summary>The webhook event's id: the same for the same change, so announcing it again is the same event to a CRM.</summary>
    public string EventId => "evt_" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Journal)))[..32];

    public static string Entry(string playerId, string segmentId, bool entered, long version) =>
        $"{playerId}|{segmentId}|{(entered ? '+' : '-')}|{version.ToString(System.Globalization.CultureInfo.InvariantCulture)}";

    /// <summary>Reads a journal entry back; false when it is not one.</summary>
    public static bool TryParse(string entry, out string playerId, out string segmentId, out bool entered, out long version)
    {
        var parts = entry.Split('|');
        (playerId, segmentId, entered, version) = ("", "", false, 0);
        if (parts.Length != 4 || parts[2] is not ("+" or "-") || !long.TryParse(parts[3], System.Globalization.CultureInfo.InvariantCulture, out version)) return false;
        (playerId, segmentId, entered) = (parts[0], parts[1], parts[2] == "+");
        return true;
    }
}

/// <summary>
/// Tells the world about membership changes the store has taken: <c>segments:membership</c> for the lobby, and the
/// <c>segment.entered</c> / <c>segment.exited</c> CRM webhooks (never for a player who may not be marketed to: the
/// publisher drops those). A rescored player's changes are announced before the rescoring completes; a bulk change (a
/// segment created, edited or evaluated again) is queued and announced in the background, so a large segment does
/// not hold up the request that made it. After a bulk change it also brings the <c>segments</c> list of the players'
/// stored scores in line, without rescoring them. Every change stays journalled in the store until it is announced; what
/// an instance did not announce within <see cref="SegmentOptions.AnnounceGrace"/> (it stopped, or crashed) any instance
/// announces, under the same webhook event id, so a CRM that de-duplicates on the id sees each change once.
/// </summary>
internal sealed class MembershipAnnouncer(IConnectionMultiplexer redis, StoreKeys keys, IWebhookPublisher webhooks, WebhookSubscriptions subscriptions,
    MembershipStore memberships, LiveSegments segments, ScoreStore scores, PlayerMarketing marketing, IOptions<SegmentOptions> options, TimeProvider clock,
    ILogger<MembershipAnnouncer> log, ExperimentCatalog experiments, ExperimentAssigner assigner, ExperimentStore assignments) : SupervisedService(log, clock)
{
    private const int ClaimBatch = 500;

    private readonly Channel<MembershipChange> _queue = Channel.CreateUnbounded<MembershipChange>(new UnboundedChannelOptions { SingleReader = false });
    private readonly Channel<string> _scores = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private long _pending;

    /// <summary>Queued bulk announcements not yet made.</summary>
    public long Pending => Interlocked.Read(ref _pending);

    /// <summary>
    /// Announces the changes: the lobby's notifications in one pipelined round trip, then the CRM's webhooks (each queued
    /// durably by the publisher) only when some webhook listens for segment events.
    /// </summary>
    public async Task AnnounceAsync(IReadOnlyList<MembershipChange> changes, CancellationToken ct)
    {
        if (changes.Count == 0) return;
        var batch = redis.GetDatabase().CreateBatch();
        var published = changes.Select(c => batch.PublishAsync(keys.SegmentMembershipChanged, Message(c.PlayerId, c.SegmentId, c.Entered))).ToList();
        batch.Execute();
        await Task.WhenAll(published);
        var groups = await AssignAsync(changes);
        var listening = (await subscriptions.ListAsync()).Any(w =>
            w.Events.Contains(WebhookEventTypes.SegmentEntered, StringComparer.Ordinal) || w.Events.Contains(WebhookEventTypes.SegmentExited, StringComparer.Ordinal));
        if (listening)
        {
            await Parallel.ForEachAsync(changes, new ParallelOptions { MaxDegreeOfParallelism = options.Value.AnnounceParallelism, CancellationToken = ct },
                async (c, token) =>
                {
                    var group = groups.GetValueOrDefault((c.PlayerId, c.SegmentId)) ?? (await assignments.GetAsync(ExperimentIds.OfSegment(c.SegmentId), c.PlayerId))?.Group;
                    await webhooks.PublishAsync(Webhook(c, group), c.Marketing, token);
                });
        }
        await memberships.AcknowledgeAsync([.. changes.Select(c => c.Journal)]);
    }

    /// <summary>
    /// A marketing segment is an experiment (<c>segment-{id}</c>): every player entering it is assigned then, so the
    /// webhook can tell the CRM to hold a control member out. The players' groups by (player, segment).
    /// </summary>
    private async Task<Dictionary<(string, string), string>> AssignAsync(IReadOnlyList<MembershipChange> changes)
    {
        var groups = new Dictionary<(string, string), string>();
        var live = (await segments.GetAsync()).Where(s => s.Marketing).ToDictionary(s => s.Id, StringComparer.Ordinal);
        foreach (var entered in changes.Where(c => c.Entered && live.ContainsKey(c.SegmentId)).GroupBy(c => (c.SegmentId, c.At)))
        {
            var experiment = await experiments.OfSegmentAsync(live[entered.Key.SegmentId].Definition);
            var recorded = await assigner.AssignAsync(experiment, [.. entered.Select(c => (c.PlayerId, !c.Marketing.Allowed))], entered.Key.At);
            foreach (var a in recorded) groups[(a.PlayerId, entered.Key.SegmentId)] = a.Group;
        }
        return groups;
    }

    private static WebhookEvent Webhook(MembershipChange c, string? group) => (c.Entered
        ? WebhookEvent.SegmentEntered(c.PlayerId, c.At, c.SegmentId, c.SegmentName, group is null ? null : ExperimentIds.OfSegment(c.SegmentId), group)
        : WebhookEvent.SegmentExited(c.PlayerId, c.At, c.SegmentId, c.SegmentName, group is null ? null : ExperimentIds.OfSegment(c.SegmentId), group)) with { Id = c.EventId };

    /// <summary>Only the lobby's notification: for erasure, where there is no one to send a webhook about.</summary>
    public Task NotifyLobbyAsync(string playerId, string segmentId, bool entered) =>
        redis.GetDatabase().PublishAsync(keys.SegmentMembershipChanged, Message(playerId, segmentId, entered));

    public void Enqueue(IEnumerable<MembershipChange> changes)
    {
        foreach (var c in changes)
        {
            Interlocked.Increment(ref _pending);
            _queue.Writer.TryWrite(c);
        }
    }

    /// <summary>Queues the players whose stored scores should list their segments anew.</summary>
    public void RefreshScores(IEnumerable<string> playerIds)
    {
        foreach (var id in playerIds)
        {
            Interlocked.Increment(ref _pending);
            _scores.Writer.TryWrite(id);
        }
    }

    public static string Message(string playerId, string segmentId, bool entered) => $"{playerId}|{segmentId}|{(entered ? "entered" : "exited")}";

    protected override Task RunAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(AnnounceLoopAsync(stoppingToken), ScoresLoopAsync(stoppingToken), OverdueLoopAsync(stoppingToken));

    /// <summary>Announces the journalled changes their maker did not acknowledge in time, now and then.</summary>
    private async Task OverdueLoopAsync(CancellationToken ct)
    {
        var grace = options.Value.AnnounceGrace;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(grace / 3, Clock, ct);
                while (await AnnounceOverdueAsync(ct) == ClaimBatch)
                {
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                log.LogWarning(e, "Could not announce overdue membership changes");
            }
        }
    }

    /// <summary>Claims overdue journalled changes and announces them; returns how many were claimed.</summary>
    public async Task<int> AnnounceOverdueAsync(CancellationToken ct)
    {
        var now = Clock.GetUtcNow();
        var nowMs = now.ToUnixTimeMilliseconds();
        var claimed = await memberships.ClaimAnnouncementsAsync(nowMs, nowMs + (long)options.Value.AnnounceGrace.TotalMilliseconds, ClaimBatch);
        if (claimed.Length == 0) return 0;
        var names = (await segments.ReloadAsync()).ToDictionary(s => s.Id, s => s.Definition.Name, StringComparer.Ordinal);
        var changes = new List<MembershipChange>(claimed.Length);
        var gone = new List<string>();
        foreach (var entry in claimed)
        {
            // A deleted segment's changes are not announced: the segment ended.
            if (!MembershipChange.TryParse(entry, out var player, out var segment, out var entered, out var version) || !names.TryGetValue(segment, out var name))
            {
                gone.Add(entry);
                continue;
            }
            changes.Add(new MembershipChange(player, segment, name, entered, await marketing.NowAsync(player), now, version));
        }
        await memberships.AcknowledgeAsync(gone);
        await AnnounceAsync(changes, ct);
        log.LogInformation("Announced {Count} membership changes another instance had not", changes.Count);
        return claimed.Length;
    }

    private async Task ScoresLoopAsync(CancellationToken ct)
    {
        await foreach (var batch in _scores.Reader.ReadBatchesAsync(500, ct))
        {
            try
            {
                var ids = batch.Distinct(StringComparer.Ordinal).ToList();
                var names = (await segments.GetAsync()).ToDictionary(s => s.Id, s => s.Definition.Name, StringComparer.Ordinal);
                var records = await memberships.SegmentsOfAsync(ids);
                await scores.ReplaceSegmentsAsync(ids.Select((id, i) => (id, refs: (IReadOnlyList<SegmentRef>)[.. records[i]
                    .Where(names.ContainsKey).Order(StringComparer.Ordinal).Select(s => new SegmentRef(s, names[s]))]))
                    .ToDictionary(x => x.id, x => x.refs, StringComparer.Ordinal));
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                log.LogWarning(e, "Could not update the segments of {Count} players' stored scores", batch.Count);
            }
            finally
            {
                Interlocked.Add(ref _pending, -batch.Count);
            }
        }
    }

    private async Task AnnounceLoopAsync(CancellationToken ct)
    {
        await foreach (var batch in _queue.Reader.ReadBatchesAsync(500, ct))
        {
            try
            {
                await AnnounceAsync(batch, ct);
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                log.LogWarning(e, "Could not announce {Count} membership changes", batch.Count);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            finally
            {
                Interlocked.Add(ref _pending, -batch.Count);
            }
        }
    }
}
