using StackExchange.Redis;

namespace Shared.Store;

/// <summary>
/// Every key and channel name, built in this one place. All keys of one player carry the player id as
/// their hash tag (<c>{p-1042}</c>), so a player's keys live in one slot and the same Lua runs on Redis Cluster.
/// </summary>
public sealed class StoreKeys(string prefix = "")
{
    public string Prefix { get; } = prefix;

    /// <summary>Profile hash: identity, PAM state, lifetime counters, last-writer-wins stamps.</summary>
    public RedisKey Profile(string playerId) => $"{Prefix}p:{{{playerId}}}";

    /// <summary>Per-day buckets (field = day number since 1970-01-01 UTC), pruned after the retention.</summary>
    public RedisKey Days(string playerId) => $"{Prefix}d:{{{playerId}}}";

    /// <summary>Per-game play: <c>{gameId}:n</c> rounds, <c>:s</c> stake, <c>:t</c> last played (unix s).</summary>
    public RedisKey Games(string playerId) => $"{Prefix}g:{{{playerId}}}";

    /// <summary>Ledger of recent transaction and event ids, for de-duplication and rollbacks.</summary>
    public RedisKey Ledger(string playerId) => $"{Prefix}t:{{{playerId}}}";

    /// <summary>Everything derived from the player elsewhere (scores, memberships) is added here as it appears.</summary>
    public RedisKey Scores(string playerId) => $"{Prefix}s:{{{playerId}}}";

    /// <summary>Every key held about one player, for erasure.</summary>
    public RedisKey[] AllOf(string playerId) =>
        [Profile(playerId), Days(playerId), Games(playerId), Ledger(playerId), Scores(playerId)];

    /// <summary>Set of all known player ids.</summary>
    public RedisKey Players => $"{Prefix}players";

    /// <summary>Game catalogue: hash of game id to the game's JSON.</summary>
    public RedisKey Catalog => $"{Prefix}catalog:games";

    /// <summary>Durable change feed: sorted set of player ids waiting to be rescored, scored by when they changed.</summary>
    public RedisKey RescorePending => $"{Prefix}rescore:pending";

    /// <summary>Low-latency notification of a changed profile; the message is <see cref="ProfileChange"/>.</summary>
    public RedisChannel ProfileChanged => RedisChannel.Literal($"{Prefix}profiles:changed");

    // CRM webhooks: every key shares the hash tag {webhooks}, so one script may touch them all on Redis Cluster too.

    /// <summary>Webhook subscriptions: hash of webhook id to its JSON (url, events, signing secret, creation time).</summary>
    public RedisKey Webhooks => $"{Prefix}{{webhooks}}:subscriptions";

    /// <summary>Webhook deliveries not yet done (waiting, retrying or dead-lettered): hash of delivery id to its JSON.</summary>
    public RedisKey WebhookDeliveries => $"{Prefix}{{webhooks}}:deliveries";

    /// <summary>Webhook outbox: sorted set of delivery ids by when they are due; a claim leases one by moving it past the lease.</summary>
    public RedisKey WebhookOutbox => $"{Prefix}{{webhooks}}:outbox";

    /// <summary>Webhook deliveries that ran out of attempts: sorted set of delivery ids by when they gave up.</summary>
    public RedisKey WebhookDeadLetters => $"{Prefix}{{webhooks}}:deadletters";
}
