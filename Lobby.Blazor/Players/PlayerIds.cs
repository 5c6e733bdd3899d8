namespace Lobby.Players;

/// <summary>What a player id may look like: 1–128 characters, no whitespace, no braces (braces delimit the store's hash tags).</summary>
public static class PlayerIds
{
    public const int MaxLength = 128;

    public static bool IsValid(string? playerId)
    {
        if (string.IsNullOrEmpty(playerId) || playerId.Length > MaxLength) return false;
        foreach (var c in playerId)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c) || c is '{' or '}') return false;
        }
        return true;
    }
}
