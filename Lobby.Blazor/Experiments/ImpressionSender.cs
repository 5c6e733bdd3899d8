using System.Diagnostics.Metrics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Lobby.Upstream;
using Microsoft.Extensions.Options;
using Shared.Contracts;
using Shared.ServiceDefaults;

namespace Lobby.Experiments;

/// <summary>Section <c>Lobby:Impressions</c>: how the lobby reports what it showed and what was launched from it.</summary>
public sealed class ImpressionOptions
{
    public const string Section = "Lobby:Impressions";

    /// <summary>Off: nothing is recorded (an operator whose own front end sends the events).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Events held in memory waiting to be sent; when full, new ones are dropped (counted), never waited for.</summary>
    [System.ComponentModel.DataAnnotations.Range(100, 1_000_000)] public int Capacity { get; set; } = 20_000;

    /// <summary>Events per request to Ingestion.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 10_000)] public int BatchSize { get; set; } = 500;

    /// <summary>How long an event may wait for a batch to fill.</summary>
    public TimeSpan FlushAfter { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The CloudEvents <c>source</c> of the lobby's events.</summary>
    public string Source { get; set; } = "/lobby";
}

/// <summary>
/// The lobby's <c>lobby.impression</c> and <c>lobby.launch</c> events on their way to Ingestion: a page only puts them on
/// a bounded in-memory queue (never waiting: a full queue drops and counts), and a background sender posts them as NDJSON
/// batches with the lobby's Ingestion key, retrying a failed batch a few times (Ingestion counts an event id once, so a
/// retry never counts twice).
/// </summary>
public sealed class ImpressionSender : SupervisedService
{
    private readonly Channel<CloudEvent> _queue;
    private readonly IHttpClientFactory _factory;
    private readonly IOptions<ImpressionOptions> _options;
    private readonly TimeProvider _clock;
    private readonly ILogger<ImpressionSender> _logger;
    private readonly Counter<long> _sent;
    private readonly Counter<long> _dropped;

    public ImpressionSender(IHttpClientFactory factory, IOptions<ImpressionOptions> options, TimeProvider clock, IMeterFactory meters, ILogger<ImpressionSender> logger)
        : base(logger, clock)
    {
        _factory = factory;
        _options = options;
        _clock = clock;
        _logger = logger;
        _queue = Channel.CreateBounded<CloudEvent>(new BoundedChannelOptions(options.Value.Capacity) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
        var meter = meters.Create(Live.LobbyMetrics.MeterName);
        _sent = meter.CreateCounter<long>("lobby.impressions.sent", description: "lobby.impression and lobby.launch events Ingestion accepted");
        _dropped = meter.CreateCounter<long>("lobby.impressions.dropped", description: "lobby events dropped: queue full, or Ingestion refused them after retries");
    }

    public bool Enabled => _options.Value.Enabled;

    public string Source => _options.Value.Source;

    /// <summary>Queues an event; returns at once whatever happens to it.</summary>
    public void Enqueue(CloudEvent e)
    {
        if (!Enabled) return;
        if (!_queue.Writer.TryWrite(e)) _dropped.Add(1);
    }

    /// <summary>Events waiting to be sent.</summary>
    public int Waiting => _queue.Reader.Count;

    protected override async Task RunAsync(CancellationToken stoppingToken)
    {
        var o = _options.Value;
        var batch = new List<CloudEvent>(o.BatchSize);
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stoppingToken))
            {
                // Gather for up to FlushAfter or until the batch is full, then send.
                using var window = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                window.CancelAfter(o.FlushAfter);
                try
                {
                    while (batch.Count < o.BatchSize)
                    {
                        if (_queue.Reader.TryRead(out var e)) batch.Add(e);
                        else if (!await _queue.Reader.WaitToReadAsync(window.Token)) break;
                    }
                }
                catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
                {
                }
                await SendAsync(batch, stoppingToken);
                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Posts one batch, retrying twice on failure; what still fails is dropped and counted.</summary>
    internal async Task SendAsync(IReadOnlyList<CloudEvent> batch, CancellationToken ct)
    {
        if (batch.Count == 0) return;
        var body = new StringBuilder();
        foreach (var e in batch) body.Append(JsonSerializer.Serialize(e, ContractsJsonContext.Default.CloudEvent)).Append('\n');
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var http = _factory.CreateClient(ServiceCalls.Ingestion);
                using var content = new StringContent(body.ToString(), Encoding.UTF8, "application/x-ndjson");
                content.Headers.ContentType!.CharSet = null;
                using var response = await http.PostAsync("v1/events", content, ct);
                var result = response.IsSuccessStatusCode || (int)response.StatusCode == 422
                    ? await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.IngestResult, ct) : null;
                if (result is null) throw new HttpRequestException($"Ingestion answered {(int)response.StatusCode}");
                _sent.Add(result.Accepted + result.Duplicates);
                if (result.Rejected.Count > 0)
                {
                    _dropped.Add(result.Rejected.Count);
                    _logger.LogWarning("Ingestion rejected {Count} lobby events, e.g. {Error}", result.Rejected.Count, result.Rejected[0].Error);
                }
                return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException && !ct.IsCancellationRequested)
            {
                if (attempt >= 3)
                {
                    _dropped.Add(batch.Count);
                    _logger.LogWarning(e, "Dropped {Count} lobby events: Ingestion could not take them", batch.Count);
                    return;
                }
                await Task.Delay(TimeSpan.FromSeconds(attempt), _clock, ct);
            }
        }
    }
}
