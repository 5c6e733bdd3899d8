using Shared.Contracts;
using Lobby.Players;
using Microsoft.AspNetCore.Components;

namespace Lobby.Components.Players;

/// <summary>What a signed-out visitor sees: in Development a way in as any player, elsewhere a pointer to the operator's site.</summary>
public sealed partial class SignInPanel
{
    [Parameter] public bool Development { get; set; }

    [Parameter] public IReadOnlyList<string> KnownPlayers { get; set; } = [];

    [Inject] private NavigationManager Navigation { get; set; } = default!;

    private SignInForm Form { get; } = new();

    private string? Error { get; set; }

    internal static string EnterHref(string playerId) => $"/dev/enter/{Uri.EscapeDataString(playerId)}";

    private void Enter()
    {
        var playerId = Form.PlayerId?.Trim();
        if (!PlayerIds.IsValid(playerId))
        {
            Error = $"Use 1–{PlayerIds.MaxLength} characters without spaces or braces.";
            return;
        }
        Error = null;
        // A full page load: signing in sets a cookie, which only an HTTP response can do.
        Navigation.NavigateTo(EnterHref(playerId!), forceLoad: true);
    }

    private sealed class SignInForm
    {
        public string? PlayerId { get; set; }
    }
}
