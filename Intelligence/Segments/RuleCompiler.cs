using Shared.Contracts;

namespace Intelligence.Segments;

/// <summary>A compiled rule: whether the player in a row of the columns it was compiled against matches.</summary>
public abstract class RowPredicate
{
    public abstract bool Match(int row);
}

/// <summary>
/// Compiles a <see cref="BoundRule"/> into a predicate over one snapshot of the index's columns, with relative dates
/// resolved against <c>now</c>. Compiling is cheap (a few objects per node), so every evaluation compiles afresh.
/// </summary>
/// <remarks>
/// A player without a value for a field matches no comparison on it (<c>eq</c>, <c>gt</c>, <c>between</c>, <c>in</c>…)
/// and matches their negations <c>neq</c> and <c>nin</c>, so <c>neq</c> is always <c>not eq</c>.
/// </remarks>
public static class RuleCompiler
{
    public static RowPredicate Compile(BoundRule rule, PlayerIndex index, IndexColumns columns, long nowMs) => rule switch
    {
        BoundAll all => all.Rules.Count == 1 ? Compile(all.Rules[0], index, columns, nowMs) : new All([.. all.Rules.Select(r => Compile(r, index, columns, nowMs))]),
        BoundAny any => any.Rules.Count == 1 ? Compile(any.Rules[0], index, columns, nowMs) : new Any([.. any.Rules.Select(r => Compile(r, index, columns, nowMs))]),
        BoundNot not => new Not(Compile(not.Rule, index, columns, nowMs)),
        BoundLeaf leaf => Leaf(leaf, index, columns, nowMs),
        _ => throw new ArgumentException($"unknown rule node {rule.GetType().Name}", nameof(rule)),
    };

    private static RowPredicate Leaf(BoundLeaf leaf, PlayerIndex index, IndexColumns c, long nowMs)
    {
        var f = leaf.Field;
        switch (f.Kind)
        {
            case ColumnKind.Number:
                return new NumberLeaf(c.Numbers[f.Column], NumberTest.Of(leaf));
            case ColumnKind.Count:
                return new CountLeaf(c.Counts[f.Column], NumberTest.Of(leaf));
            case ColumnKind.Provider:
                var provider = index.Providers.Find(f.Provider!);
                return new ProviderLeaf(c.Providers, provider, NumberTest.Of(leaf));
            case ColumnKind.Date:
                return new DateLeaf(c.Dates[f.Column], DateTest.Of(leaf, nowMs));
            case ColumnKind.Text:
                return TextLeaf(c.Texts[f.Column], index.Texts[f.Column], leaf);
            case ColumnKind.Flag:
                return new BitLeaf(c.Flags, null, IndexColumns.Blocked, leaf.Op, leaf.Values[0].Bool);
            case ColumnKind.Consent:
                return new BitLeaf(c.ConsentGiven, c.ConsentKnown, (byte)(1 << f.Column), leaf.Op, leaf.Values[0].Bool);
            case ColumnKind.GamesPlayed:
                var codes = leaf.Values.Select(v => index.Games.Find(v.Text!)).Where(code => code > 0).Distinct().Order().ToArray();
                return new GamesLeaf(c.Played, codes, leaf.Op == SegmentOps.Nin);
            default:
                throw new ArgumentException($"unknown column kind {f.Kind}", nameof(leaf));
        }
    }

    private static RowPredicate TextLeaf(int[] column, TextCodes dictionary, BoundLeaf leaf)
    {
        switch (leaf.Op)
        {
            case SegmentOps.Exists:
                return new TextExists(column, leaf.Values[0].Bool);
            case SegmentOps.Eq or SegmentOps.Neq:
                var code = dictionary.Find(leaf.Values[0].Text!);
                // A value no player has: eq matches no one, neq everyone.
                if (code == 0) return new Constant(leaf.Op == SegmentOps.Neq);
                return new TextEq(column, code, leaf.Op == SegmentOps.Neq);
            default:
                var set = new bool[dictionary.MaxCode + 1];
                var any = false;
                foreach (var v in leaf.Values)
                {
                    var c = dictionary.Find(v.Text!);
                    if (c > 0 && c < set.Length) { set[c] = true; any = true; }
                }
                if (!any) return new Constant(leaf.Op == SegmentOps.Nin);
                return new TextIn(column, set, leaf.Op == SegmentOps.Nin);
        }
    }

    private sealed class Constant(bool value) : RowPredicate
    {
        public override bool Match(int row) => value;
    }

    private sealed class All(RowPredicate[] parts) : RowPredicate
    {
        public override bool Match(int row)
        {
            foreach (var p in parts)
            {
                if (!p.Match(row)) return false;
            }
            return true;
        }
    }

    private sealed class Any(RowPredicate[] parts) : RowPredicate
    {
        public override bool Match(int row)
        {
            foreach (var p in parts)
            {
                if (p.Match(row)) return true;
            }
            return false;
        }
    }

    private sealed class Not(RowPredicate inner) : RowPredicate
    {
        public override bool Match(int row) => !inner.Match(row);
    }

    private sealed class NumberLeaf(double[] column, NumberTest test) : RowPredicate
    {
        public override bool Match(int row) => test.Test(column[row]);
    }

    private sealed class CountLeaf(int[] column, NumberTest test) : RowPredicate
    {
        public override bool Match(int row) => test.Test(column[row]);
    }

    private sealed class ProviderLeaf(ProviderStake[]?[] column, int provider, NumberTest test) : RowPredicate
    {
        public override bool Match(int row)
        {
            var stake = 0d;
            if (column[row] is { } stakes)
            {
                foreach (var s in stakes)
                {
                    if (s.Provider == provider) { stake = s.Stake; break; }
                }
            }
            return test.Test(stake);
        }
    }

    private sealed class DateLeaf(long[] column, DateTest test) : RowPredicate
    {
        public override bool Match(int row) => test.Test(column[row]);
    }

    private sealed class TextExists(int[] column, bool wanted) : RowPredicate
    {
        public override bool Match(int row) => (column[row] != 0) == wanted;
    }

    private sealed class TextEq(int[] column, int code, bool negate) : RowPredicate
    {
        public override bool Match(int row) => (column[row] == code) != negate;
    }

    private sealed class TextIn(int[] column, bool[] set, bool negate) : RowPredicate
    {
        public override bool Match(int row)
        {
            var code = column[row];
            return (code < set.Length && set[code]) != negate;
        }
    }

    /// <summary>A flag (<paramref name="known"/> null: always known) or a consent (unknown when its known bit is clear).</summary>
    private sealed class BitLeaf(byte[] values, byte[]? known, byte bit, string op, bool wanted) : RowPredicate
    {
        public override bool Match(int row)
        {
            var isKnown = known is null || (known[row] & bit) != 0;
            if (op == SegmentOps.Exists) return isKnown == wanted;
            if (!isKnown) return op == SegmentOps.Neq;
            var value = (values[row] & bit) != 0;
            return op == SegmentOps.Eq ? value == wanted : value != wanted;
        }
    }

    private sealed class GamesLeaf(int[]?[] column, int[] codes, bool negate) : RowPredicate
    {
        public override bool Match(int row)
        {
            var played = column[row];
            var found = false;
            if (played is not null)
            {
                foreach (var code in codes)
                {
                    if (Array.BinarySearch(played, code) >= 0) { found = true; break; }
                }
            }
            return found != negate;
        }
    }

    private enum Op : byte { Eq, Neq, Gt, Gte, Lt, Lte, Between, In, Nin, Exists }

    private static Op OpOf(string op) => op switch
    {
        SegmentOps.Eq => Op.Eq,
        SegmentOps.Neq => Op.Neq,
        SegmentOps.Gt => Op.Gt,
        SegmentOps.Gte => Op.Gte,
        SegmentOps.Lt => Op.Lt,
        SegmentOps.Lte => Op.Lte,
        SegmentOps.Between => Op.Between,
        SegmentOps.In => Op.In,
        SegmentOps.Nin => Op.Nin,
        SegmentOps.Exists => Op.Exists,
        _ => throw new ArgumentException($"unknown operator '{op}'", nameof(op)),
    };

    /// <summary>A comparison of a number; NaN is "no value".</summary>
    private sealed class NumberTest(Op op, double a, double b, double[] set)
    {
        public static NumberTest Of(BoundLeaf leaf)
        {
            var op = OpOf(leaf.Op);
            var set = op is Op.In or Op.Nin ? leaf.Values.Select(v => v.Number).Distinct().Order().ToArray() : [];
            var a = op == Op.Exists ? (leaf.Values[0].Bool ? 1 : 0) : leaf.Values.Count > 0 ? leaf.Values[0].Number : 0;
            return new NumberTest(op, a, leaf.Values.Count > 1 ? leaf.Values[1].Number : 0, set);
        }

        public bool Test(double v)
        {
            if (double.IsNaN(v)) return op is Op.Neq or Op.Nin || (op == Op.Exists && a == 0);
            return op switch
            {
                Op.Eq => v == a,
                Op.Neq => v != a,
                Op.Gt => v > a,
                Op.Gte => v >= a,
                Op.Lt => v < a,
                Op.Lte => v <= a,
                Op.Between => a <= v && v <= b,
                Op.In => Array.BinarySearch(set, v) >= 0,
                Op.Nin => Array.BinarySearch(set, v) < 0,
                _ => a == 1,
            };
        }
    }

    /// <summary>A comparison of a date in unix ms; <see cref="long.MinValue"/> is "no value".</summary>
    private sealed class DateTest(Op op, long a, long b, bool wanted)
    {
        public static DateTest Of(BoundLeaf leaf, long nowMs)
        {
            var op = OpOf(leaf.Op);
            if (op == Op.Exists) return new DateTest(op, 0, 0, leaf.Values[0].Bool);
            return new DateTest(op, leaf.Values[0].DateAt(nowMs), leaf.Values.Count > 1 ? leaf.Values[1].DateAt(nowMs) : 0, false);
        }

        public bool Test(long v)
        {
            if (v == long.MinValue) return op == Op.Exists && !wanted;
            return op switch
            {
                Op.Gt => v > a,
                Op.Gte => v >= a,
                Op.Lt => v < a,
                Op.Lte => v <= a,
                Op.Between => a <= v && v <= b,
                Op.Exists => wanted,
                _ => throw new InvalidOperationException($"{op} is not offered on dates"),
            };
        }
    }
}
