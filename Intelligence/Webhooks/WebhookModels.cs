using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Intelligence.Webhooks;

/// <summary>Body of <c>POST /v1/webhooks</c>. Nullable so that a missing field is reported by name, not as a binding error.</summary>
public sealed record CreateWebhookRequest(string? Url, IReadOnlyList<string>? Events, string? Secret);

/// <summary>A registered webhook as the API shows it: never with its secret.</summary>
public sealed record Webhook(string Id, string Url, IReadOnlyList<string> Events, DateTimeOffset CreatedAt);

public sealed record WebhookList(IReadOnlyList<Webhook> Items);

/// <summary>A delivery that ran out of attempts, with what went wrong the last time.</summary>
/// <param name="Id">The delivery: one event to one webhook.</param>
/// <param name="LastStatus">The receiver's last HTTP status, or null when it gave none (timeout, refused connection).</param>
public sealed record WebhookDeadLetter(
    string Id, string WebhookId, string EventId, string Type, string PlayerId, int Attempts,
    int? LastStatus, string? LastError, DateTimeOffset CreatedAt, DateTimeOffset? LastAttemptAt, DateTimeOffset? DeadLetteredAt);

/// <summary>How many dead letters there are in all, and some of them, newest first.</summary>
public sealed record WebhookDeadLetterPage(long Total, IReadOnlyList<WebhookDeadLetter> Items);

/// <summary>Body of <c>POST /v1/webhooks/deadletters/replay</c>; without ids (or without a body) every dead letter is replayed.</summary>
public sealed record ReplayWebhookDeadLettersRequest(IReadOnlyList<string>? Ids, string? WebhookId);

/// <param name="Requeued">Dead letters put back in the outbox with a fresh set of attempts.</param>
/// <param name="Discarded">Dead letters of webhooks deleted since: there is nowhere to deliver them.</param>
/// <param name="NotFound">Requested ids that are not dead letters (delivered, replayed already, or unknown).</param>
public sealed record WebhookReplayResult(int Requeued, int Discarded, IReadOnlyList<string> NotFound);

/// <summary>A webhook as stored, with the secret its deliveries are signed with.</summary>
internal sealed record WebhookSubscription(string Id, string Url, IReadOnlyList<string> Events, string Secret, DateTimeOffset CreatedAt)
{
    public Webhook ToWebhook() => new(Id, Url, Events, CreatedAt);
}

/// <summary>
/// One event on its way to one webhook. <see cref="Body"/> is the exact JSON posted (and signed), fixed at publication,
/// so every attempt and replay sends the same bytes.
/// </summary>
internal sealed record WebhookDelivery(
    string Id, string WebhookId, string EventId, string Type, string PlayerId, string Body, DateTimeOffset CreatedAt,
    int Attempts = 0, DateTimeOffset? LastAttemptAt = null, int? LastStatus = null, string? LastError = null,
    DateTimeOffset? DeadLetteredAt = null)
{
    public WebhookDeadLetter ToDeadLetter() =>
        new(Id, WebhookId, EventId, Type, PlayerId, Attempts, LastStatus, LastError, CreatedAt, LastAttemptAt, DeadLetteredAt);
}

/// <summary>What a receiver gets.</summary>
internal sealed record WebhookBody(string Id, string Type, string PlayerId, DateTimeOffset OccurredAt, JsonObject Data);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(CreateWebhookRequest))]
[JsonSerializable(typeof(Webhook))]
[JsonSerializable(typeof(WebhookList))]
[JsonSerializable(typeof(WebhookDeadLetterPage))]
[JsonSerializable(typeof(ReplayWebhookDeadLettersRequest))]
[JsonSerializable(typeof(WebhookReplayResult))]
[JsonSerializable(typeof(WebhookSubscription))]
[JsonSerializable(typeof(WebhookDelivery))]
[JsonSerializable(typeof(WebhookBody))]
internal sealed partial class WebhookJsonContext : JsonSerializerContext;
