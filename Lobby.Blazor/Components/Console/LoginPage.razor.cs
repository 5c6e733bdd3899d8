using Lobby.Console;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;

namespace Lobby.Components.Console;

/// <summary>
/// The console's login, rendered on the server without a circuit: the form posts to <see cref="ConsoleSignIn.SignInPath"/>
/// (only a response can set the cookie), which comes back here with <c>error</c> when the name or password is wrong. Being
/// static, what is typed is never lost to a circuit starting up.
/// </summary>
public sealed partial class LoginPage
{
    [Inject] private ConsoleUserDirectory Users { get; set; } = default!;

    [Inject] private IHostEnvironment Environment { get; set; } = default!;

    [CascadingParameter] private Task<AuthenticationState>? AuthenticationState { get; set; }

    [SupplyParameterFromQuery(Name = "returnUrl")] public string? ReturnUrl { get; set; }

    [SupplyParameterFromQuery(Name = "error")] public string? Error { get; set; }

    [SupplyParameterFromQuery(Name = "wait")] public int? WaitMinutes { get; set; }

    private ConsoleUser? SignedIn { get; set; }

    private string Target => ConsoleSignIn.SafeReturnUrl(ReturnUrl);

    private bool Development => Environment.IsDevelopment();

    private string? Message => !Users.HasUsers
        ? "The console has no users yet: an operator adds them under Console:Users. Every sign-in is refused until then."
        : Error switch
        {
            "failed" => "That name and password do not match a console user.",
            "no-users" => "The console has no users configured.",
            "locked" => $"Too many failed sign-ins for this name or from this address. Try again in {(WaitMinutes is > 1 ? $"{WaitMinutes} minutes" : "a minute")}.",
            _ => null,
        };

    protected override async Task OnParametersSetAsync()
    {
        SignedIn = AuthenticationState is null ? null : ConsoleUser.From((await AuthenticationState).User);
    }
}
