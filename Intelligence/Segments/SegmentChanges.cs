using Microsoft.Extensions.Options;
using Shared.Contracts;
using Shared.Store;
using StackExchange.Redis;

namespace Intelligence.Segments;

/// <summary>What happens after a definition is saved or deleted, on every instance and in the store.</summary>
internal sealed class SegmentChanges(SegmentQueries queries, LiveSegments live, MembershipStore members, MembershipAnnouncer announcer,
    IConnectionMultiplexer redis, StoreKeys keys, IOptions<SegmentOptions> options, TimeProvider clock, ILogger<SegmentChanges> log)
{
    /// <summary>How many players the rule matches now, or null while part of the index is not loaded anywhere.</summary>
    public async Task<long?> CountAsync(SegmentRule rule, string purpose, string? channel, DateTimeOffset now, CancellationToken ct) =>
        (await queries.PreviewAsync(rule, purpose, channel, 0, now, ct)).Preview?.Count;

    /// <summary>
    /// Makes every instance reload the saved definition and evaluate it over its partitions of the index, records the
    /// segment's size, and returns its member count. Partitions no instance serves yet are evaluated by the instance
    /// that loads them.
    /// </summary>
    public async Task<long> AppliedAsync(string id, CancellationToken ct, bool renamed = false)
    {
        var segments = await live.ReloadAsync();
        await redis.GetDatabase().PublishAsync(keys.SegmentsChanged, id);
        if (segments.FirstOrDefault(s => s.Id == id) is { } segment)
        {
            var missing = await queries.EvaluateAsync(segment, ct);
            if (missing.Count > 0) log.LogWarning("Segment {Segment} was not evaluated over {Missing} index partitions yet: whoever loads them will", id, missing.Count);
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
