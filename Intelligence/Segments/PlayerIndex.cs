using System.Collections.Concurrent;
using System.Numerics;
using Shared.Contracts;

namespace Intelligence.Segments;

/// <summary>
/// Every player of the store in memory, one row each, stored by column so a rule is evaluated over a million players
/// in well under a second: amounts and probabilities as doubles (NaN: no value), counts as ints, dates as unix ms
/// (<see cref="long.MinValue"/>: no value), strings as codes of a per-column dictionary (0: no value), flags and
/// consents as bits, and game affinity as short per-player arrays. One writer at a time (a lock); readers take a
/// snapshot of the columns and never wait, so a row being rewritten can be read half old, half new for a moment.
/// </summary>
public sealed class PlayerIndex
{
    private readonly Lock _write = new();
    private readonly Dictionary<string, int> _rowOf = new(StringComparer.Ordinal);
    private readonly Stack<int> _free = new();
    private readonly Func<string, int>? _partitionOf;
    private volatile IndexColumns _columns;

    /// <param name="capacity">Rows before the columns first grow.</param>
    /// <param name="partitionOf">The index partition of a player (<see cref="IndexPartitions.PartitionOf"/>), kept per row; null: all 0.</param>
    public PlayerIndex(int capacity = 1024, Func<string, int>? partitionOf = null)
    {
        _columns = new IndexColumns(Math.Max(1, capacity));
        _partitionOf = partitionOf;
        Texts = [.. SegmentFields.Texts.Select(_ => new TextCodes())];
    }

    /// <summary>One dictionary per text column, in the order of <see cref="SegmentFields.Texts"/>.</summary>
    public IReadOnlyList<TextCodes> Texts { get; }

    public TextCodes Providers { get; } = new();

    public TextCodes Games { get; } = new();

    public IndexColumns Columns => _columns;

    /// <summary>Players held now.</summary>
    public int Count { get; private set; }

    /// <summary>
    /// Adds or rewrites the player's row, unless the row holds data of a later scoring (<see cref="ScoreFacts.Version"/>).
    /// Returns whether the row was written.
    /// </summary>
    public bool Upsert(PlayerFacts facts)
    {
        var id = facts.Profile.PlayerId;
        lock (_write)
        {
            var c = _columns;
            if (_rowOf.TryGetValue(id, out var row))
            {
                if (c.Versions[row] > facts.Scores.Version) return false;
            }
            else
            {
                if (_free.Count > 0)
                {
                    row = _free.Pop();
                }
                else
                {
                    if (c.Count == c.Capacity) _columns = c = c.Grow();
                    row = c.Count;
                }
                _rowOf[id] = row;
                Count++;
            }
            Write(c, row, facts);
            if (row == c.Count) c.Count = row + 1;
            return true;
        }
    }

    /// <summary>Forgets the player (erasure); returns whether they were held.</summary>
    public bool Remove(string playerId)
    {
        lock (_write)
        {
            if (!_rowOf.Remove(playerId, out var row)) return false;
            var c = _columns;
            c.Ids[row] = null;
            c.Providers[row] = null;
            c.Played[row] = null;
            _free.Push(row);
            Count--;
            return true;
        }
    }

    public bool Contains(string playerId)
    {
        lock (_write) return _rowOf.ContainsKey(playerId);
    }

    /// <summary>The rows of the players (−1 for one not held), against the columns returned with them.</summary>
    public (IndexColumns Columns, int[] Rows) RowsOf(IReadOnlyList<string> playerIds)
    {
        var rows = new int[playerIds.Count];
        lock (_write)
        {
            for (var i = 0; i < rows.Length; i++) rows[i] = _rowOf.GetValueOrDefault(playerIds[i], -1);
            return (_columns, rows);
        }
    }

    /// <summary>The version (scoring time, unix ms) of the row of each player, −1 when not held.</summary>
    public long VersionOf(string playerId)
    {
        lock (_write) return _rowOf.TryGetValue(playerId, out var row) ? _columns.Versions[row] : -1;
    }

    /// <summary>
    /// Forgets every player of the partitions (they are handed over to another instance) and, when that leaves most of
    /// the columns' capacity unused, moves the rows into columns of a size to fit, so the memory goes with the players.
    /// Returns how many players were forgotten.
    /// </summary>
    public int RemovePartitions(PartitionSet partitions)
    {
        var c = _columns;
        var gone = new List<string>();
        for (var row = 0; row < c.Count; row++)
        {
            if (c.Ids[row] is { } id && partitions.Contains(c.Partitions[row])) gone.Add(id);
        }
        foreach (var id in gone) Remove(id);
        lock (_write)
        {
            if (Count < _columns.Capacity / 4) Compact();
        }
        return gone.Count;
    }

    /// <summary>
    /// Copies the rows held into new columns of about twice their number, renumbering them. Readers keep the columns
    /// they took (and the rows they were given with them); the old columns go when the last of them is done.
    /// </summary>
    private void Compact()
    {
        var from = _columns;
        var to = new IndexColumns(Math.Max(1024, (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(1, Count) * 2)), from.Layout + 1);
        var next = 0;
        foreach (var (id, row) in _rowOf.ToList())
        {
            to.CopyRow(from, row, next);
            _rowOf[id] = next++;
        }
        to.Count = next;
        _free.Clear();
        _columns = to;
    }

    /// <summary>The players held in the partitions.</summary>
    public HashSet<string> PlayersIn(PartitionSet partitions)
    {
        var c = _columns;
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var row = 0; row < c.Count; row++)
        {
            if (c.Ids[row] is { } id && partitions.Contains(c.Partitions[row])) ids.Add(id);
        }
        return ids;
    }

    private void Write(IndexColumns c, int row, PlayerFacts f)
    {
        // A new row's id goes last, so a reader that sees it sees a complete row. A rewritten row keeps its id: a reader
        // may see it half old, half new for a moment, but never sees the player missing.
        c.Versions[row] = f.Scores.Version;
        c.Partitions[row] = (ushort)(_partitionOf?.Invoke(f.Profile.PlayerId) ?? 0);
        for (var i = 0; i < SegmentFields.Numbers.Count; i++) c.Numbers[i][row] = SegmentFields.Numbers[i].Get(f) ?? double.NaN;
        for (var i = 0; i < SegmentFields.Counts.Count; i++) c.Counts[i][row] = (int)Math.Clamp(SegmentFields.Counts[i].Get(f), int.MinValue, int.MaxValue);
        for (var i = 0; i < SegmentFields.Dates.Count; i++) c.Dates[i][row] = SegmentFields.Dates[i].Get(f)?.ToUnixTimeMilliseconds() ?? long.MinValue;
        for (var i = 0; i < SegmentFields.Texts.Count; i++) c.Texts[i][row] = Texts[i].Encode(SegmentFields.Texts[i].Get(f));
        var flags = f.Profile.Rg.Blocked ? IndexColumns.Blocked : 0;
        foreach (var reason in MarketingPolicy.VerificationReasons(f.Profile))
        {
            flags |= reason switch
            {
                MarketingPolicy.KycRejected => IndexColumns.KycRejected,
                MarketingPolicy.AmlHighRisk => IndexColumns.AmlHighRisk,
                MarketingPolicy.GeoBlocked => IndexColumns.GeoBlocked,
                MarketingPolicy.HarmRiskHigh => IndexColumns.HarmRiskHigh,
                _ => IndexColumns.HarmRiskElevated,
            };
        }
        c.Flags[row] = (byte)flags;
        byte known = 0, given = 0;
        for (var i = 0; i < SegmentFields.ConsentChannels.Count; i++)
        {
            if (f.Profile.Consents.TryGetValue(SegmentFields.ConsentChannels[i], out var granted))
            {
                known |= (byte)(1 << i);
                if (granted) given |= (byte)(1 << i);
            }
        }
        c.ConsentKnown[row] = known;
        c.ConsentGiven[row] = given;

        var providers = f.Profile.Games.Providers;
        if (providers.Count == 0)
        {
            c.Providers[row] = null;
        }
        else
        {
            var stakes = new ProviderStake[providers.Count];
            var k = 0;
            foreach (var (provider, stake) in providers) stakes[k++] = new ProviderStake(Providers.Encode(provider), (double)stake);
            Array.Sort(stakes, (a, b) => a.Provider.CompareTo(b.Provider));
            c.Providers[row] = stakes;
        }

        var games = f.Profile.Games;
        if (games.Top.Count == 0 && games.Recent.Count == 0)
        {
            c.Played[row] = null;
        }
        else
        {
            var codes = new HashSet<int>();
            foreach (var g in games.Top) codes.Add(Games.Encode(g.GameId));
            foreach (var g in games.Recent) codes.Add(Games.Encode(g.GameId));
            var played = codes.ToArray();
            Array.Sort(played);
            c.Played[row] = played;
        }
        c.Ids[row] = f.Profile.PlayerId;
    }
}

/// <summary>A provider's lifetime stake in a player's row.</summary>
public readonly record struct ProviderStake(int Provider, double Stake);

/// <summary>The index's columns; a reader takes the current instance and reads rows below <see cref="Count"/>.</summary>
public sealed class IndexColumns
{
    public const byte Blocked = 1;

    /// <summary>Verification verdicts that keep a player out of marketing (<see cref="MarketingPolicy.VerificationReasons"/>).</summary>
    public const byte KycRejected = 2, AmlHighRisk = 4, GeoBlocked = 8, HarmRiskHigh = 16, HarmRiskElevated = 32;

    /// <param name="layout">Which numbering of the rows these columns keep (<see cref="Layout"/>).</param>
    public IndexColumns(int capacity, int layout = 0)
    {
        Capacity = capacity;
        Layout = layout;
        Ids = new string?[capacity];
        Versions = new long[capacity];
        Partitions = new ushort[capacity];
        Numbers = [.. SegmentFields.Numbers.Select(_ => new double[capacity])];
        Counts = [.. SegmentFields.Counts.Select(_ => new int[capacity])];
        Dates = [.. SegmentFields.Dates.Select(_ => new long[capacity])];
        Texts = [.. SegmentFields.Texts.Select(_ => new int[capacity])];
        Flags = new byte[capacity];
        ConsentKnown = new byte[capacity];
        ConsentGiven = new byte[capacity];
        Providers = new ProviderStake[]?[capacity];
        Played = new int[]?[capacity];
    }

    private IndexColumns(IndexColumns from, int capacity)
    {
        Capacity = capacity;
        Layout = from.Layout;
        Count = from.Count;
        Ids = Copy(from.Ids, capacity);
        Versions = Copy(from.Versions, capacity);
        Partitions = Copy(from.Partitions, capacity);
        Numbers = [.. from.Numbers.Select(c => Copy(c, capacity))];
        Counts = [.. from.Counts.Select(c => Copy(c, capacity))];
        Dates = [.. from.Dates.Select(c => Copy(c, capacity))];
        Texts = [.. from.Texts.Select(c => Copy(c, capacity))];
        Flags = Copy(from.Flags, capacity);
        ConsentKnown = Copy(from.ConsentKnown, capacity);
        ConsentGiven = Copy(from.ConsentGiven, capacity);
        Providers = Copy(from.Providers, capacity);
        Played = Copy(from.Played, capacity);
    }

    public int Capacity { get; }

    /// <summary>
    /// The numbering of the rows: the same when columns grow (rows keep their numbers), one more when the index is
    /// compacted (rows are numbered anew), so a row number is meaningful only against columns of the same layout.
    /// </summary>
    public int Layout { get; }

    /// <summary>Rows in use or freed (a freed row has no id); rows at and above it have never been written.</summary>
    public int Count { get; set; }

    /// <summary>Player id of each row; null for a free row.</summary>
    public string?[] Ids { get; }

    public long[] Versions { get; }

    /// <summary>The index partition of each row's player (<see cref="IndexPartitions"/>).</summary>
    public ushort[] Partitions { get; }

    public double[][] Numbers { get; }
    public int[][] Counts { get; }
    public long[][] Dates { get; }
    public int[][] Texts { get; }
    public byte[] Flags { get; }

    /// <summary>Bit i: the player answered for consent channel i (<see cref="SegmentFields.ConsentChannels"/>).</summary>
    public byte[] ConsentKnown { get; }

    /// <summary>Bit i: the player granted consent channel i.</summary>
    public byte[] ConsentGiven { get; }

    /// <summary>Stake per provider, by provider code ascending; null when the player played nothing.</summary>
    public ProviderStake[]?[] Providers { get; }

    /// <summary>Codes of the games among the player's top and recent games, ascending; null when none.</summary>
    public int[]?[] Played { get; }

    public IndexColumns Grow() => new(this, Capacity * 2);

    /// <summary>Writes row <paramref name="row"/> of <paramref name="from"/> as row <paramref name="to"/> of these columns.</summary>
    internal void CopyRow(IndexColumns from, int row, int to)
    {
        Ids[to] = from.Ids[row];
        Versions[to] = from.Versions[row];
        Partitions[to] = from.Partitions[row];
        for (var i = 0; i < Numbers.Length; i++) Numbers[i][to] = from.Numbers[i][row];
        for (var i = 0; i < Counts.Length; i++) Counts[i][to] = from.Counts[i][row];
        for (var i = 0; i < Dates.Length; i++) Dates[i][to] = from.Dates[i][row];
        for (var i = 0; i < Texts.Length; i++) Texts[i][to] = from.Texts[i][row];
        Flags[to] = from.Flags[row];
        ConsentKnown[to] = from.ConsentKnown[row];
        ConsentGiven[to] = from.ConsentGiven[row];
        Providers[to] = from.Providers[row];
        Played[to] = from.Played[row];
    }

    /// <summary>Bytes the columns take, per row of capacity, not counting per-player arrays and ids.</summary>
    public static int FixedBytesPerRow =>
        IntPtr.Size + sizeof(long) + sizeof(ushort) + SegmentFields.Numbers.Count * sizeof(double) + SegmentFields.Counts.Count * sizeof(int)
        + SegmentFields.Dates.Count * sizeof(long) + SegmentFields.Texts.Count * sizeof(int) + 3 + 2 * IntPtr.Size;

    private static T[] Copy<T>(T[] from, int capacity)
    {
        var to = new T[capacity];
        Array.Copy(from, to, from.Length);
        return to;
    }
}

/// <summary>Strings of one column, coded 1, 2, 3… in order of first appearance (0 is "no value"). Never shrinks.</summary>
public sealed class TextCodes
{
    private readonly ConcurrentDictionary<string, int> _codes = new(StringComparer.Ordinal);
    private readonly Lock _add = new();
    private volatile string[] _values = new string[16];
    private volatile int _count;

    /// <summary>Values known, in code order (code = position + 1).</summary>
    public IReadOnlyList<string> Values
    {
        get
        {
            var values = _values;
            return new ArraySegment<string>(values, 0, Math.Min(_count, values.Length));
        }
    }

    /// <summary>Highest code given so far.</summary>
    public int MaxCode => _count;

    public int Encode(string? value)
    {
        if (value is null) return 0;
        if (_codes.TryGetValue(value, out var code)) return code;
        lock (_add)
        {
            if (_codes.TryGetValue(value, out code)) return code;
            var values = _values;
            if (_count == values.Length)
            {
                Array.Resize(ref values, values.Length * 2);
                _values = values;
            }
            values[_count] = value;
            code = _count + 1;
            _count = code;
            _codes[value] = code;
            return code;
        }
    }

    /// <summary>The code of a value, or 0 when no player has had it.</summary>
    public int Find(string value) => _codes.GetValueOrDefault(value);

    public string? Decode(int code)
    {
        if (code <= 0) return null;
        var values = _values;
        return code <= values.Length ? values[code - 1] : null;
    }
}
