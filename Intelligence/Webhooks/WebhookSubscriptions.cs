using System.Text.Json;
using Shared.Store;
using StackExchange.Redis;

namespace Intelligence.Webhooks;

/// <summary>
/// Registered webhooks: one hash of webhook id to its JSON. A CRM registers a handful, so the publisher reads them all
/// and filters by event type; no per-type index to keep in step. Secrets are kept sealed (<see cref="WebhookSecrets"/>).
/// </summary>
internal sealed class WebhookSubscriptions(IConnectionMultiplexer redis, StoreKeys keys, WebhookSecrets secrets)
{
    public async Task AddAsync(WebhookSubscription subscription) =>
        await redis.GetDatabase().HashSetAsync(keys.Webhooks, subscription.Id,
            JsonSerializer.Serialize(subscription with { Secret = secrets.Seal(subscription.Secret) }, WebhookJsonContext.Default.WebhookSubscription));

    public async Task<WebhookSubscription?> GetAsync(string id)
    {
        var json = await redis.GetDatabase().HashGetAsync(keys.Webhooks, id);
        return json.IsNull ? null : Decode(json);
    }

    /// <summary>Every webhook, oldest first.</summary>
    public async Task<IReadOnlyList<WebhookSubscription>> ListAsync()
    {
        var entries = await redis.GetDatabase().HashGetAllAsync(keys.Webhooks);
        return entries.Select(e => Decode(e.Value)).OrderBy(s => s.CreatedAt).ThenBy(s => s.Id, StringComparer.Ordinal).ToList();
    }

    /// <summary>The webhooks of these ids that still exist, by id.</summary>
    public async Task<IReadOnlyDictionary<string, WebhookSubscription>> GetManyAsync(IReadOnlyCollection<string> ids)
    {
        if (ids.Count == 0) return new Dictionary<string, WebhookSubscription>(StringComparer.Ordinal);
        var values = await redis.GetDatabase().HashGetAsync(keys.Webhooks, ids.Select(i => (RedisValue)i).ToArray());
        return values.Where(v => !v.IsNull).Select(Decode).ToDictionary(s => s.Id, StringComparer.Ordinal);
    }

    /// <summary>True if it was there. Its pending deliveries are dropped when they next come due.</summary>
    public async Task<bool> RemoveAsync(string id) => await redis.GetDatabase().HashDeleteAsync(keys.Webhooks, id);

    private WebhookSubscription Decode(RedisValue json)
    {
        var stored = JsonSerializer.Deserialize((string)json!, WebhookJsonContext.Default.WebhookSubscription)!;
        return stored with { Secret = secrets.Open(stored.Secret) };
    }
}
