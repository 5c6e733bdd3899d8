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
/// Listens to <see cref="StoreKeys.ProfileChanged"/> and, for players watched on this instance (a lobby page or a hub
/// connection), rebuilds their rows and pushes them. A burst of changes to one player is gathered for
/// <see cref="LobbyOptions.Coalesce"/> and rebuilt once.
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
    ILogger<LobbyFeed> logger) : BackgroundService
{
    private static readonly TimeSpan SubscribeRetry = TimeSpan.FromSeconds(2);

    /// <summary>Players with a rebuild scheduled, and the change that scheduled it.</summary>
    private readonly ConcurrentDictionary<string, string> _pending = new(StringComparer.Ordinal);

    /// <summary>Bounds concurrent calls to Intelligence when many watched players change at once.</summary>
    private readonly SemaphoreSlim _rebuilds = new(32);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var queue = await SubscribeAsync(stoppingToken);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var message = await queue.ReadAsync(stoppingToken);
                _ = Observe(message.Message.ToString(), stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (ChannelClosedException)
        {
        }
        finally
        {
            await queue.UnsubscribeAsync();
        }
    }

    /// <summary>
    /// Takes one change notification. Returns the scheduled rebuild when this change starts a burst, or null when the
    /// player is not watched here or a rebuild is already on its way.
    /// </summary>
    internal Task? Observe(string message, CancellationToken cancellationToken)
    {
        if (!ProfileChange.TryParse(message, out var change) || !IsWatched(change.PlayerId)) return null;
        if (!_pending.TryAdd(change.PlayerId, change.EventType)) return null;
        return RebuildSoonAsync(change.PlayerId, cancellationToken);
    }

    private bool IsWatched(string playerId) => notifier.HasSubscribers(playerId) || hubViewers.IsWatching(playerId);

    private async Task RebuildSoonAsync(string playerId, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(options.Value.Coalesce, time, cancellationToken);
            // Taken off before reading, so a change that lands during the read schedules another rebuild.
            _pending.TryRemove(playerId, out var reason);
            if (!IsWatched(playerId)) return;

            var started = time.GetTimestamp();
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

            var update = new LobbyUpdated(playerId, current, reason ?? "", time.GetUtcNow());
            if (hubViewers.IsWatching(playerId)) await hub.Clients.User(playerId).LobbyUpdated(update);
            await notifier.PublishAsync(update);
            metrics.Pushed(time.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            // The player keeps the rows they have; the next change tries again.
            metrics.Failed();
            logger.LogWarning(e, "Could not rebuild the lobby of player {PlayerId}", playerId);
        }
    }

    private async Task<ChannelMessageQueue> SubscribeAsync(CancellationToken stoppingToken)
    {
        while (true)
        {
            try
            {
                return await redis.GetSubscriber().SubscribeAsync(keys.ProfileChanged);
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                logger.LogWarning(e, "Cannot subscribe to profile changes yet; retrying in {Delay}", SubscribeRetry);
                await Task.Delay(SubscribeRetry, time, stoppingToken);
            }
        }
    }

    public override void Dispose()
    {
        _rebuilds.Dispose();
        base.Dispose();
    }
}
