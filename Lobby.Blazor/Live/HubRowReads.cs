using Lobby.Rows;
using Shared.Contracts;

namespace Lobby.Live;

/// <summary>
/// Bounds how many connecting hub clients read their rows from Intelligence at once. A reconnect storm (every front end
/// coming back after a deploy) otherwise sends six requests per connection all at the same time: the benchmark's
/// 5,000 connections, 256 connecting at a time, went from 130 to 41 connections a second and some waited over a minute.
/// Waiting here keeps Intelligence busy but not thrashing, so each connection gets its rows sooner.
/// </summary>
public sealed class HubRowReads : IDisposable
{
    public const int DefaultLimit = 32;

    private readonly SemaphoreSlim _slots;
    private readonly int _limit;

    public HubRowReads() : this(DefaultLimit)
    {
    }

    internal HubRowReads(int limit)
    {
        _limit = limit;
        _slots = new SemaphoreSlim(limit, limit);
    }

    /// <summary>Connections reading their rows right now (not those waiting for a turn).</summary>
    public int Reading => _limit - _slots.CurrentCount;

    public async Task<IReadOnlyList<LobbyRow>> ReadAsync(ILobbyRowSource rows, string playerId, CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken);
        try
        {
            return await rows.GetRowsAsync(playerId, cancellationToken);
        }
        finally
        {
            _slots.Release();
        }
    }

    public void Dispose() => _slots.Dispose();
}
