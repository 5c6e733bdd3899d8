using Microsoft.Extensions.Options;
using Shared.Store;
using StackExchange.Redis;

namespace Intelligence.Segments;

/// <summary>What happens after a definition is saved or deleted, on every instance and in the store.</summary>
internal sealed class SegmentChanges(PlayerIndex index, IndexFeed feed, LiveSegments live, SegmentMemberships memberships, MembershipStore members,
    MembershipAnnouncer announcer, IConnectionMultiplexer redis, StoreKeys keys, IOptions<SegmentOptions> options, TimeProvider clock)
{
    /// <summary>How many players the rule matches now, or null while the index is loading.</summary>
    public long? Count(BoundRule rule, string purpose, string? channel, DateTimeOffset now) =>
        feed.IsLoaded ? SegmentEvaluator.Evaluate(index, rule, SegmentEvaluator.IsMarketing(purpose), channel, now).Count : null;

    /// <summary>
    /// Makes every instance evaluate the saved definition, computes its members now (unless the index is still loading:
    /// the evaluation after loading does it), records its size, and returns its member count.
    /// </summary>
    public async Task<long> AppliedAsync(string id, CancellationToken ct, bool renamed = false)
    {
        var segments = await live.ReloadAsync();
        await redis.GetDatabase().PublishAsync(keys.SegmentsChanged, id);
        if (segments.FirstOrDefault(s => s.Id == id) is { } segment && feed.IsLoaded)
        {
            await memberships.EvaluateAsync(segment, ct);
        }
        var count = await members.CountAsync(id);
        if (renamed) announcer.RefreshScores(await members.MembersAsync(id));
        var now = clock.GetUtcNow();
        await members.RecordSizeAsync(id, now.ToUnixTimeMilliseconds(), count, (now - TimeSpan.FromDays(options.Value.SizeHistoryDays)).ToUnixTimeMilliseconds());
        return count;
    }

    public async Task DeletedAsync(string id, IReadOnlyList<string> formerMembers)
    {
        await live.ReloadAsync();
        await redis.GetDatabase().PublishAsync(keys.SegmentsChanged, id);
        await redis.GetDatabase().PublishAsync(keys.PlacementsChanged, id);
        announcer.RefreshScores(formerMembers);
    }
}
