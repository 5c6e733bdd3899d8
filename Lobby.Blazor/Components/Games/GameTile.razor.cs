using Microsoft.AspNetCore.Components;
using Shared.Contracts;

namespace Lobby.Components.Games;

/// <summary>One game: its artwork, title and provider.</summary>
public sealed partial class GameTile
{
    [Parameter, EditorRequired]
    public LobbyItem Item { get; set; } = default!;

    private string Art { get; set; } = "";

    internal string TestId => $"tile-{Item.GameId}";

    /// <summary>What a screen reader says for the picture: the game, its kind and its maker, as far as they are known.</summary>
    internal string AltText
    {
        get
        {
            var kind = string.IsNullOrEmpty(Item.Category) ? "game" : $"{Item.Category} game";
            return string.IsNullOrEmpty(Item.Provider) ? $"{Item.Title}, {kind}" : $"{Item.Title}, {kind} by {Item.Provider}";
        }
    }

    private string Label => string.IsNullOrEmpty(Item.Provider) ? Item.Title : $"{Item.Title} by {Item.Provider}";

    protected override void OnParametersSet() => Art = GameArt.DataUri(Item);
}
