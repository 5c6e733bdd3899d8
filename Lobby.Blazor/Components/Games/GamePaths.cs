namespace Lobby.Components.Games;

/// <summary>Addresses of the game pages.</summary>
public static class GamePaths
{
    public static string Play(string gameId) => $"/play/{Uri.EscapeDataString(gameId)}";
}
