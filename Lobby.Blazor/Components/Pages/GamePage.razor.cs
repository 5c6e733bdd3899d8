using Lobby.Components.Games;
using Lobby.Play;
using Lobby.Players;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.Options;

namespace Lobby.Components.Pages;

/// <summary>
/// A simple game: pick a stake within the game's limits and play rounds. Each round is reported to Ingestion as a game
/// provider would, so the player's lobby (open in another tab, or on return) changes from real play. A player under a
/// safer-gambling restriction is told so and cannot bet.
/// </summary>
public sealed partial class GamePage
{
    internal const int HistoryLength = 10;
    private static readonly decimal[] StakeLadder = [0.10m, 0.20m, 0.50m, 1m, 2m, 5m, 10m, 20m, 50m, 100m, 200m, 500m, 1000m];

    [Parameter] public string GameId { get; set; } = "";

    [Inject] private IGameRounds Rounds { get; set; } = default!;
    [Inject] private IOptions<PlayOptions> PlayOptions { get; set; } = default!;
    [Inject] private ILogger<GamePage> Logger { get; set; } = default!;

    [CascadingParameter] private Task<AuthenticationState>? AuthenticationState { get; set; }

    private string? PlayerId { get; set; }
    private bool Loading { get; set; } = true;
    private string? LoadError { get; set; }
    private GameTable? Table { get; set; }
    private string Art { get; set; } = "";
    private decimal? Stake { get; set; }
    private string? StakeError { get; set; }
    private IReadOnlyList<decimal> Presets { get; set; } = [];
    private bool Playing { get; set; }
    private RoundResult? LastRound { get; set; }
    private string? RoundError { get; set; }
    private List<RoundResult> History { get; } = [];

    private string? HelpUrl => PlayOptions.Value.SaferGamblingUrl;
    private static string NotSetUp => GameRounds.NotSetUp;
    private string PageTitleText => Table is null ? "Play · Lobby" : $"{Table.Game.Title} · Lobby";
    private string Limits => Table is null ? "" : $"Between {RoundResult.Money(Table.Game.MinBet, Table.Currency)} and {RoundResult.Money(Table.Game.MaxBet, Table.Currency)}";
    private decimal? StakeStep => Table is null ? null : Math.Max(0.01m, Math.Min(Table.Game.MinBet, 1m));

    protected override async Task OnParametersSetAsync()
    {
        var user = AuthenticationState is null ? null : (await AuthenticationState).User;
        PlayerId = user?.Identity?.IsAuthenticated == true ? user.FindFirst(PlayerTokens.SubjectClaim)?.Value : null;
        if (PlayerId is null) return;
        if (Table is not null && Table.Game.Id != GameId)
        {
            // Another game in the same view: its own limits, its own rounds.
            Stake = null;
            LastRound = null;
            RoundError = null;
            History.Clear();
        }
        Loading = true;
        try
        {
            Table = await Rounds.OpenAsync(PlayerId, GameId);
            LoadError = null;
        }
        catch (HttpRequestException e)
        {
            Logger.LogWarning(e, "Could not open game {GameId} for {PlayerId}", GameId, PlayerId);
            LoadError = "We could not check your account just now. Please try again in a moment.";
        }
        Loading = false;
        if (Table is null) return;
        Art = GameArt.DataUri(Table.Game.Title, Table.Game.Provider, Table.Game.Category);
        Presets = PresetsFor(Table.Game.MinBet, Table.Game.MaxBet);
        SetStake(Stake ?? DefaultStake(Presets, Table.Game.MinBet));
    }

    /// <summary>Up to five round stakes from a 1-2-5 ladder within the game's limits, the minimum always among them.</summary>
    internal static IReadOnlyList<decimal> PresetsFor(decimal min, decimal max)
    {
        var within = StakeLadder.Where(s => s > min && s <= max).ToList();
        within.Insert(0, min);
        if (within.Count <= 5) return within;
        // Keep the smallest stakes, where most rounds are played, and the largest a player may choose.
        return [.. within.Take(4), within[^1]];
    }

    private static decimal DefaultStake(IReadOnlyList<decimal> presets, decimal min) => presets.FirstOrDefault(p => p >= 1m, min);

    private void SetStake(decimal? stake)
    {
        Stake = stake;
        StakeError = Table?.CheckStake(stake);
    }

    private async Task PlayAsync()
    {
        if (PlayerId is null || Table is null || Playing) return;
        StakeError = Table.CheckStake(Stake);
        if (StakeError is not null) return;
        Playing = true;
        RoundError = null;
        try
        {
            var attempt = await Rounds.PlayAsync(PlayerId, GameId, Stake!.Value);
            if (attempt.Refusal is { } refusal)
            {
                // Restricted since the page opened: show the notice in place of the table.
                Table = Table with { Restriction = refusal };
                return;
            }
            if (attempt.Round is { } round)
            {
                LastRound = round;
                History.Insert(0, round);
                if (History.Count > HistoryLength) History.RemoveAt(History.Count - 1);
            }
            RoundError = attempt.Error;
        }
        finally
        {
            Playing = false;
        }
    }
}
