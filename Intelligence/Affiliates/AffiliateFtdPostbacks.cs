using System.Globalization;
using Intelligence.Webhooks;
using Microsoft.Extensions.Options;
using Shared.Contracts;
using Shared.ServiceDefaults;
using Shared.Store;
using StackExchange.Redis;

namespace Intelligence.Affiliates;

/// <summary>
/// Publishes an <c>affiliate.ftd</c> webhook for every first-time depositor Ingestion queued under their affiliate
/// (<see cref="StoreKeys.AffiliateFtds"/>, once per affiliate and player). An entry leaves the queue only after its
/// deliveries are queued; the event's id is the affiliate's and player's, so one published twice after a crash is the
/// same event to the receiver.
/// </summary>
internal sealed class AffiliateFtdPostbacks(IConnectionMultiplexer redis, StoreKeys keys, IWebhookPublisher publisher, IOptions<StoreOptions> store,
    TimeProvider clock, ILogger<AffiliateFtdPostbacks> logger) : SupervisedService(logger, clock)
{
    public static readonly TimeSpan PollEvery = TimeSpan.FromSeconds(1);
    private const int Page = 100;
    private static readonly MarketingStatus NotMarketing = new(true, [], []);

    protected override async Task RunAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await PublishQueuedAsync(stoppingToken);
                await Task.Delay(PollEvery, Clock, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Publishes every queued first-time depositor; returns how many.</summary>
    public async Task<int> PublishQueuedAsync(CancellationToken ct)
    {
        var db = redis.GetDatabase();
        var published = 0;
        foreach (var affiliate in await db.SetMembersAsync(keys.Affiliates))
        {
            var key = keys.AffiliateFtds(affiliate.ToString());
            while (true)
            {
                var entries = await db.ListRangeAsync(key, 0, Page - 1);
                if (entries.Length == 0) break;
                foreach (var entry in entries)
                {
                    // player \t day \t amount units \t btag (fold.lua's affiliate block, AffiliateDrain.cs).
                    var f = entry.ToString().Split('\t');
                    var day = DateOnly.FromDayNumber(DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber + int.Parse(f[1], CultureInfo.InvariantCulture));
                    var amount = ProfileReader.Money(long.Parse(f[2], CultureInfo.InvariantCulture));
                    await publisher.PublishAsync(WebhookEvent.AffiliateFtdEvent(f[0], new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero),
                        affiliate.ToString(), f[3].Length == 0 ? null : f[3], day, amount, store.Value.BaseCurrency), NotMarketing, ct);
                }
                await db.ListTrimAsync(key, entries.Length, -1);
                published += entries.Length;
            }
        }
        return published;
    }
}
