using System.Text.Json;
using Microsoft.Extensions.Options;
using Shared.Store;
using StackExchange.Redis;

namespace Intelligence.Webhooks;

/// <summary>A delivery claimed by one worker. <see cref="Lease"/> is the due time the claim set: later steps only act while it still holds.</summary>
internal sealed record ClaimedDelivery(WebhookDelivery Delivery, long Lease);

/// <summary>
/// The durable outbox of webhook deliveries: a hash of delivery id to its JSON, a sorted set of the ids by when they
/// are due (a <see cref="LeaseSchedule"/>), and a sorted set of dead letters by when they gave up. A claim leases deliveries by
/// moving their due time past the lease, so two instances never hold one at once and one that dies gives it back. Each
/// other step is one small Lua script over hashes and sorted sets, so it runs unchanged on Redis and Garnet (no Streams).
/// </summary>
internal sealed class WebhookOutbox(IConnectionMultiplexer redis, StoreKeys keys, IOptions<WebhookOptions> options, TimeProvider clock)
{
    // One field per delivery, named by its id: the delivery's JSON.
    private readonly LeaseSchedule _schedule = new(redis, keys.WebhookOutbox, keys.WebhookDeliveries, clock, "");

    // Per delivery: only while its webhook exists, and only once (the id is the event's and the webhook's).
    private const string EnqueueScript = """
        local n = 0
        for i = 2, #ARGV, 3 do
          if redis.call('HEXISTS', KEYS[4], ARGV[i + 1]) == 1 and redis.call('HSETNX', KEYS[2], ARGV[i], ARGV[i + 2]) == 1 then
            redis.call('ZADD', KEYS[1], ARGV[1], ARGV[i])
            n = n + 1
          end
        end
        return n
        """;

    private const string RetryScript = LeaseSchedule.LeaseHeld + "\n" + """
        redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
        redis.call('HSET', KEYS[2], ARGV[1], ARGV[4])
        return 1
        """;

    private const string DropScript = LeaseSchedule.LeaseHeld + "\n" + """
        redis.call('ZREM', KEYS[1], ARGV[1])
        redis.call('HDEL', KEYS[2], ARGV[1])
        return 1
        """;

    // Moves the delivery to the dead letters and trims them to the capacity, oldest first.
    private const string DeadLetterScript = LeaseSchedule.LeaseHeld + "\n" + """
        redis.call('ZREM', KEYS[1], ARGV[1])
        redis.call('HSET', KEYS[2], ARGV[1], ARGV[4])
        redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
        local over = redis.call('ZCARD', KEYS[3]) - tonumber(ARGV[5])
        if over > 0 then
          local old = redis.call('ZRANGE', KEYS[3], 0, over - 1)
          for i = 1, #old do redis.call('HDEL', KEYS[2], old[i]) end
          redis.call('ZREMRANGEBYRANK', KEYS[3], 0, over - 1)
        end
        return 1
        """;

    // Per dead letter: 1 requeued (a JSON is given), 2 discarded (an empty one: its webhook is gone), 0 not a dead letter.
    private const string ReplayScript = """
        local out = {}
        for i = 2, #ARGV, 2 do
          local r = 0
          if redis.call('ZREM', KEYS[3], ARGV[i]) == 1 then
            if ARGV[i + 1] == '' then
              redis.call('HDEL', KEYS[2], ARGV[i])
              r = 2
            else
              redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
              redis.call('ZADD', KEYS[1], ARGV[1], ARGV[i])
              r = 1
            end
          end
          out[#out + 1] = r
        end
        return out
        """;

    private const int Page = 500;

    private RedisKey[] Keys => [keys.WebhookOutbox, keys.WebhookDeliveries, keys.WebhookDeadLetters, keys.Webhooks];

    /// <summary>Queues the deliveries, due now, in one atomic step; those of webhooks deleted meanwhile, or already queued, are skipped. Returns how many were queued.</summary>
    public async Task<int> EnqueueAsync(IReadOnlyList<WebhookDelivery> deliveries)
    {
        if (deliveries.Count == 0) return 0;
        var args = new RedisValue[1 + 3 * deliveries.Count];
        args[0] = Ms(clock.GetUtcNow());
        for (var i = 0; i < deliveries.Count; i++)
        {
            args[1 + 3 * i] = deliveries[i].Id;
            args[2 + 3 * i] = deliveries[i].WebhookId;
            args[3 + 3 * i] = Encode(deliveries[i]);
        }
        return (int)await redis.GetDatabase().ScriptEvaluateAsync(EnqueueScript, Keys, args);
    }

    /// <summary>Leases up to <paramref name="limit"/> deliveries that are due, for <see cref="WebhookOptions.Lease"/>.</summary>
    public async Task<IReadOnlyList<ClaimedDelivery>> ClaimDueAsync(int limit) =>
        [.. (await _schedule.ClaimDueAsync(limit, options.Value.Lease)).Select(c => new ClaimedDelivery(Decode((string)c.Fields[0]!), c.Lease))];

    /// <summary>Delivered: forgets it (even if the lease ran out meanwhile, since a second POST would only repeat it).</summary>
    public Task CompleteAsync(ClaimedDelivery claimed) => _schedule.RemoveAsync(claimed.Delivery.Id);

    /// <summary>Saves the failed attempt and makes the delivery due again at <paramref name="due"/>. False if the lease was lost.</summary>
    public async Task<bool> RetryAsync(ClaimedDelivery claimed, WebhookDelivery updated, DateTimeOffset due) =>
        (int)await redis.GetDatabase().ScriptEvaluateAsync(RetryScript, Keys,
            [claimed.Delivery.Id, claimed.Lease, Ms(due), Encode(updated)]) == 1;

    /// <summary>Gives up on the delivery: it goes to the dead letters, newest last. False if the lease was lost.</summary>
    public async Task<bool> DeadLetterAsync(ClaimedDelivery claimed, WebhookDelivery updated)
    {
        var at = updated.DeadLetteredAt ?? clock.GetUtcNow();
        return (int)await redis.GetDatabase().ScriptEvaluateAsync(DeadLetterScript, Keys,
            [claimed.Delivery.Id, claimed.Lease, Ms(at), Encode(updated with { DeadLetteredAt = at }), options.Value.DeadLetterCapacity]) == 1;
    }

    /// <summary>Forgets the delivery without sending it (its webhook is gone, or the player may no longer be marketed to).</summary>
    public async Task<bool> DropAsync(ClaimedDelivery claimed) =>
        (int)await redis.GetDatabase().ScriptEvaluateAsync(DropScript, Keys, [claimed.Delivery.Id, claimed.Lease]) == 1;

    /// <summary>Hands an unfinished claim back, due now (on shutdown), instead of leaving it leased until the lease ends.</summary>
    public Task<bool> ReleaseAsync(ClaimedDelivery claimed) => _schedule.ReleaseAsync(claimed.Delivery.Id, claimed.Lease, clock.GetUtcNow());

    /// <summary>Deliveries waiting, backing off or in flight; and dead letters.</summary>
    /// <summary>
    /// Drops every delivery about a player, waiting, leased or dead-lettered (an erasure). A worker holding one of
    /// them finds its lease gone and writes nothing back. Returns how many were dropped.
    /// </summary>
    public async Task<int> ForgetPlayerAsync(string playerId)
    {
        var db = redis.GetDatabase();
        var ids = new List<RedisValue>();
        await foreach (var entry in db.HashScanAsync(keys.WebhookDeliveries, pageSize: 1_000))
        {
            if (Decode(entry.Value!).PlayerId == playerId) ids.Add(entry.Name);
        }
        if (ids.Count == 0) return 0;
        var batch = db.CreateBatch();
        var done = new List<Task>
        {
            batch.SortedSetRemoveAsync(keys.WebhookOutbox, [.. ids]),
            batch.SortedSetRemoveAsync(keys.WebhookDeadLetters, [.. ids]),
            batch.HashDeleteAsync(keys.WebhookDeliveries, [.. ids]),
        };
        batch.Execute();
        await Task.WhenAll(done);
        return ids.Count;
    }

    public async Task<(long Outbox, long DeadLetters)> CountAsync()
    {
        var db = redis.GetDatabase();
        var outbox = db.SortedSetLengthAsync(keys.WebhookOutbox);
        var dead = db.SortedSetLengthAsync(keys.WebhookDeadLetters);
        return (await outbox, await dead);
    }

    /// <summary>When the delivery is due next (or its lease ends), or null when it is not in the outbox.</summary>
    public Task<DateTimeOffset?> DueAsync(string deliveryId) => _schedule.DueAtAsync(deliveryId);

    /// <summary>Newest first: up to <paramref name="limit"/> dead letters, only those of <paramref name="webhookId"/> when given.</summary>
    public async Task<WebhookDeadLetterPage> DeadLettersAsync(int limit, string? webhookId)
    {
        var db = redis.GetDatabase();
        var total = await db.SortedSetLengthAsync(keys.WebhookDeadLetters);
        var found = new List<WebhookDeadLetter>();
        for (long start = 0; found.Count < limit && start < total; start += Page)
        {
            var ids = await db.SortedSetRangeByRankAsync(keys.WebhookDeadLetters, start, start + Page - 1, Order.Descending);
            if (ids.Length == 0) break;
            var deliveries = await ReadAsync(ids);
            found.AddRange(deliveries.Where(d => webhookId is null || d.WebhookId == webhookId)
                .Select(d => d.ToDeadLetter()).Take(limit - found.Count));
        }
        return new WebhookDeadLetterPage(total, found);
    }

    /// <summary>
    /// Puts dead letters back in the outbox, due now, with a fresh set of attempts: those named, else all of them (of
    /// one webhook when given). Those whose webhook is gone are discarded instead.
    /// </summary>
    public async Task<WebhookReplayResult> ReplayAsync(IReadOnlyList<string>? ids, string? webhookId, WebhookSubscriptions subscriptions)
    {
        var db = redis.GetDatabase();
        var candidates = ids is { Count: > 0 }
            ? ids.Distinct(StringComparer.Ordinal).Select(i => (RedisValue)i).ToArray()
            : await db.SortedSetRangeByRankAsync(keys.WebhookDeadLetters);
        int requeued = 0, discarded = 0;
        var notFound = new List<string>();
        foreach (var chunk in candidates.Chunk(Page))
        {
            var byId = (await ReadAsync(chunk)).ToDictionary(d => d.Id, StringComparer.Ordinal);
            var chosen = chunk.Select(i => (string)i!).Where(i => !byId.TryGetValue(i, out var d) || webhookId is null || d.WebhookId == webhookId).ToList();
            var alive = await subscriptions.GetManyAsync(byId.Values.Select(d => d.WebhookId).Distinct(StringComparer.Ordinal).ToList());
            var now = clock.GetUtcNow();
            var args = new List<RedisValue>(1 + 2 * chosen.Count) { Ms(now) };
            foreach (var id in chosen)
            {
                args.Add(id);
                args.Add(byId.TryGetValue(id, out var d) && alive.ContainsKey(d.WebhookId)
                    ? Encode(d with { Attempts = 0, DeadLetteredAt = null })
                    : RedisValue.EmptyString);
            }
            var outcomes = (RedisResult[])(await db.ScriptEvaluateAsync(ReplayScript, Keys, [.. args]))!;
            for (var i = 0; i < outcomes.Length; i++)
            {
                switch ((int)outcomes[i])
                {
                    case 1: requeued++; break;
                    case 2: discarded++; break;
                    default: notFound.Add(chosen[i]); break;
                }
            }
        }
        return new WebhookReplayResult(requeued, discarded, notFound);
    }

    private async Task<List<WebhookDelivery>> ReadAsync(RedisValue[] ids)
    {
        var values = await redis.GetDatabase().HashGetAsync(keys.WebhookDeliveries, ids);
        return values.Where(v => !v.IsNull).Select(v => Decode((string)v!)).ToList();
    }

    private static string Encode(WebhookDelivery d) => JsonSerializer.Serialize(d, WebhookJsonContext.Default.WebhookDelivery);

    private static WebhookDelivery Decode(string json) => JsonSerializer.Deserialize(json, WebhookJsonContext.Default.WebhookDelivery)!;

    private static long Ms(DateTimeOffset t) => LeaseSchedule.Ms(t);
}
