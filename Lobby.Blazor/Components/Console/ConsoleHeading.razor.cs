using Microsoft.AspNetCore.Components;

namespace Lobby.Components.Console;

/// <summary>A console page's title line: what the page is, a way back, its main actions, and any failure.</summary>
public sealed partial class ConsoleHeading
{
    [Parameter, EditorRequired] public string Title { get; set; } = "";

    [Parameter] public string? Lead { get; set; }

    [Parameter] public string? Back { get; set; }

    [Parameter] public string BackText { get; set; } = "Back";

    [Parameter] public string? Error { get; set; }

    [Parameter] public RenderFragment? Details { get; set; }

    [Parameter] public RenderFragment? Actions { get; set; }
}
