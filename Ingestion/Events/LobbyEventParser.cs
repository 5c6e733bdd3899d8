using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;
using System.Text;
using System.Text.Json;
using Ingestion.Lobby;
using Shared.Contracts;
using StackExchange.Redis;

namespace Ingestion.Events;

/// <summary>
/// Reads the lobby's events, which never reach the player fold: <see cref="EventIngestor"/> routes them here and hands
/// the commands to <see cref="LobbyCounter"/>. Every counter field is
/// <c>kind|experiment|group|…</c>, counted once for all traffic (<c>*|*</c>) and once per experiment the event names:
/// <list type="bullet">
/// <item><c>r|e|g|list</c> rows shown; <c>t|e|g|list|position</c> tiles shown; <c>p|e|g|rowPosition</c> rows shown by place on the page;</item>
/// <item><c>l|e|g|list|position</c> launches from a tile; <c>q|e|g|rowPosition</c> launches by the row's place on the page;</item>
/// <item><c>v|e|g|list|modelVersion</c> rows shown and <c>w|e|g|list|modelVersion</c> launches, by the model that chose the row.</item>
/// </list>
/// </summary>
public static class LobbyEventParser
{
    public const string All = "*";
    public const int MaxGames = 100;
    public const int MaxExperiments = 8;
    public const int MaxRowPosition = 999;
    private const int MaxIdLength = 128;

    /// <summary>True for the lobby's event types (the caller routes them here, away from the profile fold).</summary>
    public static bool IsLobbyEvent(JsonElement e) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty("type"u8, out var t) && t.ValueKind == JsonValueKind.String
        && (t.ValueEquals(EventTypes.LobbyImpression) || t.ValueEquals(EventTypes.LobbyLaunch));

    /// <summary>The command, or <see cref="EventRejectedException"/> naming the field and the problem.</summary>
    /// <param name="oldestDay">Events of earlier days are refused: their counts may be gone, and so may the fingerprints that recognise copies.</param>
    public static LobbyCommand Parse(JsonElement e, DateTimeOffset now, long oldestDay)
    {
        if (!(e.TryGetProperty("specversion", out var spec) && spec.ValueKind == JsonValueKind.String && spec.GetString() == "1.0"))
            throw new EventRejectedException("specversion", "must be \"1.0\"");
        var id = Id(e, "id", "id");
        var source = e.TryGetProperty("source", out var s) && s.ValueKind == JsonValueKind.String && s.GetString() is { Length: > 0 and <= 256 } src
            ? src : throw new EventRejectedException("source", "is required (1 to 256 characters)");
        var type = e.GetProperty("type").GetString()!;
        PlayerIdField.Validate(e.TryGetProperty("subject", out var sub) && sub.ValueKind == JsonValueKind.String ? sub.GetString() : null, "subject");
        var time = now;
        if (e.TryGetProperty("time", out var t) && t.ValueKind != JsonValueKind.Null)
        {
            if (t.ValueKind != JsonValueKind.String || !t.TryGetDateTimeOffset(out time))
                throw new EventRejectedException("time", "must be an RFC 3339 timestamp such as 2026-11-23T10:15:02Z");
        }
        if (time > now.AddHours(1)) throw new EventRejectedException("time", "must not be more than an hour ahead of the server's clock");
        var day = EventParser.DayOf(time);
        if (day < oldestDay) throw new EventRejectedException("time", $"lobby events before {LobbyCommand.DayText(oldestDay)} are beyond the retention (Ingestion:BucketRetentionDays) and not counted");
        if (!e.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Object)
            throw new EventRejectedException("data", "is required and must be a JSON object");

        var list = Id(data, "list", "data.list");
        var rowPosition = Int(data, "rowPosition", MaxRowPosition);
        var model = OptionalId(data, "modelVersion");
        var scopes = Scopes(data);
        var fields = new List<RedisValue>();
        var row = rowPosition.ToString(CultureInfo.InvariantCulture);
        if (type == EventTypes.LobbyImpression)
        {
            var games = Games(data);
            foreach (var (exp, group) in scopes)
            {
                var scope = $"{exp}|{group}|";
                fields.Add($"r|{scope}{list}");
                fields.Add($"p|{scope}{row}");
                for (var i = 0; i < games; i++) fields.Add($"t|{scope}{list}|{i.ToString(CultureInfo.InvariantCulture)}");
                if (model is not null) fields.Add($"v|{scope}{list}|{model}");
            }
        }
        else
        {
            Id(data, "impressionId", "data.impressionId");
            Id(data, "gameId", "data.gameId");
            var position = Int(data, "position", MaxGames - 1).ToString(CultureInfo.InvariantCulture);
            foreach (var (exp, group) in scopes)
            {
                var scope = $"{exp}|{group}|";
                fields.Add($"l|{scope}{list}|{position}");
                fields.Add($"q|{scope}{row}");
                if (model is not null) fields.Add($"w|{scope}{list}|{model}");
            }
        }
        return new LobbyCommand(day, Fingerprint(source, id), [.. fields]);
    }

    /// <summary>8 bytes of XxHash3 of source and id: a false duplicate needs one of a day's n fingerprints to match, n / 2^64 per event.</summary>
    public static byte[] Fingerprint(string source, string id)
    {
        var bytes = Encoding.UTF8.GetBytes($"{source}|{id}");
        var hash = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(hash, XxHash3.HashToUInt64(bytes));
        return hash;
    }

    private static List<(string Experiment, string Group)> Scopes(JsonElement data)
    {
        var scopes = new List<(string, string)> { (All, All) };
        if (!data.TryGetProperty("experiments", out var x) || x.ValueKind == JsonValueKind.Null) return scopes;
        if (x.ValueKind != JsonValueKind.Object)
            throw new EventRejectedException("data.experiments", "must be an object of experiment id to group, e.g. {\"lobby-personalisation\":\"treatment\"}");
        foreach (var p in x.EnumerateObject())
        {
            if (scopes.Count > MaxExperiments) throw new EventRejectedException("data.experiments", $"must name at most {MaxExperiments} experiments");
            var field = $"data.experiments.{p.Name}";
            if (!ValidId(p.Name)) throw new EventRejectedException("data.experiments", $"'{Truncate(p.Name)}' is not an experiment id (1 to {MaxIdLength} printable characters, no '|')");
            var group = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : null;
            if (group is null || !ExperimentGroups.All.Contains(group))
                throw new EventRejectedException(field, $"must be one of {string.Join(", ", ExperimentGroups.All)}");
            scopes.Add((p.Name, group));
        }
        return scopes;
    }

    private static int Games(JsonElement data)
    {
        if (!data.TryGetProperty("gameIds", out var g) || g.ValueKind != JsonValueKind.Array)
            throw new EventRejectedException("data.gameIds", "is required: the games shown, in order");
        var n = g.GetArrayLength();
        if (n is 0 or > MaxGames) throw new EventRejectedException("data.gameIds", $"must list 1 to {MaxGames} games");
        var i = 0;
        foreach (var game in g.EnumerateArray())
        {
            if (game.ValueKind != JsonValueKind.String || !ValidId(game.GetString()))
                throw new EventRejectedException($"data.gameIds[{i}]", $"must be a game id of 1 to {MaxIdLength} printable characters");
            i++;
        }
        return n;
    }

    private static int Int(JsonElement data, string name, int max)
    {
        if (!data.TryGetProperty(name, out var v) || v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out var n) || n < 0 || n > max)
            throw new EventRejectedException($"data.{name}", $"is required: a whole number from 0 to {max}");
        return n;
    }

    private static string Id(JsonElement e, string name, string field) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && v.GetString() is { } s && ValidId(s)
            ? s : throw new EventRejectedException(field, $"is required: 1 to {MaxIdLength} printable characters, no '|'");

    private static string? OptionalId(JsonElement data, string name)
    {
        if (!data.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        return v.ValueKind == JsonValueKind.String && ValidId(v.GetString())
            ? v.GetString() : throw new EventRejectedException($"data.{name}", $"must be 1 to {MaxIdLength} printable characters, no '|'");
    }

    private static bool ValidId(string? s) => s is { Length: > 0 and <= MaxIdLength } && !s.Any(c => c == '|' || char.IsControl(c));

    private static string Truncate(string s) => s.Length <= 64 ? s : s[..64] + "…";
}
