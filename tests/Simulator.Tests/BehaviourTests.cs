using Simulator.Population;

namespace Simulator.Tests;

/// <summary>The population behaves as its archetypes say, measurably.</summary>
public sealed class BehaviourTests
{
    private static readonly Lazy<(World World, PlayerSimulation[] Sims)> Population = new(() =>
    {
        var world = World.Create(21, 1500, 120, HistoryFiles.End);
        var sims = new PlayerSimulation[world.PlayerCount];
        Parallel.For(0, sims.Length, i => sims[i] = world.Simulate(i, 0.002));
        return (world, sims);
    });

    [Theory]
    [InlineData("live_high_roller", new[] { "live", "table" }, 0.8)]
    [InlineData("thrill_seeker", new[] { "crash", "instant" }, 0.7)]
    [InlineData("table_regular", new[] { "table", "live" }, 0.8)]
    [InlineData("casual_slots", new[] { "slots" }, 0.6)]
    public void AnArchetypesStake_GoesMostlyToItsCategories(string archetype, string[] categories, double share)
    {
        var (world, sims) = Population.Value;
        var category = world.Games.ToDictionary(g => g.Id, g => g.Category);
        var bets = sims.Where(s => s.Player.Archetype.Name == archetype).SelectMany(s => s.Activities).Where(a => a.Kind == ActivityKind.Bet).ToList();
        var inCategories = bets.Where(b => categories.Contains(category[b.GameId!])).Sum(b => b.Amount);
        Assert.True(inCategories / bets.Sum(b => b.Amount) >= (decimal)share, $"{archetype}: {inCategories / bets.Sum(b => b.Amount):P0} in {string.Join("+", categories)}");
    }

    [Fact]
    public void HighRollers_StakeFarMoreThanCasualPlayers()
    {
        var sims = Population.Value.Sims;
        decimal MeanBet(string archetype) => sims.Where(s => s.Player.Archetype.Name == archetype).SelectMany(s => s.Activities)
            .Where(a => a.Kind == ActivityKind.Bet).Average(a => a.Amount * 1m);
        Assert.True(MeanBet("live_high_roller") > 10 * MeanBet("casual_slots"));
    }

    [Fact]
    public void Churners_StopPlaying_AndDriftersChurnMore()
    {
        var sims = Population.Value.Sims;
        var churned = sims.Where(s => s.State.ChurnedAt is not null).ToList();
        Assert.InRange(churned.Count, sims.Length / 10, sims.Length * 3 / 4);
        // KYC checks the operator finishes later, chargebacks and returned payments are not the player's doing; everything the player does stops.
        Assert.All(churned, s => Assert.DoesNotContain(s.Activities, a => !a.FromOperator && a.Time >= s.State.ChurnedAt!.Value.AddDays(1)));
        double Rate(bool drifter) => sims.Where(s => s.Player.Drifter == drifter).Average(s => s.State.ChurnedAt is null ? 0.0 : 1.0);
        Assert.True(Rate(true) > Rate(false));
    }

    [Fact]
    public void FewPlayersBecomeVips_AndVipsStakeMore()
    {
        var sims = Population.Value.Sims;
        var vips = sims.Where(s => s.State.VipTier is not null).ToList();
        Assert.InRange(vips.Count, sims.Length / 200, sims.Length / 10);
        Assert.All(vips, s => Assert.Contains(s.Activities, a => a.Kind == ActivityKind.Updated && a.VipTier == "gold"));
    }

    [Fact]
    public void PlayersReturnToFavouriteGames()
    {
        var sims = Population.Value.Sims.Where(s => s.State.Sessions >= 20).ToList();
        // Habit: a regular's most played game takes a large share of their sessions out of a catalogue of hundreds.
        var topShare = sims.Average(s =>
        {
            var sessions = s.Activities.Where(a => a.Kind == ActivityKind.Session).GroupBy(a => a.GameId).Select(g => g.Count()).ToList();
            return sessions.Max() / (double)sessions.Sum();
        });
        Assert.True(topShare > 0.15, $"top game share {topShare:P0}");
    }

    [Fact]
    public void SomePlayersLimitThemselvesOrWithdrawConsent()
    {
        var sims = Population.Value.Sims;
        Assert.Contains(sims, s => s.Activities.Any(a => a.Kind == ActivityKind.Rg && a.Text == "deposit_limit"));
        Assert.Contains(sims, s => s.Activities.Any(a => a.Kind == ActivityKind.Consent && !a.Flag && s.Player.EmailConsent));
    }

    [Fact]
    public void OnMobile_PlayersDiscoverMoreQuickGames_AndFewerLiveTables_ThanOnDesktop()
    {
        var world = Population.Value.World;
        var category = world.Games.ToDictionary(g => g.Id, g => g.Category);
        // The same players discovering games (no habit) on each device, from the same random draws. Most archetypes keep
        // to one or two categories, so the shares move by a sixth or so, not by the full device factor.
        double Share(string device, params string[] categories)
        {
            var picks = Enumerable.Range(0, 300).SelectMany(i =>
            {
                var chooser = new GameChooser(world.Player(i), world.Games);
                var rng = new Random(i);
                return Enumerable.Range(0, 100).Select(_ => chooser.Choose(rng, habit: 0, world.End, device).Id).ToList();
            }).ToList();
            return picks.Count(id => categories.Contains(category[id])) / (double)picks.Count;
        }
        var quick = (Mobile: Share("mobile", "instant", "crash"), Desktop: Share("desktop", "instant", "crash"));
        var live = (Mobile: Share("mobile", "live"), Desktop: Share("desktop", "live"));
        Assert.True(quick.Mobile > 1.1 * quick.Desktop, $"instant+crash: mobile {quick.Mobile:P1}, desktop {quick.Desktop:P1}");
        Assert.True(live.Mobile < 0.9 * live.Desktop, $"live: mobile {live.Mobile:P1}, desktop {live.Desktop:P1}");
        // In the simulated sessions themselves, a phone session is the more likely to be a quick game.
        var sessions = Population.Value.Sims.SelectMany(s => s.Activities).Where(a => a.Kind == ActivityKind.Session).ToList();
        double SessionShare(string device) => sessions.Where(a => a.Text == device).Average(a => category[a.GameId!] is "instant" or "crash" ? 1.0 : 0.0);
        Assert.True(SessionShare("mobile") > SessionShare("desktop"), $"sessions: mobile {SessionShare("mobile"):P1}, desktop {SessionShare("desktop"):P1}");
    }

    [Fact]
    public void PlayersPlayMostlyOnTheirOwnDevice_AndSometimesOnAnother()
    {
        var sims = Population.Value.Sims.Where(s => s.State.Sessions >= 20).ToList();
        var own = sims.Average(s =>
        {
            var logins = s.Activities.Where(a => a.Kind == ActivityKind.Login).ToList();
            return logins.Count(a => a.Text == s.Player.Device) / (double)logins.Count;
        });
        Assert.InRange(own, 0.75, 0.95);
        Assert.Contains(sims, s => s.Player.Device == "desktop" && s.Activities.Any(a => a.Kind == ActivityKind.Login && a.Text == "mobile"));
    }
}
