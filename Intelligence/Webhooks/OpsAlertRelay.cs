using System.Text.Json;
using Shared.Contracts;
using Shared.ServiceDefaults;
using Shared.Store;
using StackExchange.Redis;

namespace Intelligence.Webhooks;

/// <summary>
/// Relays Ingestion's operations alerts (<c>ops.alert.fired</c>, <c>ops.alert.resolved</c>, recorded on a list in the
/// store by Ingestion/Feeds/OpsAlerts.cs) to the signed webhooks listening to them, oldest first. An event leaves the
/// list only after it is queued, and only if it is still the oldest (so two instances never drop one unsent); one
/// queued twice is one delivery, as its id is the event's.
/// </summary>
internal sealed partial class OpsAlertRelay(IConnectionMultiplexer redis, StoreKeys keys, IWebhookPublisher publisher, TimeProvider clock,
    ILogger<OpsAlertRelay> logger) : SupervisedService(logger, clock)
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(5);

    private const string PopIfOldest = """
        if redis.call('LINDEX', KEYS[1], -1) == ARGV[1] then redis.call('RPOP', KEYS[1]) return 1 end
        return 0
        """;

    /// <summary>Relays every event on the list now; returns how many.</summary>
    public async Task<int> RelayAsync(CancellationToken ct)
    {
        var db = redis.GetDatabase();
        var relayed = 0;
        while (await db.ListGetByIndexAsync(keys.OpsAlertEvents, -1) is { IsNull: false } oldest)
        {
            var evt = JsonSerializer.Deserialize(oldest.ToString(), ContractsJsonContext.Default.OpsAlertEvent);
            if (evt is not null)
            {
                await publisher.PublishAsync(WebhookEvent.OpsAlert(evt), Operational, ct);
                LogRelayed(logger, evt.Type, evt.Alert.Id);
            }
            await db.ScriptEvaluateAsync(PopIfOldest, [keys.OpsAlertEvents], [oldest]);
            relayed++;
        }
        return relayed;
    }

    protected override async Task RunAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(PollInterval, Clock);
        do
        {
            await RelayAsync(stoppingToken);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>No marketing rule applies to an operations event (the publisher does not read it for one).</summary>
    private static readonly MarketingStatus Operational = new(true, [], []);

    [LoggerMessage(Level = LogLevel.Information, Message = "Operations alert {Type} {AlertId} relayed to webhooks")]
    private static partial void LogRelayed(ILogger logger, string type, string alertId);
}
