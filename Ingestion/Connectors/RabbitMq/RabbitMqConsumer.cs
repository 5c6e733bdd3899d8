using System.Text;
using System.Text.Json;
using Ingestion.Adapters.FastTrack;
using Ingestion.DeadLetters;
using Ingestion.Events;
using Ingestion.Profiles;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using Shared.ServiceDefaults;
using StackExchange.Redis;

namespace Ingestion.Connectors.RabbitMq;

/// <summary>What became of one message.</summary>
public enum RabbitMqOutcome
{
    /// <summary>Folded (its events accepted, duplicates or, one by one, dead-lettered) and acknowledged.</summary>
    Folded,
    /// <summary>Unusable as a whole: put on the dead-letter list with the reason, then acknowledged.</summary>
    DeadLettered,
    /// <summary>The store did not confirm it: handed back to the broker (nack, requeue) to come again.</summary>
    Requeued,
}

/// <summary>
/// Consumes an operator's queue (section <c>RabbitMq</c>). A message is canonical (one CloudEvent in JSON structured
/// mode, a JSON array of them, or NDJSON), or Fast Track-shaped when its <c>type</c> property names a Fast Track message
/// (<see cref="FastTrackAdapter.QueueTypes"/>, as Fast Track's own RabbitMQ connector takes them). A message is acknowledged
/// only after its events are folded, so one in flight when the process dies is delivered again and, as a duplicate,
/// counts once. What cannot be applied goes to the dead-letter list with the reason (feed <c>rabbitmq</c>, or
/// <c>fasttrack</c> for Fast Track's messages, refused as the HTTP feed refuses them) and is acknowledged, so it never
/// blocks the queue. When the store does not confirm, the message is handed back after <see cref="RabbitMqOptions.RetryDelay"/>.
/// </summary>
public sealed partial class RabbitMqConsumer(
    IOptions<RabbitMqOptions> options,
    IOptions<FoldOptions> foldOptions,
    EventIngestor ingestor,
    DeadLetterStore deadLetters,
    FastTrackAdapter fastTrack,
    TimeProvider clock,
    ILogger<RabbitMqConsumer> logger) : SupervisedService(logger, clock)
{
    public const string Feed = "rabbitmq";

    protected override async Task RunAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        if (!o.Enabled) return;
        var factory = new ConnectionFactory
        {
            Uri = new Uri(o.Uri!),
            ClientProvidedName = "ingestion",
            // The client reconnects and re-creates channels and consumers after a network failure on its own.
            AutomaticRecoveryEnabled = true,
            TopologyRecoveryEnabled = true,
        };
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await factory.CreateConnectionAsync(stoppingToken);
                var channels = new List<IChannel>();
                try
                {
                    for (var i = 0; i < o.Consumers; i++) channels.Add(await StartConsumerAsync(connection, o, stoppingToken));
                    LogStarted(logger, o.Queue!, o.Consumers, o.Prefetch);
                    await Task.Delay(Timeout.Infinite, stoppingToken);
                }
                finally
                {
                    foreach (var channel in channels) await channel.DisposeAsync();
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // A broker down at start, refused credentials, a queue that does not exist (404 on consume): say so, and try again.
                LogNotConsuming(logger, e, o.Queue!, e.Message);
                try
                {
                    await Task.Delay(Max(o.RetryDelay, TimeSpan.FromSeconds(1)), Clock, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task<IChannel> StartConsumerAsync(IConnection connection, RabbitMqOptions o, CancellationToken ct)
    {
        var channel = await connection.CreateChannelAsync(cancellationToken: ct);
        await channel.BasicQosAsync(0, (ushort)o.Prefetch, global: false, ct);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            var outcome = await HandleAsync(delivery.BasicProperties.Type, delivery.BasicProperties.ContentType, delivery.Body);
            if (outcome == RabbitMqOutcome.Requeued)
            {
                await Task.Delay(o.RetryDelay, Clock, CancellationToken.None);
                await channel.BasicNackAsync(delivery.DeliveryTag, multiple: false, requeue: true);
            }
            else
            {
                await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false);
            }
        };
        await channel.BasicConsumeAsync(o.Queue!, autoAck: false, consumer, ct);
        return channel;
    }

    /// <summary>Applies one message (its <c>type</c> and <c>content_type</c> properties and its body); never throws for the message or the store.</summary>
    public async Task<RabbitMqOutcome> HandleAsync(string? type, string? contentType, ReadOnlyMemory<byte> body)
    {
        try
        {
            if (!string.IsNullOrEmpty(type))
            {
                var applied = fastTrack.ApplyQueueMessageAsync(type, body);
                if (applied is not null) return (await applied).Refusal is null ? RabbitMqOutcome.Folded : RabbitMqOutcome.DeadLettered;
                return await DeadLetterAsync($"property type: '{Truncate(type)}' is not a message this connector reads (leave it out " +
                    $"for canonical events, or one of Fast Track's {string.Join(", ", FastTrackAdapter.QueueTypes)})", body);
            }
            return await FoldCanonicalAsync(contentType, body);
        }
        catch (Exception e) when (e is RedisException or TimeoutException or StoreNotReplicatedException)
        {
            LogRequeued(logger, e, e.Message);
            return RabbitMqOutcome.Requeued;
        }
    }

    private async Task<RabbitMqOutcome> FoldCanonicalAsync(string? contentType, ReadOnlyMemory<byte> body)
    {
        var docs = new List<JsonDocument>();
        try
        {
            var events = new List<JsonElement>();
            if (contentType?.Split(';')[0].Trim().Equals(EventsApi.NdJson, StringComparison.OrdinalIgnoreCase) == true)
            {
                var lineNumber = 0;
                foreach (var line in Encoding.UTF8.GetString(body.Span).Split('\n'))
                {
                    lineNumber++;
                    if (string.IsNullOrWhiteSpace(line)) continue;
                    if (!TryParse(Encoding.UTF8.GetBytes(line), out var doc, out var error))
                    {
                        return await DeadLetterAsync($"line {lineNumber} is not valid JSON: {error}", body);
                    }
                    docs.Add(doc!);
                    events.Add(doc!.RootElement);
                }
            }
            else
            {
                if (!TryParse(body, out var doc, out var error)) return await DeadLetterAsync($"body: not valid JSON: {error}", body);
                docs.Add(doc!);
                if (doc!.RootElement.ValueKind == JsonValueKind.Array) events.AddRange(doc.RootElement.EnumerateArray());
                else events.Add(doc.RootElement);
            }
            if (events.Count > foldOptions.Value.MaxBatchEvents)
            {
                return await DeadLetterAsync($"body: {events.Count:N0} events, more than the {foldOptions.Value.MaxBatchEvents:N0} a message may carry", body);
            }
            // Each rejected event is dead-lettered on its own, with its reason; the others are applied.
            if (events.Count > 0) await ingestor.IngestFromFeedAsync(Feed, events);
            return RabbitMqOutcome.Folded;
        }
        finally
        {
            foreach (var doc in docs) doc.Dispose();
        }
    }

    private static bool TryParse(ReadOnlyMemory<byte> json, out JsonDocument? doc, out string? error)
    {
        try
        {
            doc = JsonDocument.Parse(json);
            error = null;
            return true;
        }
        catch (JsonException e)
        {
            doc = null;
            error = e.Message;
            return false;
        }
    }

    private async Task<RabbitMqOutcome> DeadLetterAsync(string reason, ReadOnlyMemory<byte> body)
    {
        LogDeadLettered(logger, reason);
        await deadLetters.AddAsync(Feed, reason, Encoding.UTF8.GetString(body.Span));
        return RabbitMqOutcome.DeadLettered;
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static string Truncate(string s) => s.Length <= 64 ? s : s[..64] + "…";

    [LoggerMessage(Level = LogLevel.Information, Message = "Consuming RabbitMQ queue {Queue} with {Consumers} consumer(s), prefetch {Prefetch}")]
    private static partial void LogStarted(ILogger logger, string queue, int consumers, int prefetch);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Not consuming RabbitMQ queue {Queue}, trying again: {Reason}")]
    private static partial void LogNotConsuming(ILogger logger, Exception e, string queue, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "RabbitMQ message dead-lettered: {Reason}")]
    private static partial void LogDeadLettered(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "RabbitMQ message handed back to the broker, the store did not confirm it: {Reason}")]
    private static partial void LogRequeued(ILogger logger, Exception e, string reason);
}
