using Lobby.Play;

namespace Lobby.UnitTests.Play;

public sealed class RoundDrawTests
{
    private sealed class Seeded(int seed) : IRoundRandom
    {
        private readonly Random _random = new(seed);
        public double NextDouble() => _random.NextDouble();
    }

    [Theory]
    [InlineData("low")]
    [InlineData("medium")]
    [InlineData("high")]
    [InlineData("very_high")]
    public void PayoutOverManyRounds_IsTheGamesRtp_AndWinsComeAsOftenAsItsVolatilitySays(string volatility)
    {
        const int rounds = 200_000;
        var random = new Seeded(42);
        decimal paid = 0;
        var wins = 0;
        for (var i = 0; i < rounds; i++)
        {
            var win = RoundDraw.Win(1m, 96m, volatility, random);
            Assert.True(win >= 0);
            Assert.Equal(decimal.Round(win, 2), win);
            paid += win;
            if (win > 0) wins++;
        }

        // Rounding down to the cent costs at most a cent per win.
        Assert.InRange((double)paid / rounds, 0.96 - 0.035, 0.96 + 0.03);
        Assert.InRange((double)wins / rounds, RoundDraw.HitRate(volatility) - 0.01, RoundDraw.HitRate(volatility) + 0.005);
    }

    [Fact]
    public void HigherVolatility_WinsLessOften_AndBiggerWhenItWins()
    {
        Assert.True(RoundDraw.HitRate("low") > RoundDraw.HitRate("medium"));
        Assert.True(RoundDraw.HitRate("medium") > RoundDraw.HitRate("high"));
        Assert.True(RoundDraw.HitRate("high") > RoundDraw.HitRate("very_high"));

        static decimal AverageWin(string volatility)
        {
            var random = new Seeded(7);
            var wins = Enumerable.Range(0, 100_000).Select(_ => RoundDraw.Win(1m, 96m, volatility, random)).Where(w => w > 0).ToList();
            return wins.Average();
        }
        Assert.True(AverageWin("very_high") > 3 * AverageWin("low"));
    }

    [Fact]
    public void CryptoRandom_GivesNumbersInTheUnitInterval_ThatVary()
    {
        var random = new CryptoRoundRandom();
        var draws = Enumerable.Range(0, 10_000).Select(_ => random.NextDouble()).ToList();

        Assert.All(draws, d => Assert.InRange(d, 0, 0.9999999999999999));
        Assert.InRange(draws.Average(), 0.47, 0.53);
        Assert.True(draws.Distinct().Count() > 9_990);
    }

    [Fact]
    public void AStakeThatIsNotPositive_IsRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => RoundDraw.Win(0m, 96m, "low", new Seeded(1)));
    }
}
