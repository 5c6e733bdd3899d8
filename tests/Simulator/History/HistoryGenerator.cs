using System.Buffers;
using System.IO.Compression;
using System.Text.Json;
using Shared.Contracts;
using Simulator.Population;

namespace Simulator.History;

/// <summary>
/// History mode: simulates every player up to the end time and writes what the operator would have sent as canonical
/// NDJSON (gzip), one file per shard of players so a loader may take files in parallel while each player's events stay
/// in delivery order. Faults are applied at delivery: duplicates, small reorderings, late events and rollbacks.
/// </summary>
public static class HistoryGenerator
{
    public const int Shards = 16;
    public const string EventsPattern = "events-*.ndjson.gz";
    public const string SummaryFile = "summary.json";
    public const string TruthFile = "truth.ndjson";
    public const string GamesFile = "games.json";
    public const string FeaturedFile = "featured.txt";

    public static HistorySummary Run(World world, FaultRates faults, string outDir, bool writeTruth)
    {
        Directory.CreateDirectory(outDir);
        foreach (var old in Directory.GetFiles(outDir, EventsPattern)) File.Delete(old);
        var sims = new PlayerSimulation[world.PlayerCount];
        var lines = new long[Shards];
        var duplicates = new long[Shards];
        var totals = new PlayerTotals[world.PlayerCount];
        Parallel.For(0, Shards, shard =>
        {
            var path = Path.Combine(outDir, $"events-{shard:00}.ndjson.gz");
            using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
            using var gzip = new GZipStream(file, CompressionLevel.Fastest);
            var buffer = new ArrayBufferWriter<byte>(1 << 17);
            using var writer = new Utf8JsonWriter(buffer);
            for (var i = shard; i < world.PlayerCount; i += Shards)
            {
                var sim = world.Simulate(i, faults.Rollbacks);
                sims[i] = sim;
                var sent = sim.Activities.Where(a => a.Time < world.End).ToList();
                totals[i] = new PlayerTotals(sim.Player.Id, sim.Player.Archetype.Name, Totals.Of(sim.Player, sent));
                foreach (var (activity, duplicate) in Deliver(sent, faults, new Random(Seeds.Mix(world.Seed, i, 2))))
                {
                    CanonicalWriter.Write(writer, sim.Player, activity);
                    writer.Flush();
                    writer.Reset();
                    buffer.Write("\n"u8);
                    lines[shard]++;
                    if (duplicate) duplicates[shard]++;
                    if (buffer.WrittenCount > 1 << 16)
                    {
                        gzip.Write(buffer.WrittenSpan);
                        buffer.ResetWrittenCount();
                    }
                }
                // Keep what the summary and the PAM need, not the activities.
                sim.Activities.Clear();
            }
            gzip.Write(buffer.WrittenSpan);
        });

        File.WriteAllBytes(Path.Combine(outDir, GamesFile), JsonSerializer.SerializeToUtf8Bytes(world.Games.ToList(), ContractsJsonContext.Default.ListGame));
        var overall = totals.Aggregate(Totals.Zero, (sum, t) => sum.Add(t.Totals));
        var archetypes = new SortedDictionary<string, int>(sims.GroupBy(s => s.Player.Archetype.Name).ToDictionary(g => g.Key, g => g.Count()), StringComparer.Ordinal);
        var summary = new HistorySummary(world.Seed, world.PlayerCount, (int)(world.End - world.Start).TotalDays, world.Start, world.End,
            world.Games.Count, lines.Sum(), duplicates.Sum(), RollbackCount(sims), overall, archetypes, totals);
        File.WriteAllBytes(Path.Combine(outDir, SummaryFile), JsonSerializer.SerializeToUtf8Bytes(summary, SimulatorJsonContext.Default.HistorySummary));
        if (writeTruth)
        {
            using var truth = new StreamWriter(Path.Combine(outDir, TruthFile));
            foreach (var sim in sims) truth.WriteLine(JsonSerializer.Serialize(Truth(sim), SimulatorJsonContext.Default.PlayerTruth));
        }
        File.WriteAllLines(Path.Combine(outDir, FeaturedFile), Featured(sims, world.End).Select(s => $"{s.Player.Id} {s.Player.Archetype.Name}"));
        return summary;
    }

    private static long RollbackCount(PlayerSimulation[] sims) => sims.Sum(s => (long)s.RolledBack);

    /// <summary>
    /// The order the operator's feed delivers a player's events in: by time, except that some wallet, session and login
    /// events are a little out of order or hours late, and some are sent twice. Player state events (registration,
    /// consents, limits) keep their order, as an operator's PAM feed does.
    /// </summary>
    public static IEnumerable<(Activity Activity, bool Duplicate)> Deliver(IReadOnlyList<Activity> activities, FaultRates faults, Random rng)
    {
        var delivered = new List<(DateTimeOffset Key, int Order, Activity Activity, bool Duplicate)>(activities.Count + 16);
        for (var i = 0; i < activities.Count; i++)
        {
            var a = activities[i];
            var key = a.Time;
            if (a.Kind is ActivityKind.Bet or ActivityKind.Win or ActivityKind.Rollback or ActivityKind.Session or ActivityKind.Login
                or ActivityKind.Deposit or ActivityKind.Withdrawal)
            {
                var u = rng.NextDouble();
                if (u < faults.Late) key += TimeSpan.FromSeconds(3600 + rng.NextDouble() * (FaultRates.MaxLateness.TotalSeconds - 3600));
                else if (u < faults.Late + faults.OutOfOrder) key += TimeSpan.FromSeconds(5 + rng.NextDouble() * 600);
            }
            delivered.Add((key, 2 * i, a, false));
            if (rng.NextDouble() < faults.Duplicates) delivered.Add((a.Time + TimeSpan.FromSeconds(1 + rng.NextDouble() * 7200), 2 * i + 1, a, true));
        }
        delivered.Sort((x, y) => x.Key != y.Key ? x.Key.CompareTo(y.Key) : x.Order.CompareTo(y.Order));
        return delivered.Select(d => (d.Activity, d.Duplicate));
    }

    public static PlayerTruth Truth(PlayerSimulation sim)
    {
        var p = sim.Player;
        var s = sim.State;
        return new PlayerTruth(p.Id, p.Archetype.Name, p.Drifter, p.RegisteredAt, s.ChurnedAt, s.SelfExcludedAt, s.VipAt, s.VipTier,
            s.EmailConsent, new SortedDictionary<string, double>(p.ThemeTaste.Where(t => t.Value > 0.05).ToDictionary(t => t.Key, t => Math.Round(t.Value, 3)), StringComparer.Ordinal),
            new SortedDictionary<string, double>(p.ProviderTaste.ToDictionary(t => t.Key, t => Math.Round(t.Value, 3)), StringComparer.Ordinal),
            sim.Favourites, s.Sessions);
    }

    /// <summary>A few players worth watching in the lobby: active lately, still around, one of each archetype first.</summary>
    public static IReadOnlyList<PlayerSimulation> Featured(IReadOnlyList<PlayerSimulation> sims, DateTimeOffset end, int count = 5)
    {
        var active = sims.Where(s => !s.State.Gone && s.State.Sessions >= 5 && s.State.LastActivity > end.AddDays(-3)).ToList();
        var picked = active.GroupBy(s => s.Player.Archetype.Name).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => g.First()).Take(count).ToList();
        picked.AddRange(active.Except(picked).Take(count - picked.Count));
        return picked;
    }
}
