namespace Shared.Store;

/// <summary>
/// What is published on <see cref="StoreKeys.ProfileChanged"/> after events were applied:
/// <c>playerId|eventType|gameId</c> (gameId empty when the event has none). Kept as a plain string so
/// any subscriber, in any language, can read it.
/// </summary>
public readonly record struct ProfileChange(string PlayerId, string EventType, string? GameId)
{
    public override string ToString() => $"{PlayerId}|{EventType}|{GameId}";

    public static bool TryParse(string? message, out ProfileChange change)
    {
        change = default;
        if (string.IsNullOrEmpty(message)) return false;
        var parts = message.Split('|');
        if (parts.Length < 2 || parts[0].Length == 0) return false;
        change = new ProfileChange(parts[0], parts[1], parts.Length > 2 && parts[2].Length > 0 ? parts[2] : null);
        return true;
    }
}
