using System.Globalization;
using System.Text.Json;
using Lobby.Catalogue;
using Lobby.Rows;
using Lobby.Upstream;
using Microsoft.Extensions.Options;
using Shared.Contracts;

namespace Lobby.Play;

/// <summary>A round played: the stake, what it paid, and the ids the wallet events carried.</summary>
public sealed record RoundResult(string RoundId, string GameId, decimal Stake, decimal Win, string Currency, DateTimeOffset At)
{
    public bool Won => Win > 0;

    /// <summary>"You won 2.40 EUR" or "No win": no balance, nothing else.</summary>
    public string Outcome => Won ? $"You won {Money(Win, Currency)}" : "No win";

    public static string Money(decimal amount, string currency) =>
        string.Create(CultureInfo.InvariantCulture, $"{amount:0.00} {currency}");
}

/// <summary>What became of a request to play: a round, or why there was none.</summary>
public sealed record PlayAttempt(RoundResult? Round, string? Error, Restriction? Refusal = null)
{
    public static PlayAttempt Played(RoundResult round) => new(round, null);
    public static PlayAttempt Failed(string error) => new(null, error);
    public static PlayAttempt Refused(Restriction restriction) => new(null, restriction.Message, restriction);
}

/// <summary>The game view's table: who may play what, for how much, and the rounds themselves.</summary>
public interface IGameRounds
{
    /// <summary>What the game view needs before the first round: the game, the player's currency and restriction.</summary>
    Task<GameTable?> OpenAsync(string playerId, string gameId, CancellationToken cancellationToken = default);

    /// <summary>Plays one round: a <c>wallet.bet</c> to Ingestion, the outcome drawn, and a <c>wallet.win</c> when it pays.</summary>
    Task<PlayAttempt> PlayAsync(string playerId, string gameId, decimal stake, CancellationToken cancellationToken = default);
}

/// <summary>A game as the game view shows it to one player.</summary>
/// <param name="Available">False when the game is disabled, not released yet, or not offered in the player's market.</param>
public sealed record GameTable(Game Game, string Currency, Restriction? Restriction, bool Available, bool CanPlay)
{
    /// <summary>Null when the stake may be played; otherwise what is wrong with it, naming the limits.</summary>
    public string? CheckStake(decimal? stake) => GameRounds.CheckStake(Game, stake, Currency);
}

internal sealed class GameRounds(
    IPlayerProfiles profiles,
    IGameLibrary library,
    IIngestionEvents events,
    IRoundRandom random,
    IOptions<PlayOptions> options,
    TimeProvider time,
    ILogger<GameRounds> logger) : IGameRounds
{
    public async Task<GameTable?> OpenAsync(string playerId, string gameId, CancellationToken cancellationToken = default)
    {
        var games = await library.AllAsync(cancellationToken);
        if (!games.TryGetValue(gameId, out var game)) return null;
        var profile = await profiles.GetProfileAsync(playerId, cancellationToken);
        var now = time.GetUtcNow();
        return new GameTable(game, CurrencyOf(profile), SaferGambling.RestrictionOf(profile, now),
            CatalogueRows.Offerable(game, profile?.Market ?? profile?.Country, now), options.Value.CanPlay);
    }

    public async Task<PlayAttempt> PlayAsync(string playerId, string gameId, decimal stake, CancellationToken cancellationToken = default)
    {
        if (!options.Value.CanPlay) return PlayAttempt.Failed(NotSetUp);
        GameTable? table;
        try
        {
            // Read afresh for every round: a self-exclusion that arrived a second ago must stop the next bet.
            table = await OpenAsync(playerId, gameId, cancellationToken);
        }
        catch (Exception e) when (ServiceCalls.Unavailable(e, cancellationToken))
        {
            logger.LogWarning(e, "Could not read the profile of {PlayerId} before a round", playerId);
            return PlayAttempt.Failed("We could not check your account just now, so no bet was placed. Please try again in a moment.");
        }
        if (table is null) return PlayAttempt.Failed($"There is no game '{gameId}' in the lobby.");
        if (table.Restriction is { } restriction) return PlayAttempt.Refused(restriction);
        if (!table.Available) return PlayAttempt.Failed($"{table.Game.Title} is not available to play.");
        if (table.CheckStake(stake) is { } problem) return PlayAttempt.Failed(problem);

        var o = options.Value;
        var roundId = "r-" + Guid.CreateVersion7().ToString("N");
        var currency = table.Currency;
        var betAt = time.GetUtcNow();
        try
        {
            await events.SendAsync(Event(EventTypes.WalletBet, playerId, betAt, JsonSerializer.SerializeToElement(
                new BetPlaced(TransactionId(), roundId, gameId, stake, currency), ContractsJsonContext.Default.BetPlaced)), cancellationToken);
        }
        catch (EventNotAcceptedException e)
        {
            return PlayAttempt.Failed($"Your bet was not placed. {e.Message}");
        }

        // The stake is down: only now is the outcome drawn, as a game server would.
        var win = RoundDraw.Win(stake, table.Game.Rtp, table.Game.Volatility, random);
        var round = new RoundResult(roundId, gameId, stake, win, currency, betAt);
        if (win == 0) return PlayAttempt.Played(round);
        try
        {
            await events.SendAsync(Event(EventTypes.WalletWin, playerId, time.GetUtcNow(), JsonSerializer.SerializeToElement(
                new WinPaid(TransactionId(), roundId, gameId, win, currency, RoundClosed: true), ContractsJsonContext.Default.WinPaid)), cancellationToken);
        }
        catch (EventNotAcceptedException e)
        {
            logger.LogError("The win of round {RoundId} ({Win} {Currency}) for {PlayerId} was not recorded: {Error}", roundId, win, currency, playerId, e.Message);
            return PlayAttempt.Failed($"You won {RoundResult.Money(win, currency)}, but the win could not be recorded yet. {e.Message} Please contact support with round {roundId}.");
        }
        return PlayAttempt.Played(round);

        CloudEvent Event(string type, string subject, DateTimeOffset at, JsonElement data) =>
            new("1.0", "lobby-" + Guid.CreateVersion7().ToString("N"), o.Source, type, at, subject, data);
    }

    internal const string NotSetUp = "Playing from the lobby is not set up on this site (Lobby:Play:IngestionApiKey).";

    internal static string? CheckStake(Game game, decimal? stake, string currency)
    {
        var limits = $"between {RoundResult.Money(game.MinBet, currency)} and {RoundResult.Money(game.MaxBet, currency)}";
        if (stake is not { } s) return $"Choose a stake {limits}.";
        if (s < game.MinBet || s > game.MaxBet) return $"The stake must be {limits}; {RoundResult.Money(s, currency)} is not.";
        if (decimal.Round(s, 2) != s) return "The stake must be in whole cents.";
        return null;
    }

    private string CurrencyOf(PlayerProfile? profile) =>
        profile?.Currency is { Length: 3 } c ? c.ToUpperInvariant() : options.Value.DefaultCurrency;

    private static string TransactionId() => "tx-" + Guid.CreateVersion7().ToString("N");
}
