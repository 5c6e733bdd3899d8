using Lobby.Catalogue;
using Shared.Contracts;

namespace Lobby.Components.Games;

/// <summary>Cascaded to the tiles below a page or dialog: the badges to show, and what opening a tile does.</summary>
public sealed record TileActions(GameBadges Badges, Func<LobbyItem, Task> Open);
