using Lobby.Play;
using Microsoft.AspNetCore.Components;

namespace Lobby.Components.Games;

/// <summary>The clear, neutral message a player under a safer-gambling restriction sees instead of promotion.</summary>
public sealed partial class SaferGamblingNotice
{
    [Parameter, EditorRequired] public Restriction Restriction { get; set; } = default!;

    /// <summary>The operator's responsible-gambling page (<see cref="PlayOptions.SaferGamblingUrl"/>), when configured.</summary>
    [Parameter] public string? HelpUrl { get; set; }
}
