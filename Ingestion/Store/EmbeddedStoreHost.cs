using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Ingestion.Store;

/// <summary>Runs the embedded Garnet server for the life of the Ingestion process.</summary>
public sealed class EmbeddedStoreHost(IOptions<EmbeddedStoreOptions> options, ILogger<EmbeddedStoreHost> logger)
    : IHostedLifecycleService, IDisposable
{
    private EmbeddedGarnet? _garnet;
    private ILoggerFactory? _storeLogs;

    // Starting before every other hosted service means the store is up before anything connects to it.
    public Task StartingAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        // Garnet is chatty at Information; its warnings and errors are what an operator needs.
        _storeLogs = LoggerFactory.Create(b => b.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning));
        _garnet = EmbeddedGarnet.Start(o.Bind, o.Port, o.DataDirectory, o.Memory, _storeLogs);
        logger.LogInformation("Embedded Garnet store listening on {Endpoint}, data in {DataDirectory}", _garnet.Endpoint,
            string.IsNullOrWhiteSpace(o.DataDirectory) ? "memory only" : Path.GetFullPath(o.DataDirectory));
        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _garnet?.Dispose();
        _garnet = null;
        _storeLogs?.Dispose();
        _storeLogs = null;
    }
}
