using System.IO.Compression;
using System.Text.Json;

namespace Intelligence.Recommendations.Evaluation;

/// <summary>One round a player bet on, with its time: what Redis folds away and an evaluation needs.</summary>
public readonly record struct Round(string GameId, DateTimeOffset Time);

/// <summary>A device the player was seen on (a login or a game session), and when.</summary>
public readonly record struct DeviceSeen(DateTimeOffset Time, string Device);

public sealed class HistoryPlayer(string playerId)
{
    public string PlayerId { get; } = playerId;
    public string? Market { get; set; }
    public DateTimeOffset? RegisteredAt { get; set; }
    public List<Round> Rounds { get; } = [];
    /// <summary>Logins and game sessions that named a device, in file order.</summary>
    public List<DeviceSeen> Devices { get; } = [];

    /// <summary>The last device seen before <paramref name="time"/>: what the profile's <c>dev</c> would hold then.</summary>
    public string? DeviceBefore(DateTimeOffset time)
    {
        DeviceSeen? last = null;
        foreach (var d in Devices)
        {
            if (d.Time < time && (last is null || d.Time >= last.Value.Time)) last = d;
        }
        return last?.Device;
    }

    /// <summary>The first device seen at or after <paramref name="time"/>: what a lobby would pass when the player comes back.</summary>
    public string? DeviceFrom(DateTimeOffset time)
    {
        DeviceSeen? first = null;
        foreach (var d in Devices)
        {
            if (d.Time >= time && (first is null || d.Time < first.Value.Time)) first = d;
        }
        return first?.Device;
    }
}

/// <summary>
/// Reads canonical event history (NDJSON, gzip by name) into per-player rounds with their times, for offline
/// evaluation: the profile in Redis keeps per game only totals and the last time, not when a game was first played.
/// Bets are counted once per transaction id, as Ingestion does; rollbacks are rare enough to be ignored here. Logins
/// and sessions give the devices the player was seen on.
/// </summary>
public static class CanonicalHistory
{
    public static IReadOnlyDictionary<string, HistoryPlayer> Read(IEnumerable<string> files)
    {
        var players = new Dictionary<string, HistoryPlayer>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            using var stream = File.OpenRead(file);
            using var reader = new StreamReader(file.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(stream, CompressionMode.Decompress) : stream);
            while (reader.ReadLine() is { } line)
            {
                if (line.Length == 0) continue;
                Apply(players, seen, line);
            }
        }
        return players;
    }

    public static void Apply(Dictionary<string, HistoryPlayer> players, HashSet<string> seen, string line)
    {
        using var doc = JsonDocument.Parse(line);
        var root = doc.RootElement;
        var type = root.GetProperty("type").GetString();
        if (type is not ("wallet.bet" or "player.registered" or "player.updated" or "player.login" or "game.session")) return;
        var subject = root.GetProperty("subject").GetString();
        if (string.IsNullOrEmpty(subject) || !root.TryGetProperty("data", out var data)) return;
        if (!players.TryGetValue(subject, out var player)) players[subject] = player = new HistoryPlayer(subject);
        var time = root.TryGetProperty("time", out var t) ? t.GetDateTimeOffset() : (DateTimeOffset?)null;
        switch (type)
        {
            case "wallet.bet":
                var tx = data.GetProperty("transactionId").GetString()!;
                if (time is null || !seen.Add(subject + "|" + tx)) return;
                player.Rounds.Add(new Round(data.GetProperty("gameId").GetString()!, time.Value));
                break;
            case "player.login" or "game.session":
                if (time is { } at && Text(data, "device") is { } device) player.Devices.Add(new DeviceSeen(at, device));
                break;
            case "player.registered":
                player.RegisteredAt ??= time;
                player.Market ??= Text(data, "market") ?? Text(data, "country");
                break;
            default:
                if (Text(data, "market") is { } market) player.Market = market;
                break;
        }
    }

    private static string? Text(JsonElement data, string name) =>
        data.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
