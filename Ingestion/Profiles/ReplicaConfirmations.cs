using System.Net;
using StackExchange.Redis;

namespace Ingestion.Profiles;

/// <summary>
/// Redis <c>WAIT</c> shared by concurrent requests. <c>WAIT n</c> answers once n replicas have every write the connection
/// sent before it; the process has one connection per master, so one <c>WAIT</c> sent after a request's writes were
/// answered confirms them together with every other request's that finished by then. Each master has at most one
/// <c>WAIT</c> in flight; a request asking meanwhile joins the next one, which is sent when the one in flight returns.
/// (A <c>WAIT</c> holds its connection until it returns, so one per request would queue every other write behind it.)
/// </summary>
public sealed class ReplicaConfirmations(IConnectionMultiplexer redis)
{
    private readonly Dictionary<EndPoint, Master> _masters = [];

    /// <summary>How many replicas confirmed every write this process sent to <paramref name="endpoint"/> before now.</summary>
    public Task<long> ConfirmAsync(EndPoint endpoint, int replicas, long timeoutMs)
    {
        Master master;
        lock (_masters)
        {
            if (!_masters.TryGetValue(endpoint, out master!)) _masters[endpoint] = master = new Master(redis.GetServer(endpoint));
        }
        return master.NextAsync(replicas, timeoutMs);
    }

    private sealed class Master(IServer server)
    {
        private readonly Lock _gate = new();
        private TaskCompletionSource<long>? _next;
        private bool _sending;
        private int _replicas;
        private long _timeoutMs;

        public Task<long> NextAsync(int replicas, long timeoutMs)
        {
            lock (_gate)
            {
                _next ??= new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
                (_replicas, _timeoutMs) = (Math.Max(_replicas, replicas), Math.Max(_timeoutMs, timeoutMs));
                var waiting = _next.Task;
                if (!_sending)
                {
                    _sending = true;
                    _ = SendAsync();
                }
                return waiting;
            }
        }

        private async Task SendAsync()
        {
            while (true)
            {
                TaskCompletionSource<long> batch;
                int replicas;
                long timeoutMs;
                lock (_gate)
                {
                    if (_next is null)
                    {
                        _sending = false;
                        return;
                    }
                    (batch, replicas, timeoutMs) = (_next, _replicas, _timeoutMs);
                    (_next, _replicas, _timeoutMs) = (null, 0, 0);
                }
                try
                {
                    batch.TrySetResult((long)await server.ExecuteAsync("WAIT", replicas, timeoutMs));
                }
                catch (Exception e)
                {
                    batch.TrySetException(e);
                }
            }
        }
    }
}
