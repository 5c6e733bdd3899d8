using Shared.ServiceDefaults;
using System.Globalization;
using Shared.Store;
using StackExchange.Redis;

namespace Ingestion.Profiles;

/// <summary>
/// Carries a store written by the version before the retention-long ledger over, once: that version kept each
/// player's ledger as a hash of transaction and event ids (<see cref="StoreKeys.LegacyLedger"/>, three days deep);
/// every entry becomes a record of the new ledger (fold.lua's <c>mig</c> op, which keeps a record already there), then
/// the old hash is deleted. Profiles, day buckets and games keep their form (fold.lua also folds day fields that
/// version left open). No event is folded before the upgrade is done (<see cref="StoreUpgradeGate"/>); a marker
/// key spares the scan on later starts. Stop every instance of the old version before starting this one.
/// </summary>
public sealed class LedgerUpgrade(IConnectionMultiplexer redis, StoreKeys keys, ProfileWriter writer, StoreUpgradeGate gate,
    ILogger<LedgerUpgrade> logger) : SupervisedService(logger)
{
    public const string Version = "ledger-2";

    /// <summary>Upgrades the store if it needs it and opens the gate. Returns the players and records carried over.</summary>
    public async Task<(int Players, int Records)> UpgradeAsync(CancellationToken ct)
    {
        var db = redis.GetDatabase();
        if (await db.StringGetAsync(keys.StoreVersion) == Version)
        {
            gate.Open();
            return (0, 0);
        }
        int players = 0, records = 0;
        foreach (var server in redis.GetServers().Where(s => !s.IsReplica))
        {
            await foreach (var key in server.KeysAsync(pattern: keys.LegacyLedgerPattern, pageSize: 500).WithCancellation(ct))
            {
                var name = key.ToString();
                var open = name.IndexOf('{', keys.Prefix.Length);
                var player = name[(open + 1)..^1];
                var entries = await db.HashGetAllAsync(key);
                var commands = entries.Select(e => Command(player, e.Name!, e.Value!)).OfType<FoldCommand>().ToList();
                var (outcomes, _) = await writer.FoldAsync(commands);
                await db.KeyDeleteAsync(key);
                players++;
                records += outcomes.Count(o => o == FoldOutcome.Applied);
            }
        }
        await db.StringSetAsync(keys.StoreVersion, Version);
        if (players > 0) logger.LogInformation("Upgraded the ledgers of {Players} players ({Records} records carried over)", players, records);
        gate.Open();
        return (players, records);
    }

    protected override async Task RunAsync(CancellationToken stoppingToken)
    {
        // The store may still be coming up: try until it answers.
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await UpgradeAsync(stoppingToken);
                return;
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                logger.LogWarning(e, "Cannot upgrade the store yet; events wait until it is done. Retrying in 2 s");
                await Task.Delay(TimeSpan.FromSeconds(2), stoppingToken);
            }
        }
    }

    /// <summary>
    /// The <c>mig</c> command for one entry of an old ledger (field: the identity; value: <c>kind|day|…</c>), or null
    /// for an entry this version would not have written.
    /// </summary>
    internal static FoldCommand? Command(string player, string field, string value)
    {
        var f = value.Split('|');
        if (f.Length < 2 || !long.TryParse(f[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var day)) return null;
        long Long(int i) => long.Parse(f[i], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        (LedgerKind Kind, byte[] Payload, string Game)? record = f[0] switch
        {
            "E" or "B" => (LedgerKind.Event, [], ""),
            "R" => (LedgerKind.RolledBackFirst, [], ""),
            "C" => (LedgerKind.Cancelled, [], ""),
            "b" when f.Length >= 5 => (LedgerKind.Bet, LedgerRecords.Bet(Long(2), Long(3)), string.Join('|', f[4..])),
            "w" when f.Length >= 3 => (LedgerKind.Win, LedgerRecords.Amount(Long(2)), ""),
            "D" or "W" when f.Length >= 4 && LedgerRecords.StatusBit(f[2]) is { } bit =>
                (f[0] == "D" ? LedgerKind.Deposit : LedgerKind.Withdrawal, [bit, .. LedgerRecords.Amount(Long(3))], ""),
            _ => null,
        };
        if (record is not { } r) return null;
        return new FoldCommand(player, "ledger.upgrade", field, null,
            ["mig", LedgerRecords.Fingerprint(field, ""), 0, day, (int)r.Kind, r.Payload, r.Game]);
    }
}

/// <summary>Opened when the store is in the form this version writes; the fold waits for it.</summary>
public sealed class StoreUpgradeGate
{
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Ready => _ready.Task;

    public void Open() => _ready.TrySetResult();
}
