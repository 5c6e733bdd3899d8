using Lobby.Console;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;

namespace Lobby.Components.Console;

/// <summary>The console's frame: its own theme, the signed-in user, and the sections their role may open.</summary>
public sealed partial class ConsoleLayout
{
    [CascadingParameter] private Task<AuthenticationState>? AuthenticationState { get; set; }

    private ConsoleUser? User { get; set; }

    private bool DrawerOpen { get; set; } = true;

    protected override async Task OnParametersSetAsync()
    {
        User = AuthenticationState is null ? null : ConsoleUser.From((await AuthenticationState).User);
    }

    /// <summary>True once the circuit runs this layout (shown as <c>data-interactive</c>, for tests and support).</summary>
    private bool Interactive { get; set; }

    protected override void OnAfterRender(bool firstRender)
    {
        if (!firstRender) return;
        Interactive = true;
        StateHasChanged();
    }

    private void ToggleDrawer() => DrawerOpen = !DrawerOpen;
}
