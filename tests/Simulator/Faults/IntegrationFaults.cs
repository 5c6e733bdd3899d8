using Shared.Contracts;
using Simulator.History;
using Simulator.Population;

namespace Simulator.Faults;

/// <summary>
/// Integration faults planted in a history, for the on-call engineer's tools to find (reconciliation, feed states, ops
/// alerts). <see cref="None"/> (the default) leaves the history byte for byte as it always was; any other value first
/// makes the wallet feed reconciliation-grade (<see cref="Reconciled"/>), then plants the faults asked for. What was
/// planted is written to <c>planted.json</c> (<see cref="PlantedFaults"/>), so a test compares what is found with it.
/// </summary>
/// <param name="Reconciled">Every round closes (a losing round with a zero win that says <c>roundClosed</c>, as a
/// Fast Track Loss does), wallet events name the game's provider and deposits their PSP, game sessions are reported when
/// they end: a clean feed has nothing to reconcile. Wins after the end of history that close a round of a bet before it are sent too.</param>
/// <param name="SilentSource">A feed (CloudEvent source) that stops sending at <paramref name="SilentFrom"/>: nothing
/// arriving at or after it is delivered.</param>
/// <param name="DeclinePsp">A PSP whose deposits at or after <paramref name="DeclinesFrom"/> are each, with chance
/// <paramref name="DeclineShare"/>, preceded by a declined attempt (a spike of declines).</param>
/// <param name="OpenRoundsProvider">A game provider that leaves rounds open: with chance <paramref name="OpenRoundShare"/>
/// a round of its games gets no closure (its win says <c>roundClosed: false</c>, a losing round's zero win is not sent).</param>
/// <param name="OrphanRollbackShare">Chance per bet of a rollback, ten seconds later, of a transaction never sent.</param>
/// <param name="ConflictShare">Chance per bet of the bet being resent an hour later with another amount (same transactionId).</param>
/// <param name="LateSource">A feed whose every event arrives <paramref name="LateBy"/> after its time.</param>
public sealed record IntegrationFaults(
    bool Reconciled = false,
    string? SilentSource = null, DateTimeOffset? SilentFrom = null,
    string? DeclinePsp = null, double DeclineShare = 0, DateTimeOffset? DeclinesFrom = null,
    string? OpenRoundsProvider = null, double OpenRoundShare = 0,
    double OrphanRollbackShare = 0,
    double ConflictShare = 0,
    string? LateSource = null, TimeSpan LateBy = default)
{
    public static readonly IntegrationFaults None = new();

    /// <summary>A clean, reconciliation-grade feed: nothing planted.</summary>
    public static readonly IntegrationFaults Clean = new(Reconciled: true);

    /// <summary>The PSPs deposits go through (one per deposit, drawn from its id).</summary>
    public static readonly string[] Psps = ["adyen", "paysafe", "trustly", "worldpay"];

    /// <summary>On: the history is planted (and reconciliation-grade); off: untouched.</summary>
    public bool Active => this != None;

    /// <summary>Checked before any history is written: each fault names what it needs.</summary>
    public void Validate()
    {
        static void Share(double v, string name)
        {
            if (v is < 0 or > 1 || double.IsNaN(v)) throw new ArgumentException($"{name} must be between 0 and 1, got {v}");
        }
        Share(DeclineShare, "--fault-declines-share");
        Share(OpenRoundShare, "--fault-open-rounds-share");
        Share(OrphanRollbackShare, "--fault-orphan-rollbacks");
        Share(ConflictShare, "--fault-conflicts");
        if ((SilentSource is null) != (SilentFrom is null)) throw new ArgumentException("--fault-silent-source and --fault-silent-from go together");
        if (DeclinePsp is not null && !Psps.Contains(DeclinePsp, StringComparer.Ordinal))
        {
            throw new ArgumentException($"--fault-declines-psp must be one of {string.Join(", ", Psps)}, got '{DeclinePsp}'");
        }
        if ((LateSource is null) != (LateBy <= TimeSpan.Zero)) throw new ArgumentException("--fault-late-source needs a positive --fault-late-by, and the other way round");
    }
}

/// <summary>What was planted, by kind: the ledger the tests (and a person reading planted.json) compare findings with.</summary>
public sealed record PlantedFaults(
    List<PlantedRound> OpenRounds, List<PlantedRollback> OrphanRollbacks, List<PlantedConflict> Conflicts, List<PlantedDecline> Declines,
    PlantedFeed? Silent, PlantedFeed? Late)
{
    public static PlantedFaults Empty() => new([], [], [], [], null, null);

    /// <summary>Adds another shard's ledger (the feed faults are counted, not listed).</summary>
    public void Add(PlantedFaults other)
    {
        OpenRounds.AddRange(other.OpenRounds);
        OrphanRollbacks.AddRange(other.OrphanRollbacks);
        Conflicts.AddRange(other.Conflicts);
        Declines.AddRange(other.Declines);
    }

    public PlantedFaults Sorted() => this with
    {
        OpenRounds = [.. OpenRounds.OrderBy(r => r.BetAt).ThenBy(r => r.RoundId, StringComparer.Ordinal)],
        OrphanRollbacks = [.. OrphanRollbacks.OrderBy(r => r.At).ThenBy(r => r.TransactionId, StringComparer.Ordinal)],
        Conflicts = [.. Conflicts.OrderBy(c => c.ResentAt).ThenBy(c => c.TransactionId, StringComparer.Ordinal)],
        Declines = [.. Declines.OrderBy(d => d.At).ThenBy(d => d.TransactionId, StringComparer.Ordinal)],
    };
}

public sealed record PlantedRound(string Source, string Provider, string PlayerId, string RoundId, string BetTransactionId, DateTimeOffset BetAt);

public sealed record PlantedRollback(string Source, string Provider, string PlayerId, string TransactionId, string ReferencedTransactionId, DateTimeOffset At);

public sealed record PlantedConflict(string Source, string PlayerId, string TransactionId, decimal FirstAmount, decimal ResentAmount, DateTimeOffset ResentAt);

public sealed record PlantedDecline(string Psp, string PlayerId, string TransactionId, DateTimeOffset At);

/// <summary>A feed fault: the source, from when (silent) or by how much (late), and how many events it withheld or delayed.</summary>
public sealed record PlantedFeed(string Source, DateTimeOffset? From, TimeSpan? By, long Events);

/// <summary>Plants one player's faults into their activities (on the player's own seeded stream, so shards stay independent).</summary>
public static class FaultPlanter
{
    /// <summary>
    /// The activities to send, with the faults planted and (when <see cref="IntegrationFaults.Reconciled"/>) every round
    /// closed: <paramref name="all"/> is the player's whole simulation, of which those before <paramref name="end"/>
    /// are sent, plus the wins after it that close a round bet before it.
    /// </summary>
    public static List<Activity> Plant(Player player, IReadOnlyList<Activity> all, IReadOnlyDictionary<string, string> providerOfGame,
        DateTimeOffset end, IntegrationFaults faults, Random rng, PlantedFaults planted)
    {
        var betsBeforeEnd = all.Where(a => a.Kind == ActivityKind.Bet && a.Time < end).Select(a => a.RoundId!).ToHashSet(StringComparer.Ordinal);
        var wonRounds = all.Where(a => a.Kind == ActivityKind.Win).Select(a => a.RoundId!).ToHashSet(StringComparer.Ordinal);
        var betOf = all.Where(a => a.Kind == ActivityKind.Bet).ToDictionary(a => a.Id, StringComparer.Ordinal);
        // Rounds the provider leaves open, drawn once per round in the order of the bets.
        var leftOpen = new HashSet<string>(StringComparer.Ordinal);
        var sent = new List<Activity>(all.Count + 16);
        foreach (var a in all)
        {
            var closesEarlierBet = a.Kind == ActivityKind.Win && betsBeforeEnd.Contains(a.RoundId!);
            if (a.Time >= end && !closesEarlierBet) continue;
            var provider = a.GameId is { } g ? providerOfGame[g] : a.Reference is { } r && betOf.TryGetValue(r, out var b) ? providerOfGame[b.GameId!] : null;
            switch (a.Kind)
            {
                case ActivityKind.Bet:
                {
                    var bet = a with { Provider = provider };
                    sent.Add(bet);
                    if (!a.RolledBack && provider == faults.OpenRoundsProvider && rng.NextDouble() < faults.OpenRoundShare)
                    {
                        leftOpen.Add(a.RoundId!);
                        planted.OpenRounds.Add(new(CanonicalWriter.WalletSource, provider!, player.Id, a.RoundId!, a.Id, a.Time));
                    }
                    if (!a.RolledBack && !wonRounds.Contains(a.RoundId!) && !leftOpen.Contains(a.RoundId!))
                    {
                        // A losing round closes with a zero win, as a wallet that reports closures sends it.
                        sent.Add(new Activity(ActivityKind.Win, a.Time.AddSeconds(5), a.Id + "z") { GameId = a.GameId, RoundId = a.RoundId, Flag = true, Provider = provider });
                    }
                    if (rng.NextDouble() < faults.OrphanRollbackShare)
                    {
                        var rollback = new Activity(ActivityKind.Rollback, a.Time.AddSeconds(10), a.Id + "o") { Reference = a.Id + "-never-sent", Provider = provider };
                        sent.Add(rollback);
                        planted.OrphanRollbacks.Add(new(CanonicalWriter.WalletSource, provider!, player.Id, rollback.Id, rollback.Reference!, rollback.Time));
                    }
                    if (rng.NextDouble() < faults.ConflictShare)
                    {
                        // An hour later: past any reordering of the first version, so the first sent is the first to arrive.
                        var resent = bet with { Time = a.Time.AddHours(1), Amount = a.Amount + 1 };
                        sent.Add(resent);
                        planted.Conflicts.Add(new(CanonicalWriter.WalletSource, player.Id, a.Id, a.Amount, resent.Amount, resent.Time));
                    }
                    break;
                }
                case ActivityKind.Win:
                    sent.Add(a with { Provider = provider, Flag = !leftOpen.Contains(a.RoundId!) });
                    break;
                case ActivityKind.Rollback:
                    sent.Add(a with { Provider = provider });
                    break;
                case ActivityKind.Deposit:
                {
                    var psp = IntegrationFaults.Psps[(int)((uint)StableHash(a.Id) % (uint)IntegrationFaults.Psps.Length)];
                    if (psp == faults.DeclinePsp && a.Status == "approved" && (faults.DeclinesFrom is not { } from || a.Time >= from) && rng.NextDouble() < faults.DeclineShare)
                    {
                        var declined = a with { Id = a.Id + "d", Time = a.Time.AddSeconds(-30), Status = "rejected", Provider = psp };
                        sent.Add(declined);
                        planted.Declines.Add(new(psp, player.Id, declined.Id, declined.Time));
                    }
                    sent.Add(a with { Provider = psp });
                    break;
                }
                case ActivityKind.Session:
                    // A game session is reported when it ends, as a provider's feed sends it.
                    sent.Add(a with { ReportedAt = a.Until });
                    break;
                default:
                    sent.Add(a);
                    break;
            }
        }
        // In time order, as the simulation made them (stable: equal times keep their order).
        return [.. sent.OrderBy(a => a.ReportedAt ?? a.Time)];
    }

    /// <summary>FNV-1a of the id: the same PSP for a deposit on every run and platform.</summary>
    private static int StableHash(string s)
    {
        var h = 2166136261u;
        foreach (var c in s) h = (h ^ c) * 16777619u;
        return (int)h;
    }
}
