using Lobby.Live;
using Lobby.Players;
using Lobby.Rows;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Shared.Contracts;

namespace Lobby.Components.Pages;

/// <summary>
/// The player's lobby. Rows are read once (kept across prerendering), then replaced whenever the feed pushes fresh
/// ones for this player. Signed-out visitors are told how to get in.
/// </summary>
public sealed partial class LobbyPage : IDisposable
{
    internal const int KnownPlayerSample = 12;

    private IDisposable? _subscription;

    [Inject] private ILobbyRowSource RowSource { get; set; } = default!;
    [Inject] private LobbyNotifier Notifier { get; set; } = default!;
    [Inject] private IKnownPlayers Players { get; set; } = default!;
    [Inject] private IHostEnvironment Environment { get; set; } = default!;
    [Inject] private ILogger<LobbyPage> Logger { get; set; } = default!;

    [CascadingParameter] private Task<AuthenticationState>? AuthenticationState { get; set; }

    /// <summary>The rows on screen; null until first read.</summary>
    [PersistentState] public IReadOnlyList<LobbyRow>? Rows { get; set; }

    [PersistentState] public IReadOnlyList<string>? KnownPlayerIds { get; set; }

    private string? PlayerId { get; set; }

    private bool Unavailable { get; set; }

    private bool Development => Environment.IsDevelopment();

    protected override async Task OnInitializedAsync()
    {
        var user = AuthenticationState is null ? null : (await AuthenticationState).User;
        PlayerId = user?.Identity?.IsAuthenticated == true ? user.FindFirst(PlayerTokens.SubjectClaim)?.Value : null;

        if (PlayerId is null)
        {
            if (Development) KnownPlayerIds ??= await Players.SampleAsync(KnownPlayerSample);
            return;
        }
        if (Rows is null) await LoadAsync(PlayerId);
    }

    /// <summary>True once this page receives pushes (shown as <c>data-live</c> for tests and support).</summary>
    private bool Live { get; set; }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        // Only a live circuit subscribes: a prerender has nobody to push to. Rows are read again right after
        // subscribing, so a change that landed between the prerender and the subscription is not lost.
        if (!firstRender || PlayerId is null) return;
        _subscription = Notifier.Subscribe(PlayerId, OnLobbyUpdatedAsync);
        await LoadAsync(PlayerId);
        Live = true;
        StateHasChanged();
    }

    private async Task LoadAsync(string playerId)
    {
        try
        {
            Rows = await RowSource.GetRowsAsync(playerId);
            Unavailable = false;
        }
        catch (Exception e)
        {
            Unavailable = true;
            Logger.LogWarning(e, "Could not load the lobby rows of player {PlayerId}", playerId);
        }
    }

    private Task OnLobbyUpdatedAsync(LobbyUpdated update) => InvokeAsync(() =>
    {
        Rows = update.Rows;
        Unavailable = false;
        StateHasChanged();
    });

    public void Dispose() => _subscription?.Dispose();
}
