using Shared.ServiceDefaults;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Intelligence.Webhooks;

/// <summary>
/// Drains the webhook outbox: claims the deliveries that are due (leased, so several instances can share one store),
/// checks the player may still be marketed to, POSTs each signed body, and on failure schedules a retry with
/// exponential back-off and jitter, or after the last attempt moves the delivery to the dead letters.
/// All state is in the store, so a restart picks up where it left off.
/// </summary>
internal sealed partial class WebhookDeliveryWorker(
    WebhookOutbox outbox,
    WebhookSubscriptions subscriptions,
    PlayerMarketing marketing,
    IHttpClientFactory httpClients,
    WebhookMetrics metrics,
    IOptions<WebhookOptions> options,
    TimeProvider clock,
    ILogger<WebhookDeliveryWorker> logger) : SupervisedService(logger, clock)
{
    public const string HttpClientName = "webhooks";
    public const string WebhookIdHeader = "X-Webhook-Id";
    public const string EventHeader = "X-Webhook-Event";
    private const int ErrorBodyChars = 200;

    protected override async Task RunAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        while (!stoppingToken.IsCancellationRequested)
        {
            var claimed = 0;
            try
            {
                claimed = await RunOnceAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is RedisConnectionException or RedisTimeoutException or TimeoutException)
            {
                // The store is away: claimed deliveries stay leased and come back after the lease.
                LogStoreUnavailable(logger, e);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // One bad round must not stop the worker (and with it the host).
                LogRoundFailed(logger, e);
            }
            if (claimed < o.BatchSize)
            {
                try
                {
                    await Task.Delay(o.PollInterval, Clock, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>One round: claims a batch, delivers it, samples the gauges. Returns how many deliveries were claimed.</summary>
    internal async Task<int> RunOnceAsync(CancellationToken ct)
    {
        var o = options.Value;
        var claimed = await outbox.ClaimDueAsync(o.BatchSize);
        if (claimed.Count > 0)
        {
            var hooks = await subscriptions.GetManyAsync(claimed.Select(c => c.Delivery.WebhookId).Distinct(StringComparer.Ordinal).ToList());
            try
            {
                await Parallel.ForEachAsync(claimed, new ParallelOptions { MaxDegreeOfParallelism = o.Parallelism, CancellationToken = ct },
                    async (c, token) =>
                    {
                        try
                        {
                            await DeliverAsync(c, hooks.GetValueOrDefault(c.Delivery.WebhookId), token);
                        }
                        catch (Exception e) when (e is not OperationCanceledException)
                        {
                            // The others in the batch go on; this one stays leased and is tried again after the lease.
                            LogDeliveryFailed(logger, c.Delivery.Id, e);
                        }
                    });
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // Shutting down: hand back what was not finished, rather than leaving it leased until the lease ends.
                await ReleaseAsync(claimed);
                throw;
            }
        }
        var (depth, dead) = await outbox.CountAsync();
        metrics.Sampled(depth, dead);
        return claimed.Count;
    }

    private async Task DeliverAsync(ClaimedDelivery claimed, WebhookSubscription? hook, CancellationToken ct)
    {
        var d = claimed.Delivery;
        if (hook is null)
        {
            if (await outbox.DropAsync(claimed)) metrics.Dropped(d.Type);
            LogDropped(logger, d.Id, d.WebhookId);
            return;
        }
        var status = WebhookEventTypes.IsMarketing(d.Type) || WebhookEventTypes.IsCare(d.Type) ? await marketing.NowAsync(d.PlayerId) : null;
        // A care event still needs the player to exist (an erased player's events go nowhere).
        if (status is { Allowed: false } && (!WebhookEventTypes.IsCare(d.Type) || status.Reasons.Contains(PlayerMarketing.UnknownPlayer)))
        {
            var reason = PlayerMarketing.Reason(status);
            if (await outbox.DropAsync(claimed)) metrics.Suppressed(d.Type, reason, PlayerMarketing.AtDelivery);
            LogSuppressed(logger, d.Id, d.PlayerId, reason);
            return;
        }

        var attempt = await PostAsync(hook, d, ct);
        var now = Clock.GetUtcNow();
        if (attempt.Delivered)
        {
            await outbox.CompleteAsync(claimed);
            metrics.Delivered(d.Type);
            return;
        }
        metrics.Failed(d.Type, attempt.Status?.ToString(CultureInfo.InvariantCulture) ?? attempt.Kind);
        var o = options.Value;
        var updated = d with { Attempts = d.Attempts + 1, LastAttemptAt = now, LastStatus = attempt.Status, LastError = attempt.Error };
        if (updated.Attempts >= o.MaxAttempts)
        {
            if (await outbox.DeadLetterAsync(claimed, updated with { DeadLetteredAt = now })) metrics.DeadLettered(d.Type);
            LogDeadLettered(logger, d.Id, hook.Id, updated.Attempts, attempt.Error);
            return;
        }
        var delay = Backoff(updated.Attempts, o, Random.Shared.NextDouble());
        await outbox.RetryAsync(claimed, updated, now + delay);
        LogRetrying(logger, d.Id, hook.Id, updated.Attempts, delay, attempt.Error);
    }

    private async Task<Attempt> PostAsync(WebhookSubscription hook, WebhookDelivery d, CancellationToken ct)
    {
        var o = options.Value;
        var body = Encoding.UTF8.GetBytes(d.Body);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(hook.Url, UriKind.Absolute))
        {
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.Add(WebhookSignature.Header, WebhookSignature.Sign(body, hook.Secret));
        request.Headers.Add(WebhookSignature.TimestampedHeader, WebhookSignature.SignTimestamped(body, hook.Secret, Clock.GetUtcNow()));
        request.Headers.Add(WebhookIdHeader, hook.Id);
        request.Headers.Add(EventHeader, d.Type);

        using var timeout = new CancellationTokenSource(o.Timeout, Clock);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
        try
        {
            using var response = await httpClients.CreateClient(HttpClientName)
                .SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token);
            var code = (int)response.StatusCode;
            if (response.IsSuccessStatusCode) return new Attempt(true, code, "delivered", null);
            var text = await ErrorTextAsync(response, linked.Token);
            return new Attempt(false, code, "http", $"HTTP {code} {response.ReasonPhrase}{(text.Length > 0 ? ": " + text : "")}");
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return new Attempt(false, null, "timeout", $"no response within {o.Timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s");
        }
        catch (HttpRequestException e)
        {
            return new Attempt(false, null, "error", e.Message);
        }
    }

    /// <summary>The start of an error response's body, on one line, for the dead letter; empty if it cannot be read.</summary>
    private static async Task<string> ErrorTextAsync(HttpResponseMessage response, CancellationToken ct)
    {
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(ct);
            var buffer = new byte[ErrorBodyChars * 2];
            var read = await stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, ct);
            var text = Encoding.UTF8.GetString(buffer, 0, read).ReplaceLineEndings(" ").Trim();
            return text.Length > ErrorBodyChars ? text[..ErrorBodyChars] + "…" : text;
        }
        catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException)
        {
            return "";
        }
    }

    /// <summary>
    /// Wait after the <paramref name="failedAttempts"/>-th failure: <see cref="WebhookOptions.InitialDelay"/> doubled
    /// for each earlier failure, capped at <see cref="WebhookOptions.MaxDelay"/>; the upper half of it is random
    /// (<paramref name="random"/> in [0, 1)) so many deliveries failing together do not all come back together.
    /// </summary>
    internal static TimeSpan Backoff(int failedAttempts, WebhookOptions o, double random)
    {
        var exponential = o.InitialDelay.TotalMilliseconds * Math.Pow(2, Math.Clamp(failedAttempts - 1, 0, 60));
        var capped = Math.Min(exponential, o.MaxDelay.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(capped / 2 * (1 + random));
    }

    private async Task ReleaseAsync(IReadOnlyList<ClaimedDelivery> claimed)
    {
        try
        {
            foreach (var c in claimed) await outbox.ReleaseAsync(c);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            // The lease ends on its own.
        }
    }

    private readonly record struct Attempt(bool Delivered, int? Status, string Kind, string? Error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook delivery {DeliveryId} to webhook {WebhookId} failed (attempt {Attempts}); retrying in {Delay}: {Error}")]
    private static partial void LogRetrying(ILogger logger, string deliveryId, string webhookId, int attempts, TimeSpan delay, string? error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Webhook delivery {DeliveryId} to webhook {WebhookId} failed {Attempts} times; moved to the dead letters: {Error}")]
    private static partial void LogDeadLettered(ILogger logger, string deliveryId, string webhookId, int attempts, string? error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Webhook delivery {DeliveryId} dropped: webhook {WebhookId} was deleted")]
    private static partial void LogDropped(ILogger logger, string deliveryId, string webhookId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Webhook delivery {DeliveryId} suppressed: player {PlayerId} may no longer be marketed to ({Reason})")]
    private static partial void LogSuppressed(ILogger logger, string deliveryId, string playerId, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Webhook delivery {DeliveryId} could not be processed; it is tried again after its lease")]
    private static partial void LogDeliveryFailed(ILogger logger, string deliveryId, Exception e);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook deliveries paused: the store does not answer")]
    private static partial void LogStoreUnavailable(ILogger logger, Exception e);

    [LoggerMessage(Level = LogLevel.Error, Message = "Webhook delivery round failed")]
    private static partial void LogRoundFailed(ILogger logger, Exception e);
}
