using System.Buffers;
using System.IO.Compression;
using System.Text.Json;
using Shared.Contracts;
using Simulator.Delivery;
using Simulator.Faults;
using Simulator.Population;

namespace Simulator.History;

/// <summary>
/// History mode: simulates every player up to the end time and writes what the operator would have sent as canonical
/// NDJSON (gzip), one file per shard of players so a loader may take files in parallel while each player's events stay
/// in delivery order. Faults are applied at delivery: duplicates, small reorderings, late events and rollbacks; a
/// <see cref="DeliveryMode"/> other than time order then reorders each shard's events (a per-table export writes one
/// file per table and shard, named so that loading the files in name order sends table after table).
/// </summary>
public static class HistoryGenerator
{
    public const int Shards = 16;
    public const string EventsPattern = "events-*.ndjson.gz";
    public const string SummaryFile = "summary.json";
    public const string TruthFile = "truth.ndjson";
    public const string GamesFile = "games.json";
    public const string FeaturedFile = "featured.txt";
    public const string PlantedFile = "planted.json";

    public static HistorySummary Run(World world, FaultRates faults, string outDir, bool writeTruth, DeliveryMode mode = DeliveryMode.TimeOrdered,
        IntegrationFaults? integration = null)
    {
        integration ??= IntegrationFaults.None;
        integration.Validate();
        var planted = new PlantedFaults[Shards];
        var feedEvents = new long[Shards, 2];
        Directory.CreateDirectory(outDir);
        foreach (var old in Directory.GetFiles(outDir, EventsPattern)) File.Delete(old);
        var sims = new PlayerSimulation[world.PlayerCount];
        var lines = new long[Shards];
        var duplicates = new long[Shards];
        var totals = new PlayerTotals[world.PlayerCount];
        Parallel.For(0, Shards, shard =>
        {
            // The default delivery streams player by player; the other modes order a whole shard's events.
            var held = new List<(Player Player, Activity Activity, bool Duplicate)>();
            using var files = new ShardFiles(outDir, shard);
            planted[shard] = PlantedFaults.Empty();
            var feedFaults = new long[2];
            for (var i = shard; i < world.PlayerCount; i += Shards)
            {
                var (sim, sent) = Simulate(world, i, faults, integration, planted[shard]);
                sims[i] = sim;
                totals[i] = new PlayerTotals(sim.Player.Id, sim.Player.Archetype.Name, Totals.Of(sim.Player, sent));
                foreach (var (_, activity, duplicate) in DeliverAt(sent, faults, new Random(Seeds.Mix(world.Seed, i, 2)), integration, feedFaults))
                {
                    if (mode != DeliveryMode.TimeOrdered)
                    {
                        held.Add((sim.Player, activity, duplicate));
                        continue;
                    }
                    files.Write(EventsFile(shard), sim.Player, activity);
                    lines[shard]++;
                    if (duplicate) duplicates[shard]++;
                }
                // Keep what the summary and the PAM need, not the activities.
                sim.Activities.Clear();
            }
            var sentBefore = new bool[held.Count];
            var items = held.Select((h, i) => new Deliverable(i, h.Player.Id, h.Activity.Time, Table(h.Activity.Kind))).ToList();
            foreach (var i in DeliveryModes.Order(items, mode, Seeds.Mix(world.Seed, shard, 4)))
            {
                var (player, activity, duplicate) = held[i];
                files.Write(mode == DeliveryMode.PerTable ? TableFile(items[i].Table, shard) : EventsFile(shard), player, activity);
                lines[shard]++;
                if (duplicate || sentBefore[i]) duplicates[shard]++;
                sentBefore[i] = true;
            }
            feedEvents[shard, 0] = feedFaults[0];
            feedEvents[shard, 1] = feedFaults[1];
        });
        if (integration.Active)
        {
            var all = Merge(planted, feedEvents, integration);
            File.WriteAllBytes(Path.Combine(outDir, PlantedFile), JsonSerializer.SerializeToUtf8Bytes(all, SimulatorJsonContext.Default.PlantedFaults));
        }

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

    /// <summary>One player simulated, and what of it is sent: before the end time, with the integration faults planted.</summary>
    private static (PlayerSimulation Sim, List<Activity> Sent) Simulate(World world, int i, FaultRates faults, IntegrationFaults integration, PlantedFaults planted)
    {
        var sim = world.Simulate(i, faults.Rollbacks);
        var sent = integration.Active
            ? FaultPlanter.Plant(sim.Player, sim.Activities, world.ProviderOfGame, world.End, integration, new Random(Seeds.Mix(world.Seed, i, 11)), planted)
            : sim.Activities.Where(a => a.Time < world.End).ToList();
        return (sim, sent);
    }

    private static PlantedFaults Merge(PlantedFaults[] shards, long[,] feedEvents, IntegrationFaults integration)
    {
        var all = PlantedFaults.Empty();
        foreach (var p in shards) all.Add(p);
        long silent = 0, late = 0;
        for (var s = 0; s < feedEvents.GetLength(0); s++)
        {
            silent += feedEvents[s, 0];
            late += feedEvents[s, 1];
        }
        return all.Sorted() with
        {
            Silent = integration.SilentSource is { } quiet ? new PlantedFeed(quiet, integration.SilentFrom, null, silent) : null,
            Late = integration.LateSource is { } slow ? new PlantedFeed(slow, null, integration.LateBy, late) : null,
        };
    }

    /// <summary>
    /// Every event of the history as it arrives, in arrival order (players interleaved by time), with what was planted:
    /// for tests that replay a history on a clock (the files hold the order, not the arrival times).
    /// </summary>
    public static (List<(DateTimeOffset Arrival, Player Player, Activity Activity)> Events, PlantedFaults Planted) Arrivals(World world, FaultRates faults,
        IntegrationFaults integration)
    {
        integration.Validate();
        var planted = PlantedFaults.Empty();
        var feedFaults = new long[2];
        var events = new List<(DateTimeOffset Arrival, Player Player, Activity Activity, int Index, int Order)>();
        for (var i = 0; i < world.PlayerCount; i++)
        {
            var (sim, sent) = Simulate(world, i, faults, integration, planted);
            var order = 0;
            foreach (var (arrival, activity, _) in DeliverAt(sent, faults, new Random(Seeds.Mix(world.Seed, i, 2)), integration, feedFaults))
            {
                events.Add((arrival, sim.Player, activity, i, order++));
            }
        }
        var ordered = events.OrderBy(e => e.Arrival).ThenBy(e => e.Index).ThenBy(e => e.Order).Select(e => (e.Arrival, e.Player, e.Activity)).ToList();
        var counts = new long[1, 2];
        counts[0, 0] = feedFaults[0];
        counts[0, 1] = feedFaults[1];
        return (ordered, Merge([planted], counts, integration));
    }

    private static string EventsFile(int shard) => $"events-{shard:00}.ndjson.gz";

    /// <summary>A per-table export's file: named so that name order sends every shard's payments, then every shard's bets, and so on.</summary>
    private static string TableFile(EventTable table, int shard) => $"events-{(int)table}-{table.ToString().ToLowerInvariant()}-{shard:00}.ndjson.gz";

    public static EventTable Table(ActivityKind kind) => kind switch
    {
        ActivityKind.Deposit or ActivityKind.Withdrawal => EventTable.Payments,
        ActivityKind.Bet => EventTable.Bets,
        ActivityKind.Win => EventTable.Wins,
        ActivityKind.Rollback => EventTable.Rollbacks,
        ActivityKind.Session => EventTable.Sessions,
        ActivityKind.Login => EventTable.Logins,
        ActivityKind.Bonus => EventTable.Bonuses,
        _ => EventTable.Players,
    };

    /// <summary>The gzip NDJSON files of one shard, opened as they are first written to.</summary>
    private sealed class ShardFiles(string dir, int shard) : IDisposable
    {
        private readonly Dictionary<string, (GZipStream Gzip, ArrayBufferWriter<byte> Buffer, Utf8JsonWriter Writer)> _open = new(StringComparer.Ordinal);

        public void Write(string name, Player player, Activity activity)
        {
            if (!_open.TryGetValue(name, out var f))
            {
                var file = new FileStream(Path.Combine(dir, name), FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
                var buffer = new ArrayBufferWriter<byte>(1 << 17);
                f = (new GZipStream(file, CompressionLevel.Fastest), buffer, new Utf8JsonWriter(buffer));
                _open[name] = f;
            }
            CanonicalWriter.Write(f.Writer, player, activity);
            f.Writer.Flush();
            f.Writer.Reset();
            f.Buffer.Write("\n"u8);
            if (f.Buffer.WrittenCount > 1 << 16)
            {
                f.Gzip.Write(f.Buffer.WrittenSpan);
                f.Buffer.ResetWrittenCount();
            }
        }

        public void Dispose()
        {
            foreach (var (gzip, buffer, writer) in _open.Values)
            {
                gzip.Write(buffer.WrittenSpan);
                writer.Dispose();
                gzip.Dispose();
            }
            // A shard with no player still writes its (empty) file, as the time-ordered history always has.
            if (_open.Count == 0) using (new GZipStream(File.Create(Path.Combine(dir, $"events-{shard:00}.ndjson.gz")), CompressionLevel.Fastest)) { }
        }
    }

    private static long RollbackCount(PlayerSimulation[] sims) => sims.Sum(s => (long)s.RolledBack);

    /// <summary>
    /// The order the operator's feed delivers a player's events in: by time, except that some wallet, session and login
    /// events are a little out of order or hours late, and some are sent twice. Player state events (registration,
    /// consents, limits) keep their order, as an operator's PAM feed does.
    /// </summary>
    public static IEnumerable<(Activity Activity, bool Duplicate)> Deliver(IReadOnlyList<Activity> activities, FaultRates faults, Random rng) =>
        DeliverAt(activities, faults, rng, IntegrationFaults.None, new long[2]).Select(d => (d.Activity, d.Duplicate));

    /// <summary>
    /// <see cref="Deliver"/> with each event's arrival time, and the feed faults of <paramref name="integration"/>: a
    /// silent feed's events arriving from its silence on are withheld, a late feed's arrive late (counted in
    /// <paramref name="feedFaults"/>: withheld, delayed). The random draws are the same whatever the faults.
    /// </summary>
    public static IEnumerable<(DateTimeOffset Arrival, Activity Activity, bool Duplicate)> DeliverAt(IReadOnlyList<Activity> activities, FaultRates faults,
        Random rng, IntegrationFaults integration, long[] feedFaults)
    {
        var delivered = new List<(DateTimeOffset Key, int Order, Activity Activity, bool Duplicate)>(activities.Count + 16);
        for (var i = 0; i < activities.Count; i++)
        {
            var a = activities[i];
            var key = a.ReportedAt ?? a.Time;
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
        if (integration.Active) delivered = FeedFaults(delivered, integration, feedFaults);
        delivered.Sort((x, y) => x.Key != y.Key ? x.Key.CompareTo(y.Key) : x.Order.CompareTo(y.Order));
        return delivered.Select(d => (d.Key, d.Activity, d.Duplicate));
    }

    private static List<(DateTimeOffset Key, int Order, Activity Activity, bool Duplicate)> FeedFaults(
        List<(DateTimeOffset Key, int Order, Activity Activity, bool Duplicate)> delivered, IntegrationFaults integration, long[] feedFaults)
    {
        var kept = new List<(DateTimeOffset Key, int Order, Activity Activity, bool Duplicate)>(delivered.Count);
        foreach (var d in delivered)
        {
            var source = CanonicalWriter.SourceOf(d.Activity.Kind);
            var key = d.Key;
            if (source == integration.LateSource)
            {
                key += integration.LateBy;
                feedFaults[1]++;
            }
            if (source == integration.SilentSource && key >= integration.SilentFrom)
            {
                feedFaults[0]++;
                continue;
            }
            kept.Add(d with { Key = key });
        }
        return kept;
    }

    public static PlayerTruth Truth(PlayerSimulation sim)
    {
        var p = sim.Player;
        var s = sim.State;
        return new PlayerTruth(p.Id, p.Archetype.Name, p.Drifter, p.RegisteredAt, s.ChurnedAt, s.SelfExcludedAt, s.VipAt, s.VipTier,
            s.EmailConsent, new SortedDictionary<string, double>(p.ThemeTaste.Where(t => t.Value > 0.05).ToDictionary(t => t.Key, t => Math.Round(t.Value, 3)), StringComparer.Ordinal),
            new SortedDictionary<string, double>(p.ProviderTaste.ToDictionary(t => t.Key, t => Math.Round(t.Value, 3)), StringComparer.Ordinal),
            sim.Favourites, s.Sessions, sim.AtRisk?.DriftFrom, sim.AtRisk?.ExcludeAt);
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
