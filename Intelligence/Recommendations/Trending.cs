using Shared.ServiceDefaults;
using System.Collections.Concurrent;
using Shared.Store;
using StackExchange.Redis;

namespace Intelligence.Recommendations;

/// <summary>
/// Counts, per UTC hour, how many distinct players played each game, from Ingestion's change notifications (a bet
/// names its game). The counts live in the store (<see cref="StoreKeys.TrendingHour"/>, expiring), and a (player, game)
/// pair counts once per hour however many instances hear it, so every instance shows the same trending list.
/// </summary>
public sealed class Trending(IConnectionMultiplexer redis, StoreKeys keys, TimeProvider clock, ILogger<Trending> logger) : SupervisedService(logger, clock)
{
    /// <summary>Hours a count is kept: longer than any trending window (Recommendations:TrendingHours ≤ 168).</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromDays(8);

    private static readonly TimeSpan FlushEvery = TimeSpan.FromMilliseconds(250);

    private const string CountScript = """
        for i = 1, #ARGV - 1, 2 do
          if redis.call('SADD', KEYS[2], ARGV[i]) == 1 then redis.call('ZINCRBY', KEYS[1], 1, ARGV[i + 1]) end
        end
        redis.call('EXPIRE', KEYS[1], tonumber(ARGV[#ARGV]))
        redis.call('EXPIRE', KEYS[2], tonumber(ARGV[#ARGV]))
        return 0
        """;

    private readonly ConcurrentQueue<(long Hour, string Player, string Game)> _plays = new();
    private (DateTimeOffset At, int Hours, IReadOnlyDictionary<string, double> Counts)? _cached;

    /// <summary>Records a play (also called directly by tests and by anything that sees plays first-hand).</summary>
    public void Played(string playerId, string gameId) => _plays.Enqueue((HourOf(Clock.GetUtcNow()), playerId, gameId));

    public static long HourOf(DateTimeOffset t) => t.ToUnixTimeSeconds() / 3600;

    protected override async Task RunAsync(CancellationToken stoppingToken)
    {
        var subscriber = redis.GetSubscriber();
        await subscriber.SubscribeAsync(keys.ProfileChanged, (_, message) =>
        {
            if (ProfileChange.TryParse(message.ToString(), out var change) && change.GameId is { } game && change.EventType is "wallet.bet" or "game.session")
            {
                Played(change.PlayerId, game);
            }
        });
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await Task.Delay(FlushEvery, Clock, stoppingToken);
                await FlushAsync();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            await subscriber.UnsubscribeAsync(keys.ProfileChanged);
            await FlushAsync();
        }
    }

    /// <summary>Writes the plays heard since the last flush, one script call per hour they fall in.</summary>
    public async Task FlushAsync()
    {
        var byHour = new Dictionary<long, List<RedisValue>>();
        while (_plays.TryDequeue(out var p))
        {
            if (!byHour.TryGetValue(p.Hour, out var args)) byHour[p.Hour] = args = [];
            args.Add($"{p.Player}|{p.Game}");
            args.Add(p.Game);
        }
        if (byHour.Count == 0) return;
        try
        {
            var db = redis.GetDatabase();
            foreach (var (hour, args) in byHour)
            {
                args.Add((long)Retention.TotalSeconds);
                await db.ScriptEvaluateAsync(CountScript, [keys.TrendingHour(hour), keys.TrendingSeen(hour)], [.. args]);
            }
            _cached = null;
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            logger.LogWarning(e, "Trending counts were not written; those plays are not counted");
        }
    }

    /// <summary>Distinct players per game over the last <paramref name="hours"/> hours, this hour included; cached for a few seconds.</summary>
    public async Task<IReadOnlyDictionary<string, double>> CountsAsync(int hours)
    {
        var now = Clock.GetUtcNow();
        if (_cached is { } c && c.Hours == hours && now - c.At < TimeSpan.FromSeconds(5)) return c.Counts;
        var db = redis.GetDatabase();
        var batch = db.CreateBatch();
        var hour = HourOf(now);
        var reads = Enumerable.Range(0, hours).Select(h => batch.SortedSetRangeByRankWithScoresAsync(keys.TrendingHour(hour - h))).ToList();
        batch.Execute();
        var counts = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var read in reads)
        {
            foreach (var e in await read) counts[e.Element.ToString()] = counts.GetValueOrDefault(e.Element.ToString()) + e.Score;
        }
        _cached = (now, hours, counts);
        return counts;
    }
}
