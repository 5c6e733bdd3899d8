using Shared.ServiceDefaults;
using Lobby.Rows;
using Shared.Contracts;
using Shared.Store;
using StackExchange.Redis;

namespace Lobby.Live;

/// <summary>
/// Placements start and end at their own times, when nothing is published: this waits for the next start or end of any
/// placement and then has the feed rebuild every lobby watched here, so a member's open lobby gains or loses the row on
/// time. The list is read again whenever <see cref="StoreKeys.PlacementsChanged"/> says it changed, and every
/// <see cref="Recheck"/> in case a message was missed or Intelligence was down.
/// </summary>
public sealed class PlacementSchedule(
    IPlacementList placements,
    LobbyFeed feed,
    IConnectionMultiplexer redis,
    StoreKeys keys,
    TimeProvider time,
    ILogger<PlacementSchedule> logger) : SupervisedService(logger, time)
{
    public static readonly TimeSpan Recheck = TimeSpan.FromMinutes(5);

    /// <summary>After the boundary, so that Intelligence (whose clock may differ a little) already sees the change.</summary>
    public static readonly TimeSpan Slack = TimeSpan.FromMilliseconds(500);

    public const string Reason = "placements.schedule";

    private readonly SemaphoreSlim _changed = new(0);

    protected override async Task RunAsync(CancellationToken stoppingToken)
    {
        try
        {
            await redis.GetSubscriber().SubscribeAsync(keys.PlacementsChanged, (_, _) => Changed());
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            // The periodic re-read still finds the boundaries.
            logger.LogWarning(e, "Cannot follow placement changes; reading the schedule every {Recheck} instead", Recheck);
        }
        try
        {
            while (!stoppingToken.IsCancellationRequested) await StepAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Called when a placement was created, changed or removed: the next boundary may have moved.</summary>
    internal void Changed() => _changed.Release();

    /// <summary>
    /// Reads the placements, waits for their next boundary (or a change, or <see cref="Recheck"/>), and rebuilds the
    /// watched lobbies if the boundary came. Returns the rebuilds scheduled, or null when none were.
    /// </summary>
    internal async Task<Task?> StepAsync(CancellationToken stoppingToken)
    {
        DateTimeOffset? next = null;
        try
        {
            next = NextBoundary(await placements.ListAsync(stoppingToken), Clock.GetUtcNow());
        }
        catch (Exception e) when (!stoppingToken.IsCancellationRequested)
        {
            logger.LogWarning(e, "Could not read the placements' schedule; trying again in {Recheck}", Recheck);
        }
        var wait = next is { } at ? Min(at - Clock.GetUtcNow() + Slack, Recheck) : Recheck;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var elapsed = Task.Delay(wait < TimeSpan.Zero ? TimeSpan.Zero : wait, Clock, stop.Token);
        var changed = _changed.WaitAsync(stop.Token);
        var first = await Task.WhenAny(elapsed, changed);
        await stop.CancelAsync();
        stoppingToken.ThrowIfCancellationRequested();
        if (first == changed || next is null || Clock.GetUtcNow() < next.Value) return null;
        return feed.ObservePlacements(Reason, stoppingToken);
    }

    /// <summary>The soonest start or end after <paramref name="now"/>, or null when no placement has one to come.</summary>
    internal static DateTimeOffset? NextBoundary(IEnumerable<Placement> placements, DateTimeOffset now) =>
        placements.SelectMany(p => (DateTimeOffset[])[p.StartsAt, p.EndsAt]).Where(t => t > now).Order().Cast<DateTimeOffset?>().FirstOrDefault();

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    public override void Dispose()
    {
        _changed.Dispose();
        base.Dispose();
    }
}
