using System.Text.Json;
using Shared.Contracts;
using Shared.Store;
using StackExchange.Redis;

namespace Ingestion.Feeds;

/// <summary>
/// In-product alerts for operators without Prometheus: after every sample of <see cref="OperationsGauges"/>, the
/// conditions of deploy/prometheus/alerts.yml that Ingestion can judge (a feed silent or failing, arrival lag over
/// 15 minutes, a signed feed's requests refused for bad signatures, rounds left open or rollbacks orphaned past their deadlines, the store over 90% of maxmemory, a model
/// kind not promoted for <see cref="ModelNotPromotedAfter"/>, read from the promotion times Intelligence's registry
/// keeps in the store) are
/// compared with the alerts firing in the store. As in Prometheus, a condition must hold for its alert's <see cref="For"/>
/// (the rule's <c>for</c>) before the alert fires: the first sample that sees it holding starts its pending time, kept in
/// the store so every instance agrees, and a sample that no longer sees it forgets it. A transition is recorded once, whichever instance sees it first
/// (one script over the <c>{ops}</c> keys), as an <see cref="OpsAlertEvent"/> on a list Intelligence relays to the
/// signed webhooks.
/// </summary>
public sealed class OpsAlerts(IConnectionMultiplexer redis, StoreKeys keys, TimeProvider clock)
{
    public const long LagHighMs = 15 * 60_000;
    public const double MemoryNearMax = 0.9;

    /// <summary>Requests refused for a bad signature within 15 minutes from which FeedSignatureFailures holds (as alerts.yml's rule).</summary>
    public const long SignatureFailuresFiring = 5;

    /// <summary>A model kind whose served version was promoted longer ago than this fires ModelNotPromoted (as alerts.yml does).</summary>
    public static readonly TimeSpan ModelNotPromotedAfter = TimeSpan.FromDays(14);
    private const int EventsKept = 10_000;

    /// <summary>
    /// How long each alert's condition must hold before it fires: the <c>for</c> of its rule in alerts.yml. OpenRounds and
    /// OrphanRollbacks have none: their conditions already wait out Reconciliation:OpenRoundAfter / OrphanRollbackAfter.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, TimeSpan> For = new Dictionary<string, TimeSpan>(StringComparer.Ordinal)
    {
        ["FeedSilent"] = TimeSpan.FromMinutes(10),
        ["FeedFailing"] = TimeSpan.FromMinutes(5),
        ["ArrivalLagHigh"] = TimeSpan.FromMinutes(15),
        ["FeedSignatureFailures"] = TimeSpan.FromMinutes(5),
        ["PaymentDeclinesSpiking"] = TimeSpan.FromMinutes(10),
        ["OpenRounds"] = TimeSpan.Zero,
        ["OrphanRollbacks"] = TimeSpan.Zero,
        ["StoreMemoryNearMax"] = TimeSpan.FromMinutes(10),
        ["ModelNotPromoted"] = TimeSpan.FromHours(1),
    };

    // KEYS: firing alerts, events. ARGV: 'fire' or 'resolve', alert id, alert JSON, event JSON (with the alert), events kept.
    private const string TransitionScript = """
        local changed
        if ARGV[1] == 'fire' then
          changed = redis.call('HSETNX', KEYS[1], ARGV[2], ARGV[3])
        else
          local current = redis.call('HGET', KEYS[1], ARGV[2])
          if not current then return 0 end
          redis.call('HDEL', KEYS[1], ARGV[2])
          -- The resolved event carries the alert as it fired (its time and summary).
          ARGV[4] = string.gsub(ARGV[4], '"alert":null', '"alert":' .. current, 1)
          changed = 1
        end
        if changed == 1 then
          redis.call('LPUSH', KEYS[2], ARGV[4])
          redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[5]) - 1)
        end
        return changed
        """;

    /// <summary>The alerts the sample says should fire now.</summary>
    public static List<OpsAlert> Conditions(IReadOnlyList<FeedStatus> feeds, IReadOnlyList<(string Source, ReconciliationReport Report)> reconciliation,
        long memoryUsed, long memoryMax, DateTimeOffset now, IReadOnlyDictionary<string, DateTimeOffset>? modelsPromotedAt = null,
        IReadOnlyList<PaymentProviderStatus>? payments = null)
    {
        var alerts = new List<OpsAlert>();
        foreach (var f in feeds)
        {
            if (f.State == FeedStates.Silent) alerts.Add(new($"FeedSilent:{f.Source}", "FeedSilent", "page", f.Source, $"Feed {f.Source}: {f.Reason}", now));
            if (f.State == FeedStates.Failing) alerts.Add(new($"FeedFailing:{f.Source}", "FeedFailing", "page", f.Source, $"Feed {f.Source}: {f.Reason}", now));
            if (f.LagP99Ms > LagHighMs)
            {
                alerts.Add(new($"ArrivalLagHigh:{f.Source}", "ArrivalLagHigh", "warning", f.Source,
                    $"Feed {f.Source}'s events arrive more than 15 minutes after they happened (p99 up to {f.LagP99Ms / 60_000} minutes)", now));
            }
            if (f.RecentSignatureFailures >= SignatureFailuresFiring)
            {
                alerts.Add(new($"FeedSignatureFailures:{f.Source}", "FeedSignatureFailures", "warning", f.Source,
                    $"Feed {f.Source} sent {f.RecentSignatureFailures} requests with a bad signature in the last 15 minutes, all refused: " +
                    "a signing secret rotated on one side, or forged requests", now));
            }
        }
        foreach (var p in (payments ?? []).Where(p => p.Spiking))
        {
            alerts.Add(new($"PaymentDeclinesSpiking:{p.Provider}", "PaymentDeclinesSpiking", "page", p.Provider,
                $"PSP {p.Provider} declined {100 * p.DeclineShare:0}% of its last hour's {p.Attempts} deposits where {100 * p.UsualDeclineShare:0}% is usual: " +
                "check its status page and the decline codes (vendorCode) of its recent deposits, and route deposits to another PSP if it is down", now));
        }
        foreach (var (source, r) in reconciliation)
        {
            if (r.OpenRounds.Count > 0)
            {
                alerts.Add(new($"OpenRounds:{source}", "OpenRounds", "warning", source, $"Source {source} left {r.OpenRounds.Count} rounds open past Reconciliation:OpenRoundAfter", now));
            }
            if (r.OrphanRollbacks.Count > 0)
            {
                alerts.Add(new($"OrphanRollbacks:{source}", "OrphanRollbacks", "warning", source,
                    $"Source {source} sent {r.OrphanRollbacks.Count} rollbacks for transactions never received", now));
            }
        }
        foreach (var (kind, at) in (modelsPromotedAt ?? new Dictionary<string, DateTimeOffset>()).OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (now - at > ModelNotPromotedAfter)
            {
                alerts.Add(new($"ModelNotPromoted:{kind}", "ModelNotPromoted", "warning", null,
                    $"No {kind} model has been promoted for {(int)(now - at).TotalDays} days (last on {at.UtcDateTime:yyyy-MM-dd}): scores come from an ageing model", now));
            }
        }
        if (memoryMax > 0 && memoryUsed > MemoryNearMax * memoryMax)
        {
            alerts.Add(new("StoreMemoryNearMax", "StoreMemoryNearMax", "page", null, $"The store uses {100.0 * memoryUsed / memoryMax:0}% of its maxmemory", now));
        }
        return alerts;
    }

    /// <summary>
    /// Fires the alerts not yet firing whose condition has held for their <see cref="For"/>, and resolves those firing that
    /// no longer hold; returns the transitions this call made.
    /// </summary>
    public async Task<int> UpdateAsync(IReadOnlyList<OpsAlert> holding)
    {
        var db = redis.GetDatabase();
        var now = clock.GetUtcNow();
        var firing = (await db.HashKeysAsync(keys.OpsAlerts)).Select(k => k.ToString()).ToHashSet(StringComparer.Ordinal);
        var pending = (await db.HashGetAllAsync(keys.OpsAlertsPending)).ToDictionary(e => e.Name.ToString(), e => (long)e.Value, StringComparer.Ordinal);
        var transitions = 0;
        foreach (var alert in holding)
        {
            if (!pending.TryGetValue(alert.Id, out var since))
            {
                // Another instance may have seen it first: its time stands.
                var nowMs = now.ToUnixTimeMilliseconds();
                since = await db.HashSetAsync(keys.OpsAlertsPending, alert.Id, nowMs, When.NotExists)
                    ? nowMs : (long?)await db.HashGetAsync(keys.OpsAlertsPending, alert.Id) ?? nowMs;
            }
            if (firing.Contains(alert.Id) || now.ToUnixTimeMilliseconds() - since < (long)For.GetValueOrDefault(alert.Alert).TotalMilliseconds) continue;
            var evt = new OpsAlertEvent(EventId(alert.Id, now), OpsAlertEventTypes.Fired, alert, now);
            transitions += await TransitionAsync(db, "fire", alert.Id, JsonSerializer.Serialize(alert, ContractsJsonContext.Default.OpsAlert),
                JsonSerializer.Serialize(evt, ContractsJsonContext.Default.OpsAlertEvent));
        }
        var held = holding.Select(a => a.Id).ToHashSet(StringComparer.Ordinal);
        var gone = pending.Keys.Where(id => !held.Contains(id)).Select(id => (RedisValue)id).ToArray();
        if (gone.Length > 0) await db.HashDeleteAsync(keys.OpsAlertsPending, gone);
        foreach (var id in firing.Where(id => !held.Contains(id)))
        {
            // The alert is filled in by the script from the firing record.
            var evt = $$"""{"eventId":"{{EventId(id, now)}}","type":"{{OpsAlertEventTypes.Resolved}}","alert":null,"at":{{JsonSerializer.Serialize(now)}}}""";
            transitions += await TransitionAsync(db, "resolve", id, "", evt);
        }
        return transitions;
    }

    /// <summary>The alerts firing now, newest first (the operations page's banner).</summary>
    public async Task<List<OpsAlert>> FiringAsync() =>
        (await redis.GetDatabase().HashValuesAsync(keys.OpsAlerts))
            .Select(v => JsonSerializer.Deserialize(v.ToString(), ContractsJsonContext.Default.OpsAlert)!)
            .OrderByDescending(a => a.FiredAt).ThenBy(a => a.Id, StringComparer.Ordinal).ToList();

    /// <summary>The newest recorded transitions.</summary>
    public async Task<IReadOnlyList<OpsAlertEvent>> EventsAsync(int limit) =>
        (await redis.GetDatabase().ListRangeAsync(keys.OpsAlertEvents, 0, limit - 1))
            .Select(v => JsonSerializer.Deserialize(v.ToString(), ContractsJsonContext.Default.OpsAlertEvent)!).ToList();

    private async Task<int> TransitionAsync(IDatabase db, string op, string id, string alert, string evt) =>
        (int)await db.ScriptEvaluateAsync(TransitionScript, [keys.OpsAlerts, keys.OpsAlertEvents], [op, id, alert, evt, EventsKept]);

    private static string EventId(string alertId, DateTimeOffset at) =>
        "ops_" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{alertId}|{at.ToUnixTimeMilliseconds()}")))[..24];
}
