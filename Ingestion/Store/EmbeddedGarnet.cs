using Garnet;
using Microsoft.Extensions.Logging;

namespace Ingestion.Store;

/// <summary>
/// An in-process Garnet server with Lua on and, when a data directory is given, an append-only file
/// committed on every write plus recovery at start, so acknowledged events survive a restart.
/// </summary>
public sealed class EmbeddedGarnet : IDisposable
{
    private readonly GarnetServer _server;

    private EmbeddedGarnet(GarnetServer server, string endpoint)
    {
        _server = server;
        Endpoint = endpoint;
    }

    /// <summary><c>host:port</c>, usable as a StackExchange.Redis connection string.</summary>
    public string Endpoint { get; }

    public static EmbeddedGarnet Start(string bind, int port, string? dataDirectory, string memory = "1g", ILoggerFactory? loggerFactory = null)
    {
        List<string> args =
        [
            "--bind", bind, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--memory", memory,
            "--lua", "true",
            // Scripts are our unit of atomicity: each runs as a transaction, as on Redis.
            "--lua-transaction-mode", "true",
            "--logger-level", "Warning",
        ];
        if (!string.IsNullOrWhiteSpace(dataDirectory))
        {
            var dir = Path.GetFullPath(dataDirectory);
            Directory.CreateDirectory(dir);
            args.AddRange([
                "--checkpointdir", dir,
                // The managed device: the native one needs libaio/liburing, which a bare machine lacks.
                "--device-type", "RandomAccess",
                "--aof", "true",
                // 0 = commit the AOF on every operation (the Redis appendfsync-always analogue).
                "--aof-commit-freq", "0",
                "--recover", "true",
                // Checkpoint every five minutes so the AOF does not grow without bound.
                "--checkpoint-freq", "300",
            ]);
        }
        var server = new GarnetServer([.. args], loggerFactory);
        server.Start();
        return new EmbeddedGarnet(server, $"{bind}:{port}");
    }

    public void Dispose() => _server.Dispose();
}
