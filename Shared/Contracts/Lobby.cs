namespace Shared.Contracts;

/// <summary>Pushed on the <c>/hubs/lobby</c> hub to the player it belongs to, and only to them.</summary>
public sealed record LobbyUpdated(string PlayerId, IReadOnlyList<LobbyRow> Rows, string Reason, DateTimeOffset At);

/// <param name="ModelVersion">The recommender version that chose the row's games; null for rows no model chose.</param>
public sealed record LobbyRow(string List, string Title, IReadOnlyList<LobbyItem> Items, string? ModelVersion = null);

public sealed record LobbyItem(string GameId, string Title, string Provider, string Category);

/// <summary>What a lobby client can be sent (strongly typed hub).</summary>
public interface ILobbyClient
{
    Task LobbyUpdated(LobbyUpdated update);
}
