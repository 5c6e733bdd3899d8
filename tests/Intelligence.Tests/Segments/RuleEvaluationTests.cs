using System.Text.Json;
using CsCheck;
using Intelligence.Segments;
using Shared.Contracts;

namespace Intelligence.Tests.Segments;

/// <summary>The column evaluator against the plain reference evaluator, on random players and random rules.</summary>
public sealed class RuleEvaluationTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 10, 30, 15, 123, TimeSpan.Zero);
    private static readonly bool[] Purposes = [false, true];

    [Fact]
    public void CompiledRules_OverTheIndex_MatchExactlyWhomTheReferenceEvaluatorMatches()
    {
        Gen.Int.Sample(seed =>
        {
            var rng = new Random(seed);
            var random = new RandomRules(rng, Now);
            var (index, players) = Populate(random, rng);
            for (var r = 0; r < 25; r++)
            {
                var json = random.Rule(depth: 3);
                var rule = JsonSerializer.Deserialize(json, ContractsJsonContext.Default.SegmentRule)!;
                var bound = RuleBinder.Bind(rule, random.Context, new RuleLimits(), Now);
                Assert.True(bound.IsValid, $"{json}: {string.Join("; ", bound.Errors.Select(e => $"{e.Key} {string.Join(",", e.Value)}"))}");

                string? channel = rng.Next(3) == 0 ? null : MarketingPolicy.MarketingChannels[rng.Next(MarketingPolicy.MarketingChannels.Count)];
                foreach (var marketing in Purposes)
                {
                    var evaluation = SegmentEvaluator.Evaluate(index, bound.Rule!, marketing, channel, Now);
                    var matched = players.Values.Where(p => ReferenceEvaluator.Matches(rule, p, Now)).ToList();
                    var excluded = marketing
                        ? matched.Select(p => ReferenceEvaluator.Excluded(p.Profile, Now, channel)).Where(x => x is not null).GroupBy(x => x!).ToDictionary(g => g.Key, g => (long)g.Count())
                        : [];
                    var expected = matched.Where(p => !marketing || ReferenceEvaluator.Excluded(p.Profile, Now, channel) is null).Select(p => p.Profile.PlayerId).Order(StringComparer.Ordinal).ToList();
                    var actual = evaluation.Rows().Select(row => evaluation.Columns.Ids[row]!).Order(StringComparer.Ordinal).ToList();
                    Assert.True(expected.SequenceEqual(actual), $"seed {seed}, {(marketing ? $"marketing ({channel ?? "any channel"})" : "analysis")}, rule {json}: " +
                        $"expected [{string.Join(",", expected)}], got [{string.Join(",", actual)}]");
                    Assert.Equal(expected.Count, evaluation.Count);
                    Assert.Equal(excluded.OrderBy(e => e.Key, StringComparer.Ordinal), evaluation.Excluded.OrderBy(e => e.Key, StringComparer.Ordinal));
                    Assert.Equal(players.Count, evaluation.Evaluated);
                }
            }
        }, iter: 60);
    }

    [Fact]
    public void MarketingStatus_FromARowOfTheIndex_IsThePolicysOwn()
    {
        Gen.Int.Sample(seed =>
        {
            var rng = new Random(seed);
            var (index, players) = Populate(new RandomRules(rng, Now), rng);
            var c = index.Columns;
            for (var row = 0; row < c.Count; row++)
            {
                if (c.Ids[row] is not { } id) continue;
                var expected = MarketingPolicy.Evaluate(players[id].Profile, Now);
                var actual = SegmentMarketing.Status(c, row, Now.ToUnixTimeMilliseconds());
                Assert.Equal(expected.Allowed, actual.Allowed);
                Assert.Equal(expected.Reasons, actual.Reasons);
                Assert.Equal(expected.Channels, actual.Channels);
            }
        }, iter: 50);
    }

    [Fact]
    public void AnOlderVersionOfAPlayer_NeverOverwritesANewerRow()
    {
        var random = new RandomRules(new Random(3), Now);
        var index = new PlayerIndex();
        var newer = random.Player("p-1", version: 200);
        Assert.True(index.Upsert(newer));
        Assert.False(index.Upsert(random.Player("p-1", version: 100)));
        Assert.Equal(200, index.VersionOf("p-1"));
        Assert.True(index.Upsert(random.Player("p-1", version: 200)), "the same version rewrites the row (windows roll without a new scoring)");
        Assert.True(index.Remove("p-1"));
        Assert.Equal(-1, index.VersionOf("p-1"));
        Assert.Equal(0, index.Count);
    }

    /// <summary>Players written, rewritten with newer versions, some removed and others added into the freed rows.</summary>
    private static (PlayerIndex Index, Dictionary<string, PlayerFacts> Players) Populate(RandomRules random, Random rng)
    {
        var index = new PlayerIndex();
        var players = new Dictionary<string, PlayerFacts>(StringComparer.Ordinal);
        for (var i = 0; i < 80; i++)
        {
            var p = random.Player($"p-{i}", version: 10);
            Assert.True(index.Upsert(p));
            players[p.Profile.PlayerId] = p;
        }
        for (var i = 0; i < 30; i++)
        {
            var id = $"p-{rng.Next(80)}";
            if (rng.Next(3) == 0)
            {
                index.Remove(id);
                players.Remove(id);
            }
            else
            {
                var p = random.Player(id, version: 20 + i);
                index.Upsert(p);
                players[id] = p;
                // A late copy of older data changes nothing.
                Assert.False(index.Upsert(random.Player(id, version: 5)));
            }
        }
        for (var i = 80; i < 95; i++)
        {
            var p = random.Player($"p-{i}", version: 10);
            index.Upsert(p);
            players[p.Profile.PlayerId] = p;
        }
        Assert.Equal(players.Count, index.Count);
        return (index, players);
    }
}
