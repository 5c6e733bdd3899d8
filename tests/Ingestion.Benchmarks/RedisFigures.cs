using System.Diagnostics;
using System.Globalization;
using StackExchange.Redis;

namespace Ingestion.Benchmarks;

/// <summary>What the Redis under test can do by itself, and what it holds per player afterwards.</summary>
public static class RedisFigures
{
    /// <summary>
    /// redis-benchmark against the same server (same AOF settings): pipelined SET and HSET, and EVALSHA of a trivial
    /// script, the ceiling of one script call per event. Returns printable lines.
    /// </summary>
    public static async Task<IReadOnlyList<string>> CeilingAsync(IConnectionMultiplexer redis, int port, string redisServerPath, CancellationToken ct)
    {
        var tool = Path.Combine(Path.GetDirectoryName(redisServerPath)!, "redis-benchmark");
        if (!File.Exists(tool)) return ["redis-benchmark not found next to redis-server (apt-get install redis-tools)"];
        var sha = ((byte[])(await redis.GetServers()[0].ScriptLoadAsync("return 1"))!);
        var shaHex = Convert.ToHexStringLower(sha);
        var lines = new List<string>();
        var p = port.ToString(CultureInfo.InvariantCulture);
        lines.AddRange(await RunAsync(tool, ["-h", "127.0.0.1", "-p", p, "-P", "32", "-q", "-n", "1000000", "-t", "set,hset"], ct));
        lines.AddRange(await RunAsync(tool, ["-h", "127.0.0.1", "-p", p, "-P", "32", "-q", "-n", "500000", "evalsha", shaHex, "0"], ct));
        // The keys redis-benchmark wrote are not ours: leave a clean server for the run.
        await redis.GetDatabase().ExecuteAsync("FLUSHALL");
        return lines;
    }

    private static async Task<IEnumerable<string>> RunAsync(string tool, string[] args, CancellationToken ct)
    {
        var info = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var output = await process.StandardOutput.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        // -q prints progress with carriage returns, then the final figure on each line.
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(l => l.Split('\r').Last().Trim())
            .Where(l => l.Length > 0);
    }

    /// <summary>The pid of the redis-server behind this connection (from INFO server).</summary>
    public static async Task<int> ProcessIdAsync(IConnectionMultiplexer redis) =>
        int.Parse(await InfoFieldAsync(redis, "server", "process_id"), CultureInfo.InvariantCulture);

    public static async Task<string> InfoFieldAsync(IConnectionMultiplexer redis, string section, string field)
    {
        var info = await redis.GetServers()[0].InfoAsync(section);
        return info.SelectMany(g => g).First(kv => kv.Key == field).Value;
    }

    /// <summary>CPU time of redis-server's main thread (the one that runs commands and scripts), from INFO cpu.</summary>
    public static async Task<TimeSpan> MainThreadCpuAsync(IConnectionMultiplexer redis)
    {
        var info = (await redis.GetServers()[0].InfoAsync("cpu")).SelectMany(g => g).ToDictionary(kv => kv.Key, kv => kv.Value);
        return TimeSpan.FromSeconds(double.Parse(info["used_cpu_user_main_thread"], CultureInfo.InvariantCulture)
            + double.Parse(info["used_cpu_sys_main_thread"], CultureInfo.InvariantCulture));
    }

    /// <summary>Per command: calls and microseconds spent, from INFO commandstats.</summary>
    public static async Task<IReadOnlyList<(string Command, long Calls, long Micros)>> CommandStatsAsync(IConnectionMultiplexer redis)
    {
        var info = await redis.GetServers()[0].InfoAsync("commandstats");
        var result = new List<(string, long, long)>();
        foreach (var kv in info.SelectMany(g => g))
        {
            var fields = kv.Value.Split(',').Select(f => f.Split('=')).ToDictionary(f => f[0], f => f[1]);
            result.Add((kv.Key.Replace("cmdstat_", "", StringComparison.Ordinal),
                long.Parse(fields["calls"], CultureInfo.InvariantCulture), long.Parse(fields["usec"], CultureInfo.InvariantCulture)));
        }
        return result;
    }

    /// <summary>MEMORY USAGE of each key of a sample of players, averaged over the players that have a profile.</summary>
    public static async Task<IReadOnlyList<string>> MemoryPerPlayerAsync(IConnectionMultiplexer redis, Shared.Store.StoreKeys keys, int sample)
    {
        var db = redis.GetDatabase();
        long found = 0, profile = 0, days = 0, games = 0, ledger = 0, dayFields = 0, gameFields = 0, ledgerFields = 0, bets = 0;
        var encodings = new Dictionary<string, int>(StringComparer.Ordinal);
        var players = await db.SetLengthAsync(keys.Players);
        foreach (var member in await db.SetRandomMembersAsync(keys.Players, sample))
        {
            var id = member.ToString();
            found++;
            profile += await UsageAsync(db, keys.Profile(id));
            days += await UsageAsync(db, keys.Days(id));
            games += await UsageAsync(db, keys.Games(id));
            ledger += await UsageAsync(db, keys.Ledger(id));
            dayFields += await db.HashLengthAsync(keys.Days(id));
            gameFields += await db.HashLengthAsync(keys.Games(id));
            ledgerFields += await db.HashLengthAsync(keys.Ledger(id));
            bets += (long)(await db.HashGetAsync(keys.Profile(id), "bc"));
            foreach (var key in new[] { keys.Games(id), keys.Ledger(id) })
            {
                var encoding = $"{key.ToString()[..1]}:{await db.ExecuteAsync("OBJECT", "ENCODING", key)}";
                encodings[encoding] = encodings.GetValueOrDefault(encoding) + 1;
            }
        }
        if (found == 0) return ["no sampled player has a profile"];
        string Avg(long total) => (total / (double)found).ToString("N0", CultureInfo.InvariantCulture);
        return
        [
            $"players sampled          {found:N0} at random of {players:N0}; avg bets {Avg(bets)}, day buckets {Avg(dayFields)}, game fields {Avg(gameFields)}, ledger entries {Avg(ledgerFields)}",
            $"bytes per player         {Avg(profile + days + games + ledger)} = profile {Avg(profile)} + buckets {Avg(days)} + games {Avg(games)} + ledger {Avg(ledger)}",
            $"encodings                {string.Join(", ", encodings.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => $"{e.Key} {e.Value}"))}",
        ];
    }

    /// <summary>Average MEMORY USAGE of each of the players' keys, and the encodings of their ledgers.</summary>
    public static async Task<PlayerMemory> MemoryOfAsync(IConnectionMultiplexer redis, Shared.Store.StoreKeys keys, IReadOnlyList<string> players)
    {
        var db = redis.GetDatabase();
        long profile = 0, days = 0, games = 0, ledger = 0;
        var encodings = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var id in players)
        {
            profile += await UsageAsync(db, keys.Profile(id));
            days += await UsageAsync(db, keys.Days(id));
            games += await UsageAsync(db, keys.Games(id));
            ledger += await UsageAsync(db, keys.Ledger(id));
            var encoding = (await db.ExecuteAsync("OBJECT", "ENCODING", keys.Ledger(id))).ToString() ?? "none";
            encodings[encoding] = encodings.GetValueOrDefault(encoding) + 1;
        }
        double Avg(long total) => total / (double)Math.Max(1, players.Count);
        return new PlayerMemory(Avg(profile), Avg(days), Avg(games), Avg(ledger), string.Join(", ", encodings.Select(e => $"{e.Key} {e.Value}")));
    }

    private static async Task<long> UsageAsync(IDatabase db, RedisKey key)
    {
        var r = await db.ExecuteAsync("MEMORY", "USAGE", key, "SAMPLES", "0");
        return r.IsNull ? 0 : (long)r;
    }
}

/// <summary>Average Redis bytes of a player's keys.</summary>
public sealed record PlayerMemory(double Profile, double Days, double Games, double Ledger, string LedgerEncodings)
{
    public double Total => Profile + Days + Games + Ledger;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Total:N0} bytes = profile {Profile:N0} + day buckets {Days:N0} + games {Games:N0} + ledger {Ledger:N0} (ledger encodings: {LedgerEncodings})");
}
