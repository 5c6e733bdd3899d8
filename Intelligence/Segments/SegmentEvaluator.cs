using System.Numerics;
using Shared.Contracts;

namespace Intelligence.Segments;

/// <summary>
/// Who matches a rule over the whole index: the members as a bit per row, how many matched but were excluded by the
/// marketing policy (by reason), and how many players were looked at.
/// </summary>
public sealed class SegmentEvaluation(IndexColumns columns, ulong[] members, long count, long[] excluded, long evaluated, long[]? versions = null)
{
    public IndexColumns Columns { get; } = columns;

    /// <summary>
    /// Each row's data version as it was before the evaluation read it (when asked for): a decision is labelled with
    /// the oldest data it may have seen, so it never passes for fresher than it is.
    /// </summary>
    public long[]? Versions { get; } = versions;
    public long Count { get; } = count;
    public long Evaluated { get; } = evaluated;

    /// <summary>Players excluded, by <see cref="SegmentMarketing.Reasons"/> (only reasons that occurred).</summary>
    public IReadOnlyDictionary<string, long> Excluded { get; } =
        SegmentMarketing.Reasons.Select((r, i) => (r, n: excluded[i])).Where(x => x.n > 0).ToDictionary(x => x.r, x => x.n, StringComparer.Ordinal);

    public bool IsMember(int row) => (members[row >> 6] & (1UL << (row & 63))) != 0;

    /// <summary>The members' rows, ascending.</summary>
    public IEnumerable<int> Rows()
    {
        for (var w = 0; w < members.Length; w++)
        {
            var word = members[w];
            while (word != 0)
            {
                var bit = BitOperations.TrailingZeroCount(word);
                yield return (w << 6) + bit;
                word &= word - 1;
            }
        }
    }

    /// <summary>Up to <paramref name="n"/> members spread evenly over the index (not just its first rows).</summary>
    public List<int> Sample(int n)
    {
        var picks = new List<int>(Math.Min(n, (int)Math.Min(Count, int.MaxValue)));
        if (n <= 0 || Count == 0) return picks;
        var step = Math.Max(1d, Count / (double)n);
        var next = 0d;
        long k = 0;
        foreach (var row in Rows())
        {
            if (k++ < (long)next) continue;
            picks.Add(row);
            if (picks.Count == n) break;
            next += step;
        }
        return picks;
    }
}

public static class SegmentEvaluator
{
    // Rows per unit of parallel work: a multiple of 64, so each unit owns whole words of the member bits.
    private const int BlockRows = 64 * 512;

    /// <summary>
    /// Evaluates <paramref name="rule"/> over every player held. With <paramref name="marketing"/>, players the
    /// marketing policy excludes for <paramref name="channel"/> are counted by reason and are not members.
    /// </summary>
    /// <param name="versions">Also snapshot every row's data version before evaluating (for decisions to store).</param>
    /// <param name="only">Only the players of these index partitions (null: every player held).</param>
    public static SegmentEvaluation Evaluate(PlayerIndex index, BoundRule rule, bool marketing, string? channel, DateTimeOffset now, int parallelism = -1, bool versions = false,
        PartitionSet? only = null)
    {
        var c = index.Columns;
        var rows = c.Count;
        var before = versions ? c.Versions[..rows] : null;
        var nowMs = now.ToUnixTimeMilliseconds();
        var predicate = RuleCompiler.Compile(rule, index, c, nowMs);
        var channelBit = marketing ? SegmentMarketing.ChannelBit(channel) : -1;
        var members = new ulong[(rows + 63) >> 6];
        var excluded = new long[SegmentMarketing.Reasons.Count];
        long count = 0, evaluated = 0;
        var blocks = (rows + BlockRows - 1) / BlockRows;
        Parallel.For(0, blocks, new ParallelOptions { MaxDegreeOfParallelism = parallelism }, b =>
        {
            var from = b * BlockRows;
            var to = Math.Min(rows, from + BlockRows);
            long n = 0, seen = 0;
            Span<long> ex = stackalloc long[SegmentMarketing.Reasons.Count];
            var ids = c.Ids;
            var partitions = c.Partitions;
            for (var row = from; row < to; row++)
            {
                if (ids[row] is null || (only is not null && !only.Contains(partitions[row]))) continue;
                seen++;
                if (!predicate.Match(row)) continue;
                if (marketing)
                {
                    var reason = SegmentMarketing.ExclusionReason(c, row, nowMs, channelBit);
                    if (reason >= 0)
                    {
                        ex[reason]++;
                        continue;
                    }
                }
                members[row >> 6] |= 1UL << (row & 63);
                n++;
            }
            Interlocked.Add(ref count, n);
            Interlocked.Add(ref evaluated, seen);
            for (var i = 0; i < ex.Length; i++)
            {
                if (ex[i] > 0) Interlocked.Add(ref excluded[i], ex[i]);
            }
        });
        return new SegmentEvaluation(c, members, count, excluded, evaluated, before);
    }

    /// <summary>Whether the player in <paramref name="row"/> belongs to a segment with this predicate and purpose.</summary>
    public static bool IsMember(RowPredicate predicate, IndexColumns c, int row, bool marketing, int channelBit, long nowMs) =>
        predicate.Match(row) && (!marketing || SegmentMarketing.ExclusionReason(c, row, nowMs, channelBit) < 0);

    public static bool IsMarketing(string purpose) => purpose == SegmentPurposes.Marketing;
}
