using Shared.Contracts;

namespace Lobby.Catalogue;

/// <summary>What a tile may say about a game besides its name.</summary>
[Flags]
public enum Badges
{
    None = 0,
    New = 1,
    Jackpot = 2,
    Hot = 4,
}

/// <summary>
/// The badges of every game in the catalogue at one moment: new = released within the last
/// <see cref="CatalogueOptions.NewReleaseDays"/>, jackpot = the catalogue says so, hot = among the most played of the
/// last hours. <see cref="None"/> gives no game a badge (a player under a safer-gambling restriction sees no promotion).
/// </summary>
public sealed class GameBadges(IReadOnlyDictionary<string, Game> games, IReadOnlySet<string> hot, DateTimeOffset now, int newReleaseDays)
{
    public static GameBadges None { get; } = new(new Dictionary<string, Game>(), new HashSet<string>(), DateTimeOffset.MinValue, 1);

    public Badges For(string gameId)
    {
        if (!games.TryGetValue(gameId, out var game)) return Badges.None;
        var badges = Badges.None;
        if (game.ReleasedAt <= now && game.ReleasedAt > now.AddDays(-newReleaseDays)) badges |= Badges.New;
        if (game.Jackpot) badges |= Badges.Jackpot;
        if (hot.Contains(gameId)) badges |= Badges.Hot;
        return badges;
    }
}
