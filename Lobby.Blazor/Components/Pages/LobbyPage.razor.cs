using Lobby.Catalogue;
using Lobby.Components.Games;
using Lobby.Experiments;
using Lobby.Live;
using Lobby.Play;
using Lobby.Players;
using Lobby.Rows;
using Lobby.Upstream;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.Options;
using MudBlazor;
using Shared.Contracts;

namespace Lobby.Components.Pages;

/// <summary>
/// The player's lobby: their recommendation rows (read once, kept across prerendering, then replaced whenever the feed
/// pushes fresh ones), search, and a row per game category. A player under a safer-gambling restriction gets a neutral
/// lobby: the message, category rows without badges, and none of the recommendation rows. Signed-out visitors are told
/// how to get in.
/// </summary>
public sealed partial class LobbyPage : IDisposable
{
    internal const int KnownPlayerSample = 12;

    private IDisposable? _subscription;

    [Inject] private ILobbyRowSource RowSource { get; set; } = default!;
    [Inject] private LobbyNotifier Notifier { get; set; } = default!;
    [Inject] private IKnownPlayers Players { get; set; } = default!;
    [Inject] private IPlayerProfiles Profiles { get; set; } = default!;
    [Inject] private LobbyShelves LobbyShelves { get; set; } = default!;
    [Inject] private IDialogService Dialogs { get; set; } = default!;
    [Inject] private IOptions<PlayOptions> PlayOptions { get; set; } = default!;
    [Inject] private TimeProvider Time { get; set; } = default!;
    [Inject] private IHostEnvironment Environment { get; set; } = default!;
    [Inject] private ILogger<LobbyPage> Logger { get; set; } = default!;
    [Inject] private ILobbyExperiment Experiment { get; set; } = default!;
    [Inject] private PageImpressions Impressions { get; set; } = default!;

    [CascadingParameter] private Task<AuthenticationState>? AuthenticationState { get; set; }

    /// <summary>The rows on screen; null until first read.</summary>
    [PersistentState] public IReadOnlyList<LobbyRow>? Rows { get; set; }

    [PersistentState] public IReadOnlyList<string>? KnownPlayerIds { get; set; }

    private string? PlayerId { get; set; }

    private bool Unavailable { get; set; }

    private bool Development => Environment.IsDevelopment();

    /// <summary>The safer-gambling restriction in force, from the player's profile; null when none.</summary>
    private Restriction? Restriction { get; set; }

    private string? Market { get; set; }

    private Shelves Shelves { get; set; } = new([], GameBadges.None);

    private TileActions Actions { get; set; } = default!;

    private string? Query { get; set; }

    private IReadOnlyList<LobbyItem> SearchResults { get; set; } = [];

    private string? HelpUrl => PlayOptions.Value.SaferGamblingUrl;

    /// <summary>True once this page receives pushes (shown as <c>data-live</c> for tests and support).</summary>
    private bool Live { get; set; }

    protected override async Task OnInitializedAsync()
    {
        Actions = new TileActions(GameBadges.None, OpenAsync, OpenFromRowAsync);
        var user = AuthenticationState is null ? null : (await AuthenticationState).User;
        PlayerId = user?.Identity?.IsAuthenticated == true ? user.FindFirst(PlayerTokens.SubjectClaim)?.Value : null;

        if (PlayerId is null)
        {
            if (Development) KnownPlayerIds ??= await Players.SampleAsync(KnownPlayerSample);
            return;
        }
        await LoadStandingAsync(PlayerId);
        if (Rows is null) await LoadAsync(PlayerId);
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        // Only a live circuit subscribes: a prerender has nobody to push to. Rows are read again right after
        // subscribing, so a change that landed between the prerender and the subscription is not lost.
        if (!firstRender || PlayerId is null) return;
        _subscription = Notifier.Subscribe(PlayerId, OnLobbyUpdatedAsync);
        await LoadAsync(PlayerId);
        Live = true;
        StateHasChanged();
        await ReportShownAsync(PlayerId);
    }

    /// <summary>
    /// Reports the rows on screen as impressions (the page's own rows, then the category rows; a row already reported
    /// unchanged is not reported again). Only a live circuit reports: a prerender is not a view. Never waits on Ingestion.
    /// </summary>
    private async Task ReportShownAsync(string playerId)
    {
        try
        {
            var group = await Experiment.GroupAsync(playerId);
            IEnumerable<LobbyRow> own = Restriction is null && Rows is not null ? Rows : [];
            Impressions.RowsShown(playerId, [.. own, .. Shelves.Categories], group);
        }
        catch (Exception e)
        {
            Logger.LogWarning(e, "Could not report the rows shown to player {PlayerId}", playerId);
        }
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

    /// <summary>
    /// Reads the player's safer-gambling state and market, then the category rows and badges that fit them. When the
    /// profile cannot be read the lobby shows no badges: without the state it cannot know promotion is allowed.
    /// </summary>
    private async Task LoadStandingAsync(string playerId)
    {
        var known = false;
        try
        {
            var profile = await Profiles.GetProfileAsync(playerId);
            Restriction = SaferGambling.RestrictionOf(profile, Time.GetUtcNow());
            Market = profile?.Market ?? profile?.Country;
            known = true;
        }
        catch (Exception e) when (ServiceCalls.Unavailable(e, CancellationToken.None))
        {
            Logger.LogWarning(e, "Could not read the profile of player {PlayerId}", playerId);
        }
        try
        {
            Shelves = await LobbyShelves.ForAsync(Market, promotions: known && Restriction is null);
        }
        catch (Exception e)
        {
            Logger.LogWarning(e, "Could not read the catalogue for the lobby of player {PlayerId}", playerId);
        }
        Actions = new TileActions(Shelves.Badges, OpenAsync, OpenFromRowAsync);
        if (!string.IsNullOrWhiteSpace(Query)) SearchResults = await LobbyShelves.SearchAsync(Query, Market);
    }

    private async Task SearchAsync(string? query)
    {
        Query = query;
        SearchResults = string.IsNullOrWhiteSpace(query) ? [] : await LobbyShelves.SearchAsync(query, Market);
    }

    private Task OpenFromRowAsync(LobbyItem item, string list) => OpenAsync(item, gameId =>
    {
        // A launch counts for the row only for the game of its tile, not a similar game opened from the dialog.
        if (PlayerId is { } player && gameId == item.GameId) Impressions.Launched(player, list, gameId);
    });

    private Task OpenAsync(LobbyItem item) => OpenAsync(item, null);

    private async Task OpenAsync(LobbyItem item, Action<string>? onPlay)
    {
        var parameters = new DialogParameters<GameDetailDialog>
        {
            { d => d.GameId, item.GameId },
            { d => d.Market, Market },
            { d => d.BadgeSet, Shelves.Badges },
            { d => d.Restriction, Restriction },
            { d => d.OnPlay, onPlay },
        };
        var options = new DialogOptions { MaxWidth = MaxWidth.Medium, FullWidth = true, CloseButton = true, CloseOnEscapeKey = true };
        await Dialogs.ShowAsync<GameDetailDialog>(item.Title, parameters, options);
    }

    private Task OnLobbyUpdatedAsync(LobbyUpdated update) => InvokeAsync(async () =>
    {
        Rows = update.Rows;
        Unavailable = false;
        // Any change may be a new restriction (player.rg) or a game becoming hot: read the standing again.
        await LoadStandingAsync(update.PlayerId);
        StateHasChanged();
        await ReportShownAsync(update.PlayerId);
    });

    public void Dispose() => _subscription?.Dispose();
}
