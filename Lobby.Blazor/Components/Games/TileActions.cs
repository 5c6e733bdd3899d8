using Lobby.Catalogue;
using Shared.Contracts;

namespace Lobby.Components.Games;

/// <summary>
/// Cascaded to the tiles below a page or dialog: the badges to show, and what opening a tile does. A tile in a row also
/// says which row it is in (<see cref="OpenFromRow"/>, when given), so a game launched from it counts for that row.
/// </summary>
public sealed record TileActions(GameBadges Badges, Func<LobbyItem, Task> Open, Func<LobbyItem, string, Task>? OpenFromRow = null);
