using System.Net;
using System.Net.Sockets;

namespace TestSupport;

public static class FreePort
{
    /// <summary>
    /// A loopback port nobody listens on right now: the kernel picks it for a listener we close at once.
    /// Another process may still take it before the caller binds, so servers started on it retry on a clash.
    /// </summary>
    public static int Get()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
