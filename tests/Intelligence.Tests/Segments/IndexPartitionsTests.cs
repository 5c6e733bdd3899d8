using Intelligence.Segments;
using StackExchange.Redis;
using TestSupport;

namespace Intelligence.Tests.Segments;

/// <summary>How players fall into index partitions, and how partitions are shared out among instances.</summary>
public sealed class IndexPartitionsTests(StoreServers servers)
{
    [Fact]
    public async Task HashSlot_IsTheSlotRedisClusterPutsTheKeyIn()
    {
        await using var redis = await servers.ConnectAsync(StoreKinds.Cluster);
        var server = redis.GetServer(redis.GetEndPoints()[0]);
        var random = new Random(5);
        string[] fixedKeys = ["123456789", "foo", "somekey", "p:{p-1042}", "t:x:p:{p-7}", "{}", "a{}b", "{a}{b}", "ü{é}", "x{"];
        var keys = fixedKeys.Concat(Enumerable.Range(0, 200).Select(i => $"t:{random.Next()}:p:{{p-{random.Next(1_000_000)}}}"));

        foreach (var key in keys)
        {
            var slot = (int)await server.ExecuteAsync("CLUSTER", "KEYSLOT", key);
            Assert.True(slot == HashSlot.Of(key), $"{key}: Redis says {slot}, we say {HashSlot.Of(key)}");
        }
        Assert.Equal(12739, HashSlot.Of("123456789"));
    }

    [Theory]
    [InlineData(1, 256)]
    [InlineData(3, 256)]
    [InlineData(7, 256)]
    [InlineData(12, 256)]
    [InlineData(300, 256)]
    public void Assign_GivesEveryPartitionToExactlyOneInstance_EvenShares(int instances, int partitions)
    {
        var live = Enumerable.Range(0, instances).Select(i => $"instance-{i:D3}").ToList();

        var shares = live.Select(self => IndexPartitions.Assign(live, self, partitions)).ToList();

        foreach (var k in Enumerable.Range(0, partitions)) Assert.Equal(1, shares.Count(s => s.Contains(k)));
        var cap = (partitions + instances - 1) / instances;
        Assert.All(shares, s => Assert.InRange(s.Size, 0, cap));
        Assert.Equal(partitions, shares.Sum(s => s.Size));
        // The same list in another order gives the same shares: every instance computes the same map.
        var shuffled = live.OrderBy(_ => Guid.NewGuid()).ToList();
        Assert.All(live, self => Assert.Equal(IndexPartitions.Assign(live, self, partitions).Members, IndexPartitions.Assign(shuffled, self, partitions).Members));
    }

    [Fact]
    public void Assign_WithACapPerInstance_LeavesWhatTheInstancesMayNotHoldToNoOne()
    {
        string[] two = ["a", "b"];

        var shares = two.Select(self => IndexPartitions.Assign(two, self, 64, maxPerInstance: 20)).ToList();

        Assert.All(shares, s => Assert.Equal(20, s.Size));
        Assert.Equal(40, shares[0].Union(shares[1]).Size);
        Assert.Equal(32, IndexPartitions.Assign(two, "a", 64, maxPerInstance: 40).Size);
    }

    [Fact]
    public void Compacting_AfterAHandover_KeepsEveryRemainingPlayersRow_AndShrinksTheColumns()
    {
        var random = new RandomRules(new Random(9), new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero));
        var index = new PlayerIndex(partitionOf: id => int.TryParse(id[2..], System.Globalization.CultureInfo.InvariantCulture, out var n) ? n % 4 : 0);
        var players = Enumerable.Range(0, 5000).Select(i => random.Player($"p-{i}", version: 10)).ToList();
        foreach (var p in players) index.Upsert(p);
        var before = index.Columns;

        var dropped = index.RemovePartitions(PartitionSet.Of(4, [1, 2, 3]));

        Assert.Equal(3750, dropped);
        Assert.Equal(1250, index.Count);
        Assert.True(index.Columns.Capacity < before.Capacity, $"capacity {index.Columns.Capacity} after {before.Capacity}");
        Assert.Equal(before.Layout + 1, index.Columns.Layout);
        var kept = players.Where((_, i) => i % 4 == 0).ToList();
        var (c, rows) = index.RowsOf([.. kept.Select(p => p.Profile.PlayerId)]);
        var deposits = SegmentFields.Static["lifetime.depositAmount"].Column;
        for (var i = 0; i < kept.Count; i++)
        {
            Assert.Equal(kept[i].Profile.PlayerId, c.Ids[rows[i]]);
            Assert.Equal((double)kept[i].Profile.Lifetime.DepositAmount, c.Numbers[deposits][rows[i]]);
        }
        Assert.Equal(-1, index.RowsOf(["p-1"]).Rows[0]);
        // Rows freed by the compaction are not reused wrongly: a new player gets a row of its own.
        Assert.True(index.Upsert(random.Player("p-new", version: 11)));
        Assert.Equal(1251, index.Count);
    }

    /// <summary>
    /// A fifth instance must take its share (256 / 5 rounded up is the cap, so it holds 48 to 52: the four others hold at
    /// most 52 each), and every partition it takes moves. Anything else that moves is churn the caps cause; reassigning
    /// every partition afresh would move about 205. Over 300 sets of instance ids (fixed seed), joining and leaving alike.
    /// </summary>
    [Fact]
    public void Assign_WhenAnInstanceJoinsOrLeaves_MovesItsShareAndLittleElse()
    {
        const int partitions = 256;
        var random = new Random(20261207);
        string Id() => string.Concat(Enumerable.Range(0, 16).Select(_ => random.Next(256).ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));
        int[] Owners(List<string> live)
        {
            var owners = new int[partitions];
            for (var i = 0; i < live.Count; i++)
            {
                foreach (var k in IndexPartitions.Assign(live, live[i], partitions).Members) owners[k] = i;
            }
            return owners;
        }

        var churn = new List<int>();
        for (var run = 0; run < 300; run++)
        {
            var four = Enumerable.Range(0, 4).Select(_ => Id()).ToList();
            var five = four.Append(Id()).ToList();
            var (before, after) = (Owners(four), Owners(five));

            var share = after.Count(o => o == 4);
            var moved = Enumerable.Range(0, partitions).Count(k => before[k] != after[k]);
            Assert.InRange(share, partitions - 4 * 52, 52);
            Assert.True(moved >= share, $"run {run}: {moved} moved, fewer than the {share} the new instance holds");
            churn.Add(moved - share);
        }

        // Leaving is the same move backwards: what the fifth held goes back, and the same churn with it.
        TestContext.Current.TestOutputHelper?.WriteLine($"churn beyond the share: median {churn.Order().ElementAt(churn.Count / 2)}, max {churn.Max()}");
        Assert.InRange(churn.Max(), 0, partitions / 8);
    }
}
