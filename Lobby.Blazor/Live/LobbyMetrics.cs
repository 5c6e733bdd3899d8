using System.Diagnostics.Metrics;

namespace Lobby.Live;

public sealed class LobbyMetrics
{
    public const string MeterName = "Casino.Lobby";

    private readonly Counter<long> _updates;
    private readonly Counter<long> _failures;
    private readonly Histogram<double> _rebuild;
    private readonly UpDownCounter<long> _hubConnections;
    private readonly Counter<long> _connectRowsFailures;
    private readonly Counter<long> _feedInterruptions;

    public LobbyMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _updates = meter.CreateCounter<long>("lobby.updates", description: "Lobby updates pushed to players after their profile changed");
        _failures = meter.CreateCounter<long>("lobby.update.failures", description: "Rebuilds of a player's rows that failed");
        _rebuild = meter.CreateHistogram<double>("lobby.rebuild.duration", unit: "ms", description: "Time to rebuild one player's rows");
        _hubConnections = meter.CreateUpDownCounter<long>("lobby.hub.connections", description: "Open connections to /hubs/lobby on this instance");
        _connectRowsFailures = meter.CreateCounter<long>("lobby.hub.connect.failures",
            description: "Hub connections whose rows could not be loaded on connect (they stay open and get the next update)");
        _feedInterruptions = meter.CreateCounter<long>("lobby.feed.interruptions",
            description: "Times the store connection the lobby feed listens on was lost (changes made meanwhile are not pushed; the next one is)");
    }

    public void Pushed(double rebuildMilliseconds)
    {
        _updates.Add(1);
        _rebuild.Record(rebuildMilliseconds);
    }

    public void Failed() => _failures.Add(1);

    public void HubConnected() => _hubConnections.Add(1);

    public void HubDisconnected() => _hubConnections.Add(-1);

    public void ConnectRowsFailed() => _connectRowsFailures.Add(1);

    public void FeedInterrupted() => _feedInterruptions.Add(1);
}
