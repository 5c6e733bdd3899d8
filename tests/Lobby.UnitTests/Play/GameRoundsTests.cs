using System.Text.Json;
using Lobby.Catalogue;
using Lobby.Play;
using Lobby.Rows;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NSubstitute;
using NSubstitute.ExceptionExtensions;
using Shared.Contracts;
using static Lobby.UnitTests.TestData;

namespace Lobby.UnitTests.Play;

public sealed class GameRoundsTests
{
    private readonly IPlayerProfiles _profiles = Substitute.For<IPlayerProfiles>();
    private readonly IGameLibrary _library = Substitute.For<IGameLibrary>();
    private readonly IIngestionEvents _events = Substitute.For<IIngestionEvents>();
    private readonly IRoundRandom _random = Substitute.For<IRoundRandom>();
    private readonly List<CloudEvent> _sent = [];
    private readonly PlayOptions _options = new() { IngestionApiKey = "k", Source = "/games/test" };

    public GameRoundsTests()
    {
        _library.AllAsync(Arg.Any<CancellationToken>()).Returns(Catalog(
            Game("g-1", "Starburst") with { Rtp = 96m, Volatility = "medium", MinBet = 0.10m, MaxBet = 100m },
            Game("g-uk", "Britannia") with { Markets = ["GB"] }));
        _profiles.GetProfileAsync("p-1", Arg.Any<CancellationToken>()).Returns(Profile("p-1") with { Currency = "GBP" });
        _events.SendAsync(Arg.Do<CloudEvent>(_sent.Add), Arg.Any<CancellationToken>()).Returns(Task.CompletedTask);
    }

    private GameRounds Rounds() => new(_profiles, _library, _events, _random, Options.Create(_options),
        new FixedTime(Now), NullLogger<GameRounds>.Instance);

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    [Fact]
    public async Task WinningRound_SendsTheBetThenTheWin_OfOneRound_InThePlayersCurrency()
    {
        // The first draw decides a win (below the hit rate), the second the multiplier: -ln(1 - 0.5) × 0.96 / 0.28.
        _random.NextDouble().Returns(0.01, 0.5);

        var attempt = await Rounds().PlayAsync("p-1", "g-1", 1.00m, TestContext.Current.CancellationToken);

        var round = Assert.IsType<RoundResult>(attempt.Round);
        Assert.Equal(2.37m, round.Win);
        Assert.Equal("You won 2.37 GBP", round.Outcome);
        Assert.Equal([EventTypes.WalletBet, EventTypes.WalletWin], _sent.Select(e => e.Type));
        Assert.All(_sent, e => { Assert.Equal("p-1", e.Subject); Assert.Equal("/games/test", e.Source); Assert.Equal("1.0", e.SpecVersion); });
        var bet = _sent[0].Data.Deserialize(ContractsJsonContext.Default.BetPlaced)!;
        var win = _sent[1].Data.Deserialize(ContractsJsonContext.Default.WinPaid)!;
        Assert.Equal((round.RoundId, "g-1", 1.00m, "GBP"), (bet.RoundId, bet.GameId, bet.Amount, bet.Currency));
        Assert.Equal((round.RoundId, "g-1", 2.37m, "GBP", true), (win.RoundId, win.GameId, win.Amount, win.Currency, win.RoundClosed));
        Assert.NotEqual(bet.TransactionId, win.TransactionId);
        Assert.NotEqual(_sent[0].Id, _sent[1].Id);
    }

    [Fact]
    public async Task LosingRound_SendsOnlyTheBet()
    {
        _random.NextDouble().Returns(0.99);

        var attempt = await Rounds().PlayAsync("p-1", "g-1", 0.50m, TestContext.Current.CancellationToken);

        Assert.Equal("No win", attempt.Round!.Outcome);
        Assert.Equal(EventTypes.WalletBet, Assert.Single(_sent).Type);
    }

    [Fact]
    public async Task TwoRounds_HaveTheirOwnRoundAndTransactionIds()
    {
        _random.NextDouble().Returns(0.99);
        var rounds = Rounds();

        var first = await rounds.PlayAsync("p-1", "g-1", 1m, TestContext.Current.CancellationToken);
        var second = await rounds.PlayAsync("p-1", "g-1", 1m, TestContext.Current.CancellationToken);

        Assert.NotEqual(first.Round!.RoundId, second.Round!.RoundId);
        Assert.Equal(2, _sent.Select(e => e.Data.Deserialize(ContractsJsonContext.Default.BetPlaced)!.TransactionId).Distinct().Count());
    }

    [Theory]
    [InlineData(0.05, "The stake must be between 0.10 GBP and 100.00 GBP; 0.05 GBP is not.")]
    [InlineData(100.01, "The stake must be between 0.10 GBP and 100.00 GBP; 100.01 GBP is not.")]
    [InlineData(1.005, "The stake must be in whole cents.")]
    public async Task StakeOutsideTheGamesLimits_IsRefused_AndNothingIsSent(decimal stake, string error)
    {
        var attempt = await Rounds().PlayAsync("p-1", "g-1", stake, TestContext.Current.CancellationToken);

        Assert.Null(attempt.Round);
        Assert.Equal(error, attempt.Error);
        Assert.Empty(_sent);
    }

    [Fact]
    public async Task SelfExcludedPlayer_CannotBet()
    {
        _profiles.GetProfileAsync("p-1", Arg.Any<CancellationToken>())
            .Returns(Profile("p-1") with { Rg = new ResponsibleGambling(Now.AddDays(30), null, false, null) });

        var attempt = await Rounds().PlayAsync("p-1", "g-1", 1m, TestContext.Current.CancellationToken);

        Assert.Equal(MarketingPolicy.SelfExcluded, attempt.Refusal!.Kind);
        Assert.Null(attempt.Round);
        Assert.Empty(_sent);
    }

    [Fact]
    public async Task UnreadableProfile_MeansNoBet_ForTheRestrictionCannotBeChecked()
    {
        _profiles.GetProfileAsync("p-1", Arg.Any<CancellationToken>()).ThrowsAsync(new HttpRequestException("down"));

        var attempt = await Rounds().PlayAsync("p-1", "g-1", 1m, TestContext.Current.CancellationToken);

        Assert.Contains("no bet was placed", attempt.Error, StringComparison.Ordinal);
        Assert.Empty(_sent);
    }

    [Fact]
    public async Task GamesNotOfferedToThePlayer_OrUnknown_AreRefused()
    {
        var rounds = Rounds();

        Assert.Equal("Britannia is not available to play.", (await rounds.PlayAsync("p-1", "g-uk", 1m, TestContext.Current.CancellationToken)).Error);
        Assert.Equal("There is no game 'g-none' in the lobby.", (await rounds.PlayAsync("p-1", "g-none", 1m, TestContext.Current.CancellationToken)).Error);
        Assert.Empty(_sent);
    }

    [Fact]
    public async Task BetRejectedByIngestion_IsShownPlainly_AndNoWinIsSent()
    {
        _random.NextDouble().Returns(0.01, 0.5);
        _events.SendAsync(Arg.Is<CloudEvent>(e => e.Type == EventTypes.WalletBet), Arg.Any<CancellationToken>())
            .ThrowsAsync(new EventNotAcceptedException("The game server rejected the round: field data.amount: must be > 0"));

        var attempt = await Rounds().PlayAsync("p-1", "g-1", 1m, TestContext.Current.CancellationToken);

        Assert.Equal("Your bet was not placed. The game server rejected the round: field data.amount: must be > 0", attempt.Error);
        Assert.DoesNotContain(_sent, e => e.Type == EventTypes.WalletWin);
    }

    [Fact]
    public async Task WithoutAnIngestionKey_PlayingIsNotSetUp()
    {
        _options.IngestionApiKey = null;

        var attempt = await Rounds().PlayAsync("p-1", "g-1", 1m, TestContext.Current.CancellationToken);

        Assert.Equal(GameRounds.NotSetUp, attempt.Error);
        await _profiles.DidNotReceiveWithAnyArgs().GetProfileAsync(default!, default);
    }

    [Fact]
    public async Task PlayerWithoutACurrency_PlaysInTheDefaultOne()
    {
        _profiles.GetProfileAsync("p-2", Arg.Any<CancellationToken>()).Returns((PlayerProfile?)null);
        _random.NextDouble().Returns(0.99);

        var table = await Rounds().OpenAsync("p-2", "g-1", TestContext.Current.CancellationToken);

        Assert.Equal("EUR", table!.Currency);
        Assert.Null(table.Restriction);
        Assert.True(table.Available);
    }
}
