using Lobby.Catalogue;
using Lobby.Components.Layout;
using Microsoft.AspNetCore.Components;

namespace Lobby.Components.Games;

/// <summary>A game's badges as small labels, in the theme's badge colours (<see cref="LobbyTheme.BadgeColors"/>).</summary>
public sealed partial class GameBadgeList
{
    private static readonly (Badges Badge, string Word)[] Order = [(Badges.Jackpot, "Jackpot"), (Badges.Hot, "Hot"), (Badges.New, "New")];

    [Parameter] public Badges Badges { get; set; }

    private IEnumerable<(Badges Badge, string Word, BadgeColors Colors)> Present =>
        Order.Where(b => Badges.HasFlag(b.Badge)).Select(b => (b.Badge, b.Word, LobbyTheme.BadgeColorsOf(b.Badge)));

    /// <summary>The badges' words, in the order the tile shows them.</summary>
    public static IReadOnlyList<string> Words(Badges badges) => Order.Where(b => badges.HasFlag(b.Badge)).Select(b => b.Word).ToList();
}
