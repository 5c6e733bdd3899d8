using Microsoft.AspNetCore.Components;

namespace Lobby.Components.Console.Segments;

/// <summary>A segment's purpose (and channel), at a glance.</summary>
public sealed partial class PurposeChip
{
    [Parameter, EditorRequired] public string Purpose { get; set; } = "";

    [Parameter] public string? Channel { get; set; }
}
