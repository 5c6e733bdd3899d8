using System.Net;
using System.Net.Sockets;

namespace TestSupport;

/// <summary>
/// The simplest load balancer: a TCP proxy on a free loopback port that hands each new connection to the next backend
/// in turn, skipping one that refuses the connection (a dead instance) for the next. Connections already open stay
/// with their backend; when it dies they break, and the client's next connection goes elsewhere.
/// </summary>
public sealed class RoundRobinProxy : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly IReadOnlyList<Uri> _backends;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private int _next;

    private RoundRobinProxy(TcpListener listener, IReadOnlyList<Uri> backends)
    {
        _listener = listener;
        _backends = backends;
        Address = new Uri($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}");
        _accepting = AcceptAsync();
    }

    public Uri Address { get; }

    public static RoundRobinProxy Start(IReadOnlyList<Uri> backends)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return new RoundRobinProxy(listener, backends);
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            using var backend = await ConnectAsync();
            if (backend is null) return;
            var a = client.GetStream();
            var b = backend.GetStream();
            using var done = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            try
            {
                await Task.WhenAny(a.CopyToAsync(b, done.Token), b.CopyToAsync(a, done.Token));
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or SocketException)
            {
            }
            await done.CancelAsync();
        }
    }

    private async Task<TcpClient?> ConnectAsync()
    {
        for (var tried = 0; tried < _backends.Count; tried++)
        {
            var target = _backends[(int)((uint)Interlocked.Increment(ref _next) % (uint)_backends.Count)];
            var backend = new TcpClient();
            try
            {
                await backend.ConnectAsync(target.Host, target.Port, _stop.Token);
                return backend;
            }
            catch (SocketException)
            {
                backend.Dispose();
            }
        }
        return null;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}
