using System.Globalization;
using Lobby.Catalogue;
using Lobby.Play;
using Microsoft.AspNetCore.Components;
using MudBlazor;
using Shared.Contracts;

namespace Lobby.Components.Games;

/// <summary>
/// A game's details: artwork, maker, category, volatility, RTP and stakes, and similar games from Intelligence. A similar
/// game opens in the same dialog; Play opens the game view (unless a safer-gambling restriction is in force).
/// </summary>
public sealed partial class GameDetailDialog
{
    public const int SimilarCount = 10;

    [CascadingParameter] private IMudDialogInstance? MudDialog { get; set; }

    [Parameter, EditorRequired] public string GameId { get; set; } = "";

    /// <summary>The player's market: similar games not offered there are left out.</summary>
    [Parameter] public string? Market { get; set; }

    /// <summary>Badges of the lobby the dialog was opened from; <see cref="GameBadges.None"/> shows none.</summary>
    [Parameter] public GameBadges BadgeSet { get; set; } = GameBadges.None;

    [Parameter] public Restriction? Restriction { get; set; }

    /// <summary>Told the game id when Play is pressed, before the game view opens (the lobby reports the launch).</summary>
    [Parameter] public Action<string>? OnPlay { get; set; }

    [Inject] private LobbyShelves Shelves { get; set; } = default!;
    [Inject] private ISimilarGames SimilarGames { get; set; } = default!;
    [Inject] private TimeProvider Time { get; set; } = default!;
    [Inject] private NavigationManager Navigation { get; set; } = default!;
    [Inject] private ILogger<GameDetailDialog> Logger { get; set; } = default!;

    /// <summary>The game on show: the one opened, or a similar game chosen since.</summary>
    private string ShownId { get; set; } = "";

    private Game? Game { get; set; }
    private string Art { get; set; } = "";
    private Badges Shown { get; set; }
    private IReadOnlyList<LobbyItem>? Similar { get; set; }
    private bool SimilarUnavailable { get; set; }
    private TileActions SimilarActions => new(BadgeSet, item => ShowAsync(item.GameId));

    private string Rtp => Game is null ? "" : string.Create(CultureInfo.InvariantCulture, $"{Game.Rtp:0.0#}%");

    private string Stakes => Game is null ? "" : string.Create(CultureInfo.InvariantCulture, $"{Game.MinBet:0.00} to {Game.MaxBet:0.00}");

    protected override Task OnInitializedAsync() => ShowAsync(GameId);

    private async Task ShowAsync(string gameId)
    {
        ShownId = gameId;
        Game = await Shelves.FindAsync(gameId);
        Similar = null;
        SimilarUnavailable = false;
        // The dialog's title is drawn by its container, which redraws only when asked.
        MudDialog?.StateHasChanged();
        if (Game is null) return;
        Art = GameArt.DataUri(Game.Title, Game.Provider, Game.Category);
        Shown = BadgeSet.For(gameId);
        StateHasChanged();
        Similar = await LoadSimilarAsync(gameId);
    }

    private async Task<IReadOnlyList<LobbyItem>> LoadSimilarAsync(string gameId)
    {
        try
        {
            // Asked for more than shown: some may not be offered to this player.
            var ids = await SimilarGames.GetAsync(gameId, SimilarCount * 2);
            var now = Time.GetUtcNow();
            var list = new List<LobbyItem>(SimilarCount);
            foreach (var id in ids)
            {
                if (await Shelves.FindAsync(id) is { } game && CatalogueRows.Offerable(game, Market, now)) list.Add(CatalogueRows.ToItem(game));
                if (list.Count == SimilarCount) break;
            }
            return list;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            Logger.LogWarning(e, "Similar games of {GameId} are unavailable", gameId);
            SimilarUnavailable = true;
            return [];
        }
    }

    internal static string VolatilityWords(string volatility) => volatility switch
    {
        "low" => "Low: frequent, smaller wins",
        "medium" => "Medium",
        "high" => "High: rarer, bigger wins",
        "very_high" => "Very high: rare, big wins",
        _ => volatility,
    };

    private void Close() => MudDialog?.Close();

    private void Play()
    {
        OnPlay?.Invoke(ShownId);
        MudDialog?.Close();
        Navigation.NavigateTo(GamePaths.Play(ShownId));
    }
}
