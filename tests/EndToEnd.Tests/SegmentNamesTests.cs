using System.Net.Http.Json;
using System.Text;
using Shared.Contracts;

namespace EndToEnd.Tests;

/// <summary>
/// The behavioural segments of the demo casino say true things about the players in them. Each word of a segment's
/// name is checked against its members' profiles (as the API serves them): a stake level, a game category, how often
/// they come; most members must fit every word. And a new player's three €2.50 bets on a slot never read as a
/// high-stake, live-casino, lapsed or regular player.
/// </summary>
[Trait("Category", "Slow")]
[Collection(DemoTests.Name)]
public class SegmentNamesTests(DemoCasino demo)
{
    /// <summary>
    /// The share of members every word must fit. The names are made when the model is trained (on the day's features,
    /// by <c>SegmentNamer</c>, which asks 60 %); the casino moves on while the test reads it, so a margin is left.
    /// </summary>
    private const double Most = 0.5;

    private static readonly Dictionary<string, string> Categories = new()
    {
        ["slots"] = "slots", ["live casino"] = "live", ["table games"] = "table", ["crash games"] = "crash", ["instant games"] = "instant", ["bingo"] = "bingo",
    };

    private sealed record Facts(double AverageStake, int ActiveDays90, double DaysSinceActive, IReadOnlyDictionary<string, double> Shares, bool Played, double BonusShare);

    private static Facts Of(PlayerProfile p, DateTimeOffset now)
    {
        var w = p.Windows["90d"];
        var total = p.Games.Categories.Values.Sum();
        return new Facts(
            w.BetCount > 0 ? (double)(w.StakeAmount / w.BetCount) : 0,
            w.ActiveDays,
            p.Lifetime.LastActiveAt is { } at ? Math.Floor((now.UtcDateTime.Date - at.UtcDateTime.Date).TotalDays) : double.MaxValue,
            Categories.Values.ToDictionary(c => c, c => total > 0 ? (double)(p.Games.Categories.GetValueOrDefault(c) / total) : 0),
            p.Lifetime.BetCount > 0,
            w.StakeAmount > 0 ? (double)(w.BonusStakeAmount / w.StakeAmount) : 0);
    }

    /// <summary>What each word of a name claims about a player, by the namer's thresholds.</summary>
    private static List<(string Word, Func<Facts, bool> Holds)> Claims(string name, double lowStake, double highStake)
    {
        var claims = new List<(string, Func<Facts, bool>)>();
        var bare = name.Split(" (", 2)[0];
        if (bare.StartsWith("Registered", StringComparison.Ordinal))
        {
            claims.Add(("registered, not playing", f => !f.Played || f.ActiveDays90 == 0));
            return claims;
        }
        if (bare.StartsWith("High-stake", StringComparison.Ordinal)) claims.Add(("High-stake", f => f.ActiveDays90 == 0 || f.AverageStake >= highStake));
        if (bare.StartsWith("Low-stake", StringComparison.Ordinal)) claims.Add(("Low-stake", f => f.ActiveDays90 == 0 || f.AverageStake <= lowStake));
        if (bare.StartsWith("Mid-stake", StringComparison.Ordinal)) claims.Add(("Mid-stake", f => f.ActiveDays90 == 0 || (f.AverageStake > lowStake && f.AverageStake < highStake)));
        if (bare.Contains("bonus-driven", StringComparison.Ordinal)) claims.Add(("bonus-driven", f => f.BonusShare >= 0.3));
        var named = Categories.Where(c => bare.Contains(c.Key, StringComparison.OrdinalIgnoreCase)).Select(c => c.Value).ToList();
        if (named.Count == 1) claims.Add((named[0], f => f.Shares[named[0]] >= 0.5));
        Assert.True(named.Count <= 2, $"“{name}” names {named.Count} game categories");
        if (named.Count == 2) claims.Add(($"{named[0]} and {named[1]}", f => f.Shares[named[0]] + f.Shares[named[1]] >= 0.7));
        if (bare.EndsWith("lapsed players", StringComparison.Ordinal)) claims.Add(("lapsed", f => f.DaysSinceActive > 45));
        if (bare.EndsWith("regulars", StringComparison.Ordinal)) claims.Add(("regulars", f => f.DaysSinceActive <= 45 && f.ActiveDays90 >= 25));
        if (bare.EndsWith("occasional players", StringComparison.Ordinal)) claims.Add(("occasional", f => f.DaysSinceActive <= 45 && f.ActiveDays90 < 25));
        if (bare.EndsWith("active players", StringComparison.Ordinal)) claims.Add(("active", f => f.DaysSinceActive <= 45));
        return claims;
    }

    private async Task<List<PlayerScores>> ScoredAsync(List<string> players, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (true)
        {
            using var response = await demo.Intelligence.PostAsJsonAsync("/v1/scores/batch", new BatchScoresRequest(players), ContractsJsonContext.Default.BatchScoresRequest, ct);
            var scores = (await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.BatchScoresResponse, ct))!.Items;
            if (scores.Count(s => s.Segment is not null) >= 0.95 * players.Count || DateTime.UtcNow > deadline) return [.. scores];
            await Task.Delay(500, ct);
        }
    }

    [Fact]
    public async Task EverySegmentsName_FitsMostOfItsMembers()
    {
        var ct = TestContext.Current.CancellationToken;
        var players = Enumerable.Range(0, DemoCasino.Players).Select(Simulator.Population.Player.IdOf).ToList();
        var scores = await ScoredAsync(players, ct);
        var now = DateTimeOffset.UtcNow;
        var facts = new Dictionary<string, Facts>();
        foreach (var id in players)
        {
            var profile = await demo.Intelligence.GetFromJsonAsync($"/v1/players/{id}/profile", ContractsJsonContext.Default.PlayerProfile, ct);
            facts[id] = Of(profile!, now);
        }
        var stakes = facts.Values.Where(f => f.ActiveDays90 > 0 && f.AverageStake > 0).Select(f => f.AverageStake).Order().ToArray();
        double Quantile(double q) => stakes[(int)(q * (stakes.Length - 1))];
        var (low, high) = (Quantile(0.4), Quantile(0.85));

        var segments = scores.Where(s => s.Segment is not null).GroupBy(s => s.Segment!.Name).ToList();
        Assert.True(segments.Count >= 3, $"the demo has {segments.Count} segments");
        var wrong = new List<string>();
        foreach (var segment in segments.Where(g => g.Count() >= 10))
        {
            var members = segment.Select(s => facts[s.PlayerId]).ToList();
            foreach (var (word, holds) in Claims(segment.Key, low, high))
            {
                var share = members.Count(holds) / (double)members.Count;
                TestContext.Current.TestOutputHelper?.WriteLine($"{segment.Key} ({members.Count}): “{word}” fits {share:P0}");
                if (share < Most) wrong.Add($"“{segment.Key}”: “{word}” fits {share:P0} of its {members.Count} members");
            }
        }
        Assert.True(wrong.Count == 0, string.Join('\n', wrong));
    }

    [Fact]
    public async Task ThreeSmallBetsOnASlot_NeverReadAsAHighStakeLiveLapsedOrRegularPlayer()
    {
        var ct = TestContext.Current.CancellationToken;
        const string player = "p-e2e-three-bets";
        var slot = demo.Games.First(g => g is { Category: "slots", Jackpot: false } && g.Markets.Contains("*"));
        var now = DateTimeOffset.UtcNow;
        var bets = string.Join('\n', Enumerable.Range(1, 3).Select(i =>
            $$$"""{"specversion":"1.0","id":"{{{player}}}-{{{i}}}","source":"/wallet","type":"wallet.bet","time":"{{{now:O}}}","subject":"{{{player}}}","data":{"transactionId":"tx-{{{player}}}-{{{i}}}","roundId":"r-{{{player}}}-{{{i}}}","gameId":"{{{slot.Id}}}","amount":2.50,"currency":"EUR"}}"""));
        using (var posted = await demo.Ingestion.PostAsync("/v1/events", new StringContent(bets, Encoding.UTF8, "application/x-ndjson"), ct))
        {
            Assert.True(posted.IsSuccessStatusCode);
        }

        var scores = (await ScoredAsync([player], ct)).Single();

        var name = Assert.IsType<SegmentRef>(scores.Segment).Name;
        TestContext.Current.TestOutputHelper?.WriteLine($"three €2.50 bets on {slot.Title}: “{name}”");
        foreach (var wrong in new[] { "High-stake", "live casino", "lapsed", "regulars", "Registered" })
        {
            Assert.DoesNotContain(wrong, name, StringComparison.Ordinal);
        }
    }
}
