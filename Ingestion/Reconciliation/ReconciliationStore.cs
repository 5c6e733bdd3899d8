using System.Reflection;
using Microsoft.Extensions.Options;
using Shared.Contracts;
using Shared.Store;
using StackExchange.Redis;

namespace Ingestion.Reconciliation;

/// <summary>
/// Keeps reconciliation in the store as events are folded (reconcile.lua, one atomic call per source and slice of a
/// batch, so any number of instances may record at once) and reads it back for <c>GET /v1/reconciliation</c>,
/// judging deadlines against the injected clock.
/// </summary>
public sealed class ReconciliationStore(IConnectionMultiplexer redis, StoreKeys keys, TimeProvider clock, IOptions<ReconciliationOptions> options)
{
    public static readonly string Script = ReadScript();
    private const int EventsPerCall = 500;
    private const char Separator = '\u001f';
    private const char VersionSeparator = '\u001e';
    private const int Arity = 6;
    private static readonly string[] Parts = ["tx:a", "tx:b", "open", "open:z", "wait", "orphan:z", "conflict", "conflict:d", "reversed", "reversed:d", "meta"];
    private readonly ReconciliationOptions _options = options.Value;

    /// <summary>
    /// Records these facts: those of the events the fold did not refuse (too old, erased player), which the writer picks
    /// (<see cref="Profiles.ProfileWriter"/>), so reconciliation knows nothing of the fold.
    /// </summary>
    public Task RecordAsync(IEnumerable<ReconciliationFact> applied)
    {
        if (!_options.Enabled) return Task.CompletedTask;
        Dictionary<string, List<ReconciliationFact>>? bySource = null;
        foreach (var fact in applied)
        {
            bySource ??= new(StringComparer.Ordinal);
            if (!bySource.TryGetValue(fact.Source, out var list)) bySource[fact.Source] = list = [];
            list.Add(fact);
        }
        if (bySource is null) return Task.CompletedTask;

        var db = redis.GetDatabase();
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var calls = new List<Task>();
        calls.Add(db.SetAddAsync(keys.ReconciliationSources, bySource.Keys.Select(s => (RedisValue)s).ToArray()));
        foreach (var (source, facts) in bySource)
        {
            var sourceKeys = Parts.Select(p => keys.Reconciliation(source, p)).ToArray();
            for (var from = 0; from < facts.Count; from += EventsPerCall)
            {
                var slice = facts.Skip(from).Take(EventsPerCall).ToList();
                var args = new RedisValue[3 + slice.Count * Arity];
                args[0] = now;
                args[1] = (long)_options.Horizon.TotalMilliseconds;
                args[2] = (long)_options.Retention.TotalMilliseconds;
                var at = 3;
                foreach (var f in slice) at = Put(args, at, f);
                calls.Add(db.ScriptEvaluateAsync(Script, sourceKeys, args));
            }
        }
        return Task.WhenAll(calls);
    }

    /// <summary>
    /// One fact as reconcile.lua's six arguments: its kind, transaction, reference, time, and the strings the script keeps
    /// (the version it compares resends with, the open round's, waiting rollback's or reversed payment's details) built
    /// here, in Ingestion, because the store's one core is what the ingest path waits on.
    /// </summary>
    private static int Put(RedisValue[] args, int at, ReconciliationFact f)
    {
        var time = f.TimeMs.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var units = f.Units.ToString(System.Globalization.CultureInfo.InvariantCulture);
        string kind, id = f.TransactionId, version = "", detail = "";
        switch (f.Op)
        {
            case "bet":
                kind = "b";
                version = string.Join(VersionSeparator, "bet", f.PlayerId, f.Reference, f.GameId, units, f.Currency);
                detail = string.Join(Separator, time, f.PlayerId, f.TransactionId, f.GameId, f.Provider);
                break;
            case "win":
                kind = f.Flag == "1" ? "c" : "w";
                version = string.Join(VersionSeparator, "win", f.PlayerId, f.Reference, f.GameId, units, f.Currency);
                break;
            case "rb":
                kind = "r";
                version = string.Join(VersionSeparator, "rb", f.PlayerId, f.Reference);
                detail = string.Join(Separator, f.PlayerId, f.TransactionId, time, f.Provider);
                break;
            case "pay":
                kind = "p";
                id = f.TransactionId + Separator + f.Flag;
                detail = string.Join(Separator, f.PlayerId, f.TransactionId, f.Reference, f.Flag, units, f.Currency, f.Provider);
                break;
            default:
                throw new ArgumentException($"reconciliation fact of unknown op '{f.Op}'", nameof(f));
        }
        args[at] = kind;
        args[at + 1] = id;
        args[at + 2] = f.Op == "pay" ? "" : f.Reference;
        args[at + 3] = time;
        args[at + 4] = version;
        args[at + 5] = detail;
        return at + Arity;
    }

    /// <summary>The report, for one source or all, one provider or all; deadlines judged at the clock's now.</summary>
    public async Task<ReconciliationReport> ReadAsync(string? source, string? provider)
    {
        var db = redis.GetDatabase();
        var now = clock.GetUtcNow();
        var sources = string.IsNullOrEmpty(source)
            ? (await db.SetMembersAsync(keys.ReconciliationSources)).Select(v => v.ToString()).Order(StringComparer.Ordinal).ToList()
            : [source];
        var n = _options.Items;
        var parts = await Task.WhenAll(sources.Select(s => ReadSourceAsync(db, s, provider, now)));
        return new ReconciliationReport(
            Merge(parts.Select(p => p.Open), r => r.BetAt, n),
            Merge(parts.Select(p => p.Orphans), r => r.ArrivedAt, n),
            Merge(parts.Select(p => p.Conflicts), r => r.ArrivedAt, n),
            Merge(parts.Select(p => p.Reversed), r => r.At, n),
            now);
    }

    /// <summary>Each source's report (for the gauges Prometheus alerts on).</summary>
    public async Task<IReadOnlyList<(string Source, ReconciliationReport Report)>> ReadBySourceAsync()
    {
        var sources = (await redis.GetDatabase().SetMembersAsync(keys.ReconciliationSources)).Select(v => v.ToString()).Order(StringComparer.Ordinal).ToList();
        var reports = await Task.WhenAll(sources.Select(s => ReadAsync(s, null)));
        return sources.Zip(reports).ToList();
    }

    /// <summary>
    /// Removes every item that names the player (an erasure): their transactions' versions, open rounds, waiting
    /// rollbacks, conflicting duplicates and reversed payments, in every source. It reads each source's whole state
    /// (HSCAN, in pages), which an erasure, rare, can afford; the events themselves are refused from the erasure's mark on.
    /// </summary>
    public async Task<int> ForgetPlayerAsync(string playerId)
    {
        // (details hash, the sorted set indexing it, where the player is among an item's parts, the parts' separator)
        (string Details, string? Index, int At, char Sep)[] kinds =
        [
            ("tx:a", null, 1, '\u001e'), ("tx:b", null, 1, '\u001e'), ("open", "open:z", 1, Separator), ("wait", "orphan:z", 0, Separator),
            ("conflict:d", "conflict", 3, Separator), ("reversed:d", "reversed", 0, Separator),
        ];
        var db = redis.GetDatabase();
        var removed = 0;
        foreach (var source in await db.SetMembersAsync(keys.ReconciliationSources))
        {
            foreach (var (details, index, at, sep) in kinds)
            {
                var key = keys.Reconciliation(source.ToString(), details);
                var naming = new List<RedisValue>();
                await foreach (var e in db.HashScanAsync(key, pageSize: 1_000))
                {
                    var parts = e.Value.ToString().Split(sep);
                    if (parts.Length > at && parts[at] == playerId) naming.Add(e.Name);
                }
                if (naming.Count == 0) continue;
                // One source's keys share its hash tag, so the item and its index go together on Redis Cluster too.
                var both = db.CreateTransaction();
                _ = both.HashDeleteAsync(key, [.. naming]);
                if (index is not null) _ = both.SortedSetRemoveAsync(keys.Reconciliation(source.ToString(), index), [.. naming]);
                await both.ExecuteAsync();
                removed += naming.Count;
            }
        }
        return removed;
    }

    private static ReconciliationKind<T> Merge<T>(IEnumerable<ReconciliationKind<T>> kinds, Func<T, DateTimeOffset> newest, int n)
    {
        var all = kinds.ToList();
        return new(all.Sum(k => k.Count), all.SelectMany(k => k.Items).OrderByDescending(newest).Take(n).ToList());
    }

    private sealed record SourcePart(ReconciliationKind<OpenRound> Open, ReconciliationKind<OrphanRollback> Orphans,
        ReconciliationKind<ConflictingDuplicate> Conflicts, ReconciliationKind<ReversedPayment> Reversed);

    private async Task<SourcePart> ReadSourceAsync(IDatabase db, string source, string? provider, DateTimeOffset now)
    {
        RedisKey K(string part) => keys.Reconciliation(source, part);
        var meta = (await db.HashGetAllAsync(K("meta"))).ToDictionary(e => e.Name.ToString(), e => e.Value.ToString(), StringComparer.Ordinal);
        long Gone(string kind) => provider is null && meta.TryGetValue("gone:" + kind, out var v) ? long.Parse(v, System.Globalization.CultureInfo.InvariantCulture) : 0;
        var nowMs = now.ToUnixTimeMilliseconds();

        // Only a source that signals closure (a win with roundClosed) has its rounds judged.
        var open = meta.ContainsKey("closes")
            ? await KindAsync(db, K("open:z"), K("open"), nowMs - (long)_options.OpenRoundAfter.TotalMilliseconds, Gone("open"), provider, d => d[4],
                (id, score, d) => new OpenRound(source, NullIfEmpty(d[4]), d[1], id, d[2], d[3], Time(score), Time(score) + _options.OpenRoundAfter))
            : new ReconciliationKind<OpenRound>(0, []);
        var orphans = await KindAsync(db, K("orphan:z"), K("wait"), nowMs - (long)_options.OrphanRollbackAfter.TotalMilliseconds, Gone("orphan"), provider, d => d[3],
            (id, score, d) => new OrphanRollback(source, NullIfEmpty(d[3]), d[0], d[1], id, Time(long.Parse(d[2], System.Globalization.CultureInfo.InvariantCulture)), Time(score)));
        var conflicts = await KindAsync(db, K("conflict"), K("conflict:d"), long.MaxValue, Gone("conflict"), null, _ => "",
            (_, score, d) => new ConflictingDuplicate(source, d[0], Version(d[1]), Version(d[2]), Time(score)));
        var reversed = await KindAsync(db, K("reversed"), K("reversed:d"), long.MaxValue, Gone("reversed"), provider, d => d[6],
            (_, score, d) => new ReversedPayment(source, NullIfEmpty(d[6]), d[0], d[1], d[2] == "dep" ? EventTypes.WalletDeposit : EventTypes.WalletWithdrawal,
                d[3], Amount(d[4]), Time(score)));
        return new SourcePart(open, orphans, conflicts, reversed);
    }

    /// <summary>
    /// The items of one kind scored at or before <paramref name="dueBy"/>: their count (plus those dropped past the
    /// retention) and the newest. With a provider, every due item's details are read to filter them.
    /// </summary>
    private async Task<ReconciliationKind<T>> KindAsync<T>(IDatabase db, RedisKey set, RedisKey details, long dueBy, long gone,
        string? provider, Func<string[], string> providerOf, Func<string, long, string[], T> item)
    {
        var take = provider is null ? _options.Items : -1;
        var stop = dueBy == long.MaxValue ? double.PositiveInfinity : dueBy;
        var count = provider is null ? db.SortedSetLengthAsync(set, double.NegativeInfinity, stop) : Task.FromResult(0L);
        var newest = await db.SortedSetRangeByScoreWithScoresAsync(set, double.NegativeInfinity, stop, order: Order.Descending, take: take);
        var fields = await db.HashGetAsync(details, newest.Select(e => e.Element).ToArray());
        var items = new List<T>(newest.Length);
        long matching = 0;
        for (var i = 0; i < newest.Length; i++)
        {
            if (fields[i].IsNull) continue;
            var d = fields[i].ToString().Split(Separator);
            if (provider is not null && !string.Equals(providerOf(d), provider, StringComparison.Ordinal)) continue;
            matching++;
            if (items.Count < _options.Items) items.Add(item(newest[i].Element.ToString(), (long)newest[i].Score, d));
        }
        return new(provider is null ? await count + gone : matching, items);
    }

    /// <summary>A version as reconcile.lua keeps it: op, player, round, game, units, currency (or rb, player, referenced transaction) joined by \u001e.</summary>
    private static TransactionVersion Version(string text)
    {
        var p = text.Split('\u001e');
        return p[0] == "rb"
            ? new TransactionVersion(EventTypes.WalletRollback, p[1], null, null, p[2], null, null)
            : new TransactionVersion(p[0] == "bet" ? EventTypes.WalletBet : EventTypes.WalletWin, p[1], p[2], p[3], null, Amount(p[4]), p[5]);
    }

    private static decimal Amount(string units) => ProfileReader.Money(long.Parse(units, System.Globalization.CultureInfo.InvariantCulture));

    private static DateTimeOffset Time(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    private static string? NullIfEmpty(string s) => s.Length == 0 ? null : s;

    private static string ReadScript()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Ingestion.Reconciliation.reconcile.lua")
            ?? throw new InvalidOperationException("embedded script reconcile.lua is missing");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
