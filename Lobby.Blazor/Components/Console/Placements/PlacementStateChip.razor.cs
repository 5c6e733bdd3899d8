using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace Lobby.Components.Console.Placements;

/// <summary>Scheduled, Live or Ended, coloured.</summary>
public sealed partial class PlacementStateChip
{
    [Parameter] public PlacementState State { get; set; }

    private Color Colour => State switch
    {
        PlacementState.Live => Color.Success,
        PlacementState.Scheduled => Color.Info,
        _ => Color.Default,
    };
}
