using Lobby.Catalogue;
using Microsoft.AspNetCore.Components;
using Shared.Contracts;

namespace Lobby.Components.Games;

/// <summary>One game: its artwork, title, provider and badges; a button that opens the game's details.</summary>
public sealed partial class GameTile
{
    [Parameter, EditorRequired]
    public LobbyItem Item { get; set; } = default!;

    /// <summary>The row the tile is in (its list), or null for a tile outside any row (similar games).</summary>
    [Parameter] public string? RowList { get; set; }

    [CascadingParameter] private TileActions? Actions { get; set; }

    private string Art { get; set; } = "";

    private Badges Shown { get; set; }

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

    /// <summary>The button's name: the game, its maker and its badges, so a screen reader hears what a sighted player sees.</summary>
    private string Label
    {
        get
        {
            var name = string.IsNullOrEmpty(Item.Provider) ? Item.Title : $"{Item.Title} by {Item.Provider}";
            var badges = GameBadgeList.Words(Shown);
            return badges.Count == 0 ? name : $"{name} ({string.Join(", ", badges)})";
        }
    }

    protected override void OnParametersSet()
    {
        Art = GameArt.DataUri(Item);
        Shown = Actions?.Badges.For(Item.GameId) ?? Badges.None;
    }

    private Task OpenAsync() => Actions switch
    {
        { OpenFromRow: { } fromRow } when RowList is not null => fromRow(Item, RowList),
        { } actions => actions.Open(Item),
        null => Task.CompletedTask,
    };
}
