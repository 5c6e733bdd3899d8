using System.Globalization;
using System.Net.Sockets;
using Ingestion.Store;

namespace TestSupport;

/// <summary>
/// The product's embedded Garnet store (<see cref="EmbeddedGarnet"/>, the one Ingestion hosts) in the
/// test process on a free loopback port. Memory-only by default; persistent keeps an AOF in a temp
/// directory so <see cref="Restart"/> exercises recovery.
/// </summary>
public sealed class GarnetTestServer : IDisposable
{
    private readonly TempDirectory? _dataDirectory;
    private readonly string _memory;
    private EmbeddedGarnet? _garnet;

    private GarnetTestServer(int port, TempDirectory? dataDirectory, string memory)
    {
        Port = port;
        _dataDirectory = dataDirectory;
        _memory = memory;
    }

    public int Port { get; }

    /// <summary><c>127.0.0.1:port</c>, usable as a StackExchange.Redis connection string.</summary>
    public string ConnectionString => $"127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The checkpoint and AOF directory when persistent, otherwise null.</summary>
    public string? DataDirectory => _dataDirectory?.Path;

    /// <param name="memory">Main-log memory in Garnet syntax; small, since a test store holds little.</param>
    public static GarnetTestServer Start(bool persistent = false, string memory = "128m")
    {
        var dataDirectory = persistent ? new TempDirectory("garnet") : null;
        // A free port can be taken by someone else between the probe and the bind: try a few.
        for (var attempt = 1; ; attempt++)
        {
            var server = new GarnetTestServer(FreePort.Get(), dataDirectory, memory);
            try
            {
                server.Launch();
                return server;
            }
            catch (SocketException) when (attempt < 3)
            {
                server.Stop();
            }
            catch
            {
                server.Stop();
                dataDirectory?.Dispose();
                throw;
            }
        }
    }

    /// <summary>Disposes the server and starts a new one on the same port and directory (recovering from the AOF if persistent).</summary>
    public void Restart()
    {
        Stop();
        Launch();
    }

    public void Dispose()
    {
        Stop();
        _dataDirectory?.Dispose();
    }

    private void Launch() => _garnet = EmbeddedGarnet.Start("127.0.0.1", Port, _dataDirectory?.Path, _memory);

    private void Stop()
    {
        _garnet?.Dispose();
        _garnet = null;
    }
}
