using System.Collections.Concurrent;

namespace Lobby.Live;

/// <summary>How many hub connections each player has on this instance, so only watched players are rebuilt here.</summary>
public sealed class HubViewers
{
    private readonly ConcurrentDictionary<string, int> _connections = new(StringComparer.Ordinal);

    public void Enter(string playerId) => _connections.AddOrUpdate(playerId, 1, (_, n) => n + 1);

    public void Leave(string playerId)
    {
        while (_connections.TryGetValue(playerId, out var n))
        {
            var done = n <= 1
                ? _connections.TryRemove(new KeyValuePair<string, int>(playerId, n))
                : _connections.TryUpdate(playerId, n - 1, n);
            if (done) return;
        }
    }

    public bool IsWatching(string playerId) => _connections.ContainsKey(playerId);

    /// <summary>The players connected now (a snapshot).</summary>
    public IReadOnlyList<string> Players() => [.. _connections.Keys];
}
