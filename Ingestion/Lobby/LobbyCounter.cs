using System.ComponentModel.DataAnnotations;
using Ingestion.Profiles;
using Microsoft.Extensions.Options;
using Shared.Store;
using StackExchange.Redis;

namespace Ingestion.Lobby;

/// <summary>Section <c>Ingestion:Lobby</c>: how the lobby's impressions and launches are counted.</summary>
public sealed class LobbyCountOptions
{
    public const string Section = "Ingestion:Lobby";

    /// <summary>
    /// Days a day's fingerprints are kept after its last event. A copy of an event arriving within them is recognised;
    /// after them the day is closed and later events of it are refused, so a day's counts never take a copy twice.
    /// </summary>
    [Range(1, 30)] public int DedupeDays { get; set; } = 3;

    /// <summary>Events per script call (a call holds the store while it runs, about a microsecond an event).</summary>
    [Range(1, 10_000)] public int EventsPerCall { get; set; } = 1_000;
}

/// <summary>What the counting script did with one lobby event.</summary>
public enum LobbyOutcome
{
    Duplicate = 0,
    Counted = 1,
    /// <summary>Its day's fingerprints are gone (more than <see cref="LobbyCountOptions.DedupeDays"/> after the day's last event): not counted.</summary>
    DayClosed = -1,
}

/// <summary>
/// The lean path of the lobby's events: per UTC day, a hash of fingerprints (<see cref="StoreKeys.LobbySeen"/>) and a
/// hash of counters (<see cref="StoreKeys.LobbyCounts"/>), one hash tag, one script call for up to
/// <see cref="LobbyCountOptions.EventsPerCall"/> events of a day. Nothing touches a profile, the ledger or the change
/// feed: an impression costs one HSETNX and its share of a call's HINCRBYs (equal fields of a call are added once).
/// </summary>
public sealed class LobbyCounter(IConnectionMultiplexer redis, StoreKeys keys, IOptions<LobbyCountOptions> options, IOptions<FoldOptions> fold, TimeProvider clock)
{
    // KEYS: seen, counts. ARGV: seen TTL (s), counts TTL (s), then per event: fingerprint, n, n fields.
    // A day whose counts exist without its fingerprints is closed: its copies could no longer be recognised.
    private const string CountScript = """
        local closed = redis.call('EXISTS', KEYS[1]) == 0 and redis.call('EXISTS', KEYS[2]) == 1
        local out, add, any = {}, {}, false
        local i = 3
        while i <= #ARGV do
          local n = tonumber(ARGV[i + 1])
          if closed then
            out[#out + 1] = -1
          elseif redis.call('HSETNX', KEYS[1], ARGV[i], '') == 1 then
            for j = i + 2, i + 1 + n do add[ARGV[j]] = (add[ARGV[j]] or 0) + 1 end
            out[#out + 1] = 1
            any = true
          else
            out[#out + 1] = 0
          end
          i = i + 2 + n
        end
        if any then
          for f, c in pairs(add) do redis.call('HINCRBY', KEYS[2], f, c) end
          redis.call('EXPIRE', KEYS[1], tonumber(ARGV[1]))
          redis.call('EXPIRE', KEYS[2], tonumber(ARGV[2]))
        end
        return out
        """;

    /// <summary>
    /// The clock now and the first day whose events are still counted (the profile buckets' retention, back from today):
    /// what <see cref="Events.LobbyEventParser.Parse"/> judges an event's time against.
    /// </summary>
    public (DateTimeOffset Now, long OldestDay) Window()
    {
        var now = clock.GetUtcNow();
        return (now, ProfileReader.DayOf(now) - fold.Value.BucketRetentionDays + 1);
    }

    public async Task<LobbyOutcome[]> CountAsync(IReadOnlyList<LobbyCommand> commands)
    {
        var outcomes = new LobbyOutcome[commands.Count];
        if (commands.Count == 0) return outcomes;
        var db = redis.GetDatabase();
        var seenTtl = (long)TimeSpan.FromDays(options.Value.DedupeDays).TotalSeconds;
        var countsTtl = (long)TimeSpan.FromDays(fold.Value.BucketRetentionDays + 1).TotalSeconds;
        var calls = new List<(Task<RedisResult> Reply, List<int> Events)>();
        foreach (var day in Enumerable.Range(0, commands.Count).GroupBy(i => commands[i].Day))
        {
            foreach (var chunk in day.Chunk(options.Value.EventsPerCall))
            {
                var args = new List<RedisValue>(2 + chunk.Length * 8) { seenTtl, countsTtl };
                foreach (var i in chunk)
                {
                    args.Add(commands[i].Fingerprint);
                    args.Add(commands[i].Fields.Length);
                    args.AddRange(commands[i].Fields);
                }
                calls.Add((db.ScriptEvaluateAsync(CountScript, [keys.LobbySeen(day.Key), keys.LobbyCounts(day.Key)], [.. args]), [.. chunk]));
            }
        }
        await Task.WhenAll(calls.Select(c => c.Reply));
        foreach (var (reply, events) in calls)
        {
            var results = (RedisResult[])reply.Result!;
            for (var j = 0; j < events.Count; j++) outcomes[events[j]] = (LobbyOutcome)(int)results[j];
        }
        return outcomes;
    }

    public string ClosedReason(LobbyCommand command) =>
        $"field time: lobby events of {LobbyCommand.DayText(command.Day)} are no longer counted: a day closes " +
        $"{options.Value.DedupeDays} days after its last event (Ingestion:Lobby:DedupeDays), when its copies could no longer be recognised";
}

public static class LobbyCountingExtensions
{
    /// <summary>The lobby's impressions and launches: <c>Ingestion:Lobby</c> options and the counter <see cref="Events.EventIngestor"/> routes them to.</summary>
    public static IHostApplicationBuilder AddLobbyCounting(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<LobbyCountOptions>().BindConfiguration(LobbyCountOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<LobbyCounter>();
        return builder;
    }
}
