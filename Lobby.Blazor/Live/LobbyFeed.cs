using Shared.ServiceDefaults;
using System.Collections.Concurrent;
using System.Threading.Channels;
using Lobby.Rows;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using Shared.Contracts;
using Shared.Store;
using StackExchange.Redis;

namespace Lobby.Live;

/// <summary>
/// Listens to <see cref="StoreKeys.ProfileChanged"/>, <see cref="StoreKeys.SegmentMembershipChanged"/> and
/// <see cref="StoreKeys.PlacementsChanged"/> and, for players watched on this instance (a lobby page or a hub
/// connection), rebuilds their rows and pushes them. A change is pushed at once; changes that land while a rebuild of the
/// player runs or within <see cref="LobbyOptions.Coalesce"/> after it started are gathered into one more rebuild at the end
/// of that window, so a burst costs at most one rebuild a window and a lone bet waits for none (a window before every
/// push made it the floor of every push's latency).
/// </summary>
public sealed class LobbyFeed(
    IConnectionMultiplexer redis,
    StoreKeys keys,
    ILobbyRowSource rows,
    LobbyNotifier notifier,
    HubViewers hubViewers,
    IHubContext<LobbyHub, ILobbyClient> hub,
    IOptions<LobbyOptions> options,
    TimeProvider time,
    LobbyMetrics metrics,
    ILogger<LobbyFeed> logger) : SupervisedService(logger, time)
{
    public const string MembershipEnteredReason = "segment.entered";
    public const string MembershipExitedReason = "segment.exited";
    public const string PlacementsChangedReason = "placements.changed";

    private static readonly TimeSpan SubscribeRetry = TimeSpan.FromSeconds(2);

    /// <summary>Players whose rebuild runs or whose window is open, with the change to push next.</summary>
    private readonly ConcurrentDictionary<string, Pending> _pending = new(StringComparer.Ordinal);

    /// <summary>
    /// A player's rebuilds in progress: the reason of the change to push, whether another change came since the last rebuild
    /// began, and whether the loop has ended (a change that finds it ended starts a new one). Guarded by its own lock.
    /// </summary>
    private sealed class Pending(string reason)
    {
        public string Reason = reason;
        public bool Again;
        public bool Ended;
    }

    /// <summary>Bounds concurrent calls to Intelligence when many watched players change at once.</summary>
    private readonly SemaphoreSlim _rebuilds = new(32);

    /// <summary>Whether the store connection the feed listens on is down (changes published meanwhile are lost to it).</summary>
    public bool Interrupted => Volatile.Read(ref _interrupted);

    private bool _interrupted;

    private void ConnectionFailed(object? sender, ConnectionFailedEventArgs e)
    {
        if (e.ConnectionType != ConnectionType.Subscription) return;
        Volatile.Write(ref _interrupted, true);
        metrics.FeedInterrupted();
        logger.LogWarning(e.Exception, "The lobby feed lost the store ({Failure}); pushes resume once the client reconnects and subscribes again", e.FailureType);
    }

    private void ConnectionRestored(object? sender, ConnectionFailedEventArgs e)
    {
        if (e.ConnectionType == ConnectionType.Subscription) Volatile.Write(ref _interrupted, false);
    }

    protected override async Task RunAsync(CancellationToken stoppingToken)
    {
        // The client resubscribes by itself after a reconnect (with its own back-off); the feed counts and tells the gap.
        redis.ConnectionFailed += ConnectionFailed;
        redis.ConnectionRestored += ConnectionRestored;
        try
        {
            await ListenAsync(stoppingToken);
        }
        finally
        {
            redis.ConnectionFailed -= ConnectionFailed;
            redis.ConnectionRestored -= ConnectionRestored;
        }
    }

    private async Task ListenAsync(CancellationToken stoppingToken)
    {
        var profiles = await SubscribeAsync(keys.ProfileChanged, stoppingToken);
        var memberships = await SubscribeAsync(keys.SegmentMembershipChanged, stoppingToken);
        var placements = await SubscribeAsync(keys.PlacementsChanged, stoppingToken);
        try
        {
            await Task.WhenAll(
                FollowAsync(profiles, m => Observe(m, stoppingToken), stoppingToken),
                FollowAsync(memberships, m => ObserveMembership(m, stoppingToken), stoppingToken),
                FollowAsync(placements, m => ObservePlacements(m, stoppingToken), stoppingToken));
        }
        finally
        {
            await profiles.UnsubscribeAsync();
            await memberships.UnsubscribeAsync();
            await placements.UnsubscribeAsync();
        }
    }

    private static async Task FollowAsync(ChannelMessageQueue queue, Func<string, Task?> observe, CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var message = await queue.ReadAsync(stoppingToken);
                _ = observe(message.Message.ToString());
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (ChannelClosedException)
        {
        }
    }

    /// <summary>
    /// Takes one change notification. Returns the scheduled rebuild when this change starts a burst, or null when the
    /// player is not watched here or a rebuild is already on its way.
    /// </summary>
    internal Task? Observe(string message, CancellationToken cancellationToken) =>
        ProfileChange.TryParse(message, out var change) ? Schedule(change.PlayerId, change.EventType, cancellationToken) : null;

    /// <summary>
    /// Takes a <see cref="StoreKeys.SegmentMembershipChanged"/> message (<c>playerId|segmentId|entered</c> or
    /// <c>…|exited</c>): the player's placement rows may come or go, so a watched player is rebuilt.
    /// </summary>
    internal Task? ObserveMembership(string message, CancellationToken cancellationToken)
    {
        // From the right: the last two parts never hold '|', a player id might.
        var last = message.LastIndexOf('|');
        var middle = last > 0 ? message.LastIndexOf('|', last - 1) : -1;
        if (middle <= 0) return null;
        var reason = message[(last + 1)..] switch
        {
            "entered" => MembershipEnteredReason,
            "exited" => MembershipExitedReason,
            _ => null,
        };
        return reason is null ? null : Schedule(message[..middle], reason, cancellationToken);
    }

    /// <summary>
    /// Takes a <see cref="StoreKeys.PlacementsChanged"/> message: a placement of some segment was created, changed or
    /// removed, and the lobby cannot tell who its members are, so every player watched here is rebuilt (in bursts
    /// bounded like any other). Returns the rebuilds scheduled, or null when there were none.
    /// </summary>
    internal Task? ObservePlacements(string message, CancellationToken cancellationToken)
    {
        var rebuilds = notifier.Players().Concat(hubViewers.Players()).Distinct(StringComparer.Ordinal)
            .Select(p => Schedule(p, PlacementsChangedReason, cancellationToken))
            .OfType<Task>()
            .ToList();
        return rebuilds.Count == 0 ? null : Task.WhenAll(rebuilds);
    }

    private Task? Schedule(string playerId, string reason, CancellationToken cancellationToken)
    {
        if (!IsWatched(playerId)) return null;
        while (true)
        {
            var fresh = new Pending(reason);
            var pending = _pending.GetOrAdd(playerId, fresh);
            if (ReferenceEquals(pending, fresh)) return RebuildLoopAsync(playerId, pending, cancellationToken);
            lock (pending)
            {
                if (pending.Ended) continue;   // its loop is leaving: start another
                pending.Reason = reason;
                pending.Again = true;
                return null;
            }
        }
    }

    private bool IsWatched(string playerId) => notifier.HasSubscribers(playerId) || hubViewers.IsWatching(playerId);

    /// <summary>Rebuilds now, then once more at the end of each window in which another change came, until one passes without.</summary>
    private async Task RebuildLoopAsync(string playerId, Pending pending, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                string reason;
                lock (pending)
                {
                    reason = pending.Reason;
                    pending.Again = false;
                }
                if (!IsWatched(playerId))
                {
                    // Nobody to push to: no rebuild, and no window to keep.
                    End(playerId, pending);
                    return;
                }
                var started = Clock.GetTimestamp();
                await RebuildAsync(playerId, reason, cancellationToken);
                var rest = options.Value.Coalesce - Clock.GetElapsedTime(started);
                if (rest > TimeSpan.Zero) await Task.Delay(rest, Clock, cancellationToken);
                lock (pending)
                {
                    if (!pending.Again)
                    {
                        End(playerId, pending);
                        return;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            End(playerId, pending);
        }
    }

    /// <summary>Ends a player's loop: a change from now on finds it ended and starts another.</summary>
    private void End(string playerId, Pending pending)
    {
        lock (pending) pending.Ended = true;
        _pending.TryRemove(new KeyValuePair<string, Pending>(playerId, pending));
    }

    private async Task RebuildAsync(string playerId, string reason, CancellationToken cancellationToken)
    {
        try
        {
            var started = Clock.GetTimestamp();
            IReadOnlyList<LobbyRow> current;
            await _rebuilds.WaitAsync(cancellationToken);
            try
            {
                current = await rows.GetRowsAsync(playerId, cancellationToken);
            }
            finally
            {
                _rebuilds.Release();
            }

            var update = new LobbyUpdated(playerId, current, reason, Clock.GetUtcNow());
            if (hubViewers.IsWatching(playerId)) await hub.Clients.User(playerId).LobbyUpdated(update);
            await notifier.PublishAsync(update);
            metrics.Pushed(Clock.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            // The player keeps the rows they have; the next change tries again.
            metrics.Failed();
            logger.LogWarning(e, "Could not rebuild the lobby of player {PlayerId}", playerId);
        }
    }

    private async Task<ChannelMessageQueue> SubscribeAsync(RedisChannel channel, CancellationToken stoppingToken)
    {
        while (true)
        {
            try
            {
                return await redis.GetSubscriber().SubscribeAsync(channel);
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                logger.LogWarning(e, "Cannot subscribe to {Channel} yet; retrying in {Delay}", channel, SubscribeRetry);
                await Task.Delay(SubscribeRetry, Clock, stoppingToken);
            }
        }
    }

    public override void Dispose()
    {
        _rebuilds.Dispose();
        base.Dispose();
    }
}
