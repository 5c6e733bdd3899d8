using Microsoft.AspNetCore.Components;
using Shared.Contracts;

namespace Lobby.Components.Games;

/// <summary>A player's rows; rows without games are left out, and a lobby with none says so.</summary>
public sealed partial class LobbyRows
{
    [Parameter, EditorRequired]
    public IReadOnlyList<LobbyRow> Rows { get; set; } = [];

    private List<LobbyRow> Visible { get; set; } = [];

    protected override void OnParametersSet() => Visible = Rows.Where(r => r.Items.Count > 0).ToList();
}
