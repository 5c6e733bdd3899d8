using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using RabbitMQ.Client;
using TestSupport;

namespace Ingestion.Benchmarks;

/// <summary>
/// The RabbitMQ path: a day of live traffic (<see cref="EventMix"/>) published to a queue of a private broker
/// (rabbitmq-server, started here) in NDJSON messages of the batch size, consumed by a second Ingestion process with the
/// consumer on. Events/s from the first publish until Ingestion's own <c>ingestion.events</c> and
/// <c>ingestion.rejected</c> counters (its /metrics) have counted every event.
/// </summary>
internal static partial class RabbitMqFigures
{
    public static async Task<string> MeasureAsync(string redis, IReadOnlyDictionary<string, string> settings, byte[][] warm, byte[][] measured,
        int batch, int consumers, int prefetch, CancellationToken ct)
    {
        await using var broker = new RabbitMqServer();
        await broker.InitializeAsync();
        const string queue = "ingestion-benchmark";
        await using var connection = await broker.ConnectAsync(ct);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: ct);
        await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, cancellationToken: ct);

        var all = new Dictionary<string, string>(settings)
        {
            ["Store__KeyPrefix"] = "rmq:",
            ["RabbitMq__Enabled"] = "true",
            ["RabbitMq__Uri"] = broker.Uri.ToString(),
            ["RabbitMq__Queue"] = queue,
            ["RabbitMq__Consumers"] = consumers.ToString(CultureInfo.InvariantCulture),
            ["RabbitMq__Prefetch"] = prefetch.ToString(CultureInfo.InvariantCulture),
        };
        using var ingestion = await ServiceProcess.StartIngestionAsync(redis, Convert.ToHexString(Guid.NewGuid().ToByteArray()), all, ct);
        using var http = new HttpClient { BaseAddress = ingestion.Address };

        await PublishAsync(channel, queue, warm, ct);
        await CountedAsync(http, (long)warm.Length * batch, ct);
        var cpu0 = Cpu(ingestion.Process);
        var clock = Stopwatch.StartNew();
        await PublishAsync(channel, queue, measured, ct);
        var published = clock.Elapsed;
        await CountedAsync(http, (long)(warm.Length + measured.Length) * batch, ct);
        var seconds = clock.Elapsed.TotalSeconds;
        var cpu = Cpu(ingestion.Process) - cpu0;
        var sent = (long)measured.Length * batch;

        Console.WriteLine();
        Console.WriteLine($"rabbitmq: a day of live traffic through a queue ({consumers} consumer(s), prefetch {prefetch}, {batch:N0} events a message)");
        Console.WriteLine($"events/s                 {sent / seconds:N0} ({sent:N0} events folded in {seconds:N2} s; all published after {published.TotalSeconds:N2} s)");
        Console.WriteLine($"cpu per event            Ingestion {cpu.TotalMicroseconds / sent:N1} µs");
        return string.Create(CultureInfo.InvariantCulture, $"{"rabbitmq",-16} {sent / seconds,8:N0} events/s");
    }

    private static async Task PublishAsync(IChannel channel, string queue, byte[][] messages, CancellationToken ct)
    {
        var properties = new BasicProperties { ContentType = "application/x-ndjson", Persistent = true };
        foreach (var body in messages) await channel.BasicPublishAsync("", queue, mandatory: false, properties, body, ct);
    }

    /// <summary>Waits until Ingestion's counters have seen <paramref name="events"/> events (folded, duplicates or rejected).</summary>
    private static async Task CountedAsync(HttpClient http, long events, CancellationToken ct)
    {
        var limit = Stopwatch.StartNew();
        while (true)
        {
            var text = await TestSupport.ServiceProcess.ScrapeMetricsAsync(http, ct);
            var counted = Counter().Matches(text).Sum(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
            if (counted >= events) return;
            if (limit.Elapsed > TimeSpan.FromMinutes(30)) throw new TimeoutException($"Ingestion counted {counted:N0} of {events:N0} events in 30 minutes");
            await Task.Delay(20, ct);
        }
    }

    private static TimeSpan Cpu(Process p)
    {
        p.Refresh();
        return p.TotalProcessorTime;
    }

    [GeneratedRegex(@"^ingestion_(?:events|rejected)_total(?:\{[^}]*\})? ([0-9.e+]+)", RegexOptions.Multiline)]
    private static partial Regex Counter();
}
