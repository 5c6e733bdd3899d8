using Lobby.Catalogue;
using Shared.Contracts;

namespace Lobby.Rows;

/// <summary>Turns what is known about a player into rows of games, joined with the catalogue. Pure: no I/O.</summary>
public static class RowBuilder
{
    public const string ContinuePlayingList = "continue-playing";
    public const string ContinuePlayingTitle = "Continue playing";
    public const int DefaultLimit = 20;

    /// <summary>
    /// The games the player played (their most recent and their most played), most recently played first, as
    /// Intelligence's continue-playing list gives them: a game the catalogue knows is left out unless it is offered to
    /// the player's market at <paramref name="now"/> (<see cref="CatalogueRows.Offerable"/>, the rule the game page
    /// plays by), jackpot or not (the player's own history is not marketing).
    /// </summary>
    public static LobbyRow ContinuePlaying(PlayerProfile profile, IReadOnlyDictionary<string, Game> catalog, DateTimeOffset now, int limit = DefaultLimit)
    {
        var items = Played(profile)
            .Where(g => !catalog.TryGetValue(g.GameId, out var game) || CatalogueRows.Offerable(game, profile.Market ?? profile.Country, now))
            .OrderByDescending(g => g.LastPlayedAt.HasValue)
            .ThenByDescending(g => g.LastPlayedAt)
            .ThenByDescending(g => g.Rounds)
            .ThenBy(g => g.GameId, StringComparer.Ordinal)
            .Select(g => Item(g.GameId, catalog))
            .OfType<LobbyItem>()
            .Take(limit)
            .ToList();
        return new LobbyRow(ContinuePlayingList, ContinuePlayingTitle, items);
    }

    /// <summary>
    /// The tile of one game: titles from the catalogue, or the id itself when the catalogue does not know the game
    /// (yet). Null for a game the operator has disabled, which the lobby must not offer.
    /// </summary>
    public static LobbyItem? Item(string gameId, IReadOnlyDictionary<string, Game> catalog)
    {
        if (!catalog.TryGetValue(gameId, out var game)) return new LobbyItem(gameId, gameId, "", "");
        return game.Enabled ? new LobbyItem(game.Id, game.Title, game.Provider, game.Category) : null;
    }

    /// <summary>Every game id the rows of a profile may show, to fetch from the catalogue in one call.</summary>
    public static IReadOnlyList<string> GameIds(PlayerProfile profile) => Played(profile).Select(g => g.GameId).ToList();

    /// <summary>Each game the profile lists once, with the latest time it was played.</summary>
    private static IEnumerable<GamePlay> Played(PlayerProfile profile) =>
        (profile.Games.Recent ?? []).Concat(profile.Games.Top ?? [])
            .Where(g => !string.IsNullOrEmpty(g.GameId))
            .GroupBy(g => g.GameId, StringComparer.Ordinal)
            .Select(plays => plays.MaxBy(g => g.LastPlayedAt ?? DateTimeOffset.MinValue)!);
}
