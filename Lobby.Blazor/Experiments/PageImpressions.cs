using System.Text.Json;
using Shared.Contracts;

namespace Lobby.Experiments;

/// <summary>
/// What one lobby page has shown its player, so each row shown is reported once as a <c>lobby.impression</c> (again only
/// when its games or its place change: a push that brings the same row is not a new impression) and a game launched from
/// a row's tile as a <c>lobby.launch</c> naming that impression. Each event names the player's group in the lobby's
/// experiment, and a placement's row its placement's experiment (only its treatment group sees it). Lives as long as the
/// page; used from the page's own circuit, one call at a time.
/// </summary>
public sealed class PageImpressions(ImpressionSender queue, TimeProvider clock)
{
    private sealed record Shown(string Signature, string ImpressionId, int RowPosition, string[] GameIds, string? ModelVersion, Dictionary<string, string>? Experiments);

    private readonly Dictionary<string, Shown> _shown = new(StringComparer.Ordinal);

    /// <summary>Rows in the order the page shows them, top first; <paramref name="lobbyGroup"/> null when the player is in no group.</summary>
    public void RowsShown(string playerId, IReadOnlyList<LobbyRow> rows, string? lobbyGroup)
    {
        if (!queue.Enabled) return;
        var position = 0;
        foreach (var row in rows)
        {
            if (row.Items.Count == 0) continue;
            var games = row.Items.Take(LobbyEventLimits.MaxGames).Select(i => i.GameId).ToArray();
            var signature = $"{position}|{string.Join(',', games)}";
            if (_shown.TryGetValue(row.List, out var before) && before.Signature == signature)
            {
                position++;
                continue;
            }
            var id = $"imp-{Guid.NewGuid():N}";
            var experiments = ExperimentsOf(row.List, lobbyGroup);
            _shown[row.List] = new Shown(signature, id, position, games, row.ModelVersion, experiments);
            var data = new LobbyImpressed(row.List, position, games, row.ModelVersion, experiments);
            queue.Enqueue(Event(id, EventTypes.LobbyImpression, playerId, JsonSerializer.SerializeToElement(data, ContractsJsonContext.Default.LobbyImpressed)));
            position++;
        }
    }

    /// <summary>A game launched from a tile of row <paramref name="list"/>; nothing when the row was never reported or no longer holds the game.</summary>
    public void Launched(string playerId, string list, string gameId)
    {
        if (!queue.Enabled || !_shown.TryGetValue(list, out var shown)) return;
        var at = Array.IndexOf(shown.GameIds, gameId);
        if (at < 0) return;
        var data = new LobbyLaunched(shown.ImpressionId, list, shown.RowPosition, at, gameId, shown.ModelVersion, shown.Experiments);
        queue.Enqueue(Event($"lch-{Guid.NewGuid():N}", EventTypes.LobbyLaunch, playerId, JsonSerializer.SerializeToElement(data, ContractsJsonContext.Default.LobbyLaunched)));
    }

    /// <summary>The lobby's experiment for every row; a placement's row (list <c>placement-{id}</c>, also its experiment's id) is its treatment's.</summary>
    internal static Dictionary<string, string>? ExperimentsOf(string list, string? lobbyGroup)
    {
        var experiments = new Dictionary<string, string>(StringComparer.Ordinal);
        if (lobbyGroup is not null) experiments[ExperimentIds.Lobby] = lobbyGroup;
        if (list.StartsWith(ExperimentIds.PlacementPrefix, StringComparison.Ordinal)) experiments[list] = ExperimentGroups.Treatment;
        return experiments.Count == 0 ? null : experiments;
    }

    private CloudEvent Event(string id, string type, string playerId, JsonElement data) =>
        new("1.0", id, queue.Source, type, clock.GetUtcNow(), playerId, data);
}

/// <summary>What a lobby event may carry (Ingestion refuses more).</summary>
public static class LobbyEventLimits
{
    public const int MaxGames = 100;
}
