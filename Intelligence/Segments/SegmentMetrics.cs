using System.Diagnostics.Metrics;

namespace Intelligence.Segments;

public sealed class SegmentMetrics : IDisposable
{
    public const string MeterName = "Casino.Segments";
    private readonly Meter _meter = new(MeterName);
    private readonly Counter<long> _changes;
    private readonly Histogram<double> _preview;
    private readonly Histogram<double> _load;
    private readonly Histogram<double> _evaluation;
    private long _players;
    private Func<long> _pending = () => 0;

    public SegmentMetrics()
    {
        _changes = _meter.CreateCounter<long>("segments.membership.changes", description: "Players entering or leaving segments, by direction and path (live: a rescored player; bulk: a segment evaluated over every player)");
        _preview = _meter.CreateHistogram<double>("segments.preview.duration", unit: "ms", description: "Evaluating a previewed rule over the player index");
        _evaluation = _meter.CreateHistogram<double>("segments.evaluation.duration", unit: "ms", description: "Evaluating a segment over every player and storing the membership changes");
        _load = _meter.CreateHistogram<double>("segments.index.load.duration", unit: "s", description: "Loading every player into the segment index");
        _meter.CreateObservableGauge("segments.index.players", () => Interlocked.Read(ref _players), description: "Players in this instance's segment index");
        _meter.CreateObservableGauge("segments.announcements.pending", () => _pending(), description: "Membership changes of bulk evaluations not yet announced (webhooks, lobby) or written into stored scores");
    }

    public void Changed(int entered, int exited, string path)
    {
        if (entered > 0) _changes.Add(entered, new("direction", "entered"), new("path", path));
        if (exited > 0) _changes.Add(exited, new("direction", "exited"), new("path", path));
    }

    public void Previewed(double ms) => _preview.Record(ms);

    public void Evaluated(double ms) => _evaluation.Record(ms);

    public void IndexLoaded(TimeSpan elapsed, long players)
    {
        _load.Record(elapsed.TotalSeconds);
        Interlocked.Exchange(ref _players, players);
    }

    /// <summary>Where the pending-announcements gauge reads from.</summary>
    public void Announcements(Func<long> pending) => _pending = pending;

    public void IndexSize(long players) => Interlocked.Exchange(ref _players, players);

    public void Dispose() => _meter.Dispose();
}
