namespace Shared.Contracts;

/// <summary>
/// What a player id may look like, everywhere: 1–128 characters, none of them a brace, '|', whitespace or a control
/// character. Braces delimit the store's hash tags (a player's keys share one slot by their id) and '|' joins an id to
/// others in the store's records, so an id holding one could pass for another's.
/// </summary>
public static class PlayerIds
{
    public const int MaxLength = 128;

    /// <summary>What is wrong with the id, in words that follow a field name; null when it is valid.</summary>
    public static string? Problem(string? id)
    {
        if (string.IsNullOrEmpty(id)) return "is required (the player id)";
        if (id.Length > MaxLength) return $"must be at most {MaxLength} characters";
        foreach (var c in id)
        {
            if (c is '{' or '}' or '|' || char.IsWhiteSpace(c) || char.IsControl(c)) return "must not contain braces, '|', spaces or control characters";
        }
        return null;
    }

    public static bool IsValid(string? id) => Problem(id) is null;
}
