using System.Globalization;
using StackExchange.Redis;

namespace Ingestion.Lobby;

/// <summary>
/// One validated <c>lobby.impression</c> or <c>lobby.launch</c> (<see cref="Events.LobbyEventParser"/>): the UTC day it
/// counts on, its fingerprint (source and id) for de-duplication, and the counter fields it adds one to.
/// </summary>
public sealed record LobbyCommand(long Day, byte[] Fingerprint, RedisValue[] Fields)
{
    /// <summary>A day number (days since 1970-01-01 UTC) as yyyy-MM-dd.</summary>
    public static string DayText(long day) => DateTime.UnixEpoch.AddDays(day).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
