using Shared.Contracts;

namespace Lobby.Live;

/// <summary>
/// Hands fresh rows to the lobby pages open in this process (Blazor circuits). A page subscribes for its player
/// once rendered and disposes the subscription when it goes away.
/// </summary>
public sealed class LobbyNotifier(ILogger<LobbyNotifier> logger)
{
    private readonly Dictionary<string, List<Subscription>> _byPlayer = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public IDisposable Subscribe(string playerId, Func<LobbyUpdated, Task> onUpdated)
    {
        var subscription = new Subscription(this, playerId, onUpdated);
        lock (_lock)
        {
            if (!_byPlayer.TryGetValue(playerId, out var list)) _byPlayer[playerId] = list = [];
            list.Add(subscription);
        }
        return subscription;
    }

    public bool HasSubscribers(string playerId)
    {
        lock (_lock) return _byPlayer.ContainsKey(playerId);
    }

    /// <summary>The players with a lobby page open in this process now (a snapshot).</summary>
    public IReadOnlyList<string> Players()
    {
        lock (_lock) return [.. _byPlayer.Keys];
    }

    public async Task PublishAsync(LobbyUpdated update)
    {
        Subscription[] targets;
        lock (_lock)
        {
            if (!_byPlayer.TryGetValue(update.PlayerId, out var list)) return;
            targets = [.. list];
        }
        foreach (var target in targets)
        {
            try
            {
                await target.OnUpdated(update);
            }
            catch (Exception e)
            {
                // A page whose circuit is going away must not keep the player's other pages from updating.
                logger.LogWarning(e, "A lobby page of player {PlayerId} failed to take an update", update.PlayerId);
            }
        }
    }

    private void Remove(Subscription subscription)
    {
        lock (_lock)
        {
            if (!_byPlayer.TryGetValue(subscription.PlayerId, out var list)) return;
            list.Remove(subscription);
            if (list.Count == 0) _byPlayer.Remove(subscription.PlayerId);
        }
    }

    private sealed class Subscription(LobbyNotifier owner, string playerId, Func<LobbyUpdated, Task> onUpdated) : IDisposable
    {
        public string PlayerId { get; } = playerId;
        public Func<LobbyUpdated, Task> OnUpdated { get; } = onUpdated;

        public void Dispose() => owner.Remove(this);
    }
}
