using Microsoft.AspNetCore.Components;
using Shared.Contracts;

namespace Lobby.Components.Games;

/// <summary>A titled row of game tiles that scrolls sideways.</summary>
public sealed partial class GameRow
{
    [Parameter, EditorRequired]
    public LobbyRow Row { get; set; } = default!;

    internal string TestId => $"row-{Row.List}";

    private string TitleId => $"row-title-{Row.List}";
}
