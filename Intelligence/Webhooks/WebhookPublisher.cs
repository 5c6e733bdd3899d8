using System.Text.Json;
using Shared.Contracts;
using Shared.Store;
using StackExchange.Redis;

namespace Intelligence.Webhooks;

/// <summary>Hands CRM events to the webhooks that listen to them.</summary>
public interface IWebhookPublisher
{
    /// <summary>
    /// Queues the event for delivery to every webhook listening to its type, in one atomic step, unless
    /// <paramref name="marketing"/> forbids marketing to the player: then it goes to no one and is counted as
    /// suppressed. Returns once the deliveries are durable in the store; they are sent in the background.
    /// </summary>
    Task PublishAsync(WebhookEvent evt, MarketingStatus marketing, CancellationToken ct);
}

internal sealed partial class WebhookPublisher(
    WebhookSubscriptions subscriptions,
    WebhookOutbox outbox,
    WebhookMetrics metrics,
    TimeProvider clock,
    ILogger<WebhookPublisher> logger) : IWebhookPublisher
{
    public async Task PublishAsync(WebhookEvent evt, MarketingStatus marketing, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(evt);
        ArgumentNullException.ThrowIfNull(marketing);
        if (!WebhookEventTypes.IsKnown(evt.Type))
        {
            throw new ArgumentException($"'{evt.Type}' is not a webhook event type (one of {string.Join(", ", WebhookEventTypes.All)})", nameof(evt));
        }
        var operational = WebhookEventTypes.IsOperational(evt.Type);
        if (!operational) ArgumentException.ThrowIfNullOrWhiteSpace(evt.PlayerId, nameof(evt));
        ct.ThrowIfCancellationRequested();

        // A marketing trigger never carries a player who may not be marketed to to a CRM (care events, affiliate postbacks
        // and operations alerts are no triggers).
        if (WebhookEventTypes.IsMarketing(evt.Type) && !marketing.Allowed)
        {
            var reason = PlayerMarketing.Reason(marketing);
            metrics.Suppressed(evt.Type, reason, PlayerMarketing.AtPublish);
            LogSuppressed(logger, evt.Type, evt.PlayerId, reason);
            return;
        }

        var listening = (await subscriptions.ListAsync()).Where(s => s.Events.Contains(evt.Type, StringComparer.Ordinal)).ToList();
        if (listening.Count == 0) return;

        var now = clock.GetUtcNow();
        var eventId = evt.Id ?? "evt_" + Guid.CreateVersion7(now).ToString("n");
        var body = JsonSerializer.Serialize(
            new WebhookBody(eventId, evt.Type, evt.PlayerId, evt.OccurredAt.ToUniversalTime(), evt.Data),
            WebhookJsonContext.Default.WebhookBody);
        var deliveries = listening
            .Select(s => new WebhookDelivery($"{eventId}.{s.Id}", s.Id, eventId, evt.Type, evt.PlayerId, body, now))
            .ToList();
        var queued = await outbox.EnqueueAsync(deliveries);
        metrics.Enqueued(evt.Type, queued);
        LogQueued(logger, evt.Type, evt.PlayerId, eventId, queued);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Webhook event {Type} of {PlayerId} suppressed: {Reason}")]
    private static partial void LogSuppressed(ILogger logger, string type, string playerId, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Webhook event {Type} of {PlayerId} ({EventId}) queued for {Count} webhooks")]
    private static partial void LogQueued(ILogger logger, string type, string playerId, string eventId, int count);
}

/// <summary>
/// Whether a player may be marketed to now, read from the profile itself. Deliveries are checked again just before
/// they are sent, since retries and replays can come hours or days after the event, and a player may have
/// self-excluded, withdrawn consent or been erased meanwhile. No profile means no marketing.
/// </summary>
internal sealed class PlayerMarketing(IConnectionMultiplexer redis, StoreKeys keys, TimeProvider clock)
{
    public const string UnknownPlayer = "unknown_player";
    public const string AtPublish = "publish";
    public const string AtDelivery = "delivery";

    public async Task<MarketingStatus> NowAsync(string playerId)
    {
        // Only the profile hash holds consents and restrictions; day buckets and games are not needed.
        var profile = await redis.GetDatabase().HashGetAllAsync(keys.Profile(playerId));
        var now = clock.GetUtcNow();
        return ProfileReader.Decode(playerId, profile, [], [], _ => null, now) is { } p
            ? MarketingPolicy.Evaluate(p, now)
            : new MarketingStatus(false, [UnknownPlayer], []);
    }

    /// <summary>The reason a metric is tagged with: the first, as the policy lists responsible-gambling ones before consent.</summary>
    public static string Reason(MarketingStatus status) => status.Reasons.Count > 0 ? status.Reasons[0] : "not_allowed";
}
