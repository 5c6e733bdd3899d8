using Lobby.Console;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;

namespace Lobby.Components.Console;

/// <summary>
/// What a console page shows to someone it is not for: a console user without the role is told so; anyone else
/// (nobody, or a signed-in player) is sent to the console's login, which comes back here afterwards.
/// </summary>
public sealed partial class ConsoleNotAuthorized
{
    [CascadingParameter] private Task<AuthenticationState>? AuthenticationState { get; set; }

    [Inject] private NavigationManager Navigation { get; set; } = default!;

    private ConsoleUser? User { get; set; }

    protected override async Task OnInitializedAsync()
    {
        User = AuthenticationState is null ? null : ConsoleUser.From((await AuthenticationState).User);
        if (User is null)
        {
            var returnUrl = "/" + Navigation.ToBaseRelativePath(Navigation.Uri);
            Navigation.NavigateTo(ConsoleSignIn.LoginUrl(ConsoleSignIn.SafeReturnUrl(returnUrl)), forceLoad: true);
        }
    }
}
