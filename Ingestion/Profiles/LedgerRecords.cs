using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;

namespace Ingestion.Profiles;

/// <summary>Kinds of ledger records, as fold.lua numbers them.</summary>
public enum LedgerKind
{
    Event = 0,
    RolledBackFirst = 1,
    Cancelled = 2,
    Bet = 3,
    Win = 4,
    Deposit = 5,
    Withdrawal = 6,
}

/// <summary>
/// What the fold script's ledger stores about a transaction or event (see fold.lua): a 56-bit fingerprint of its
/// identity, and for money the amount as a compact varint. Both are computed here, in C#, and passed to the script
/// as bytes; the script only compares, stores and decodes them.
/// </summary>
/// <remarks>
/// A false "duplicate" needs a new identity's fingerprint to equal one of the player's remembered ones. With a
/// 64-bit hash of good quality (XxHash3) truncated to 56 bits, the chance for one event is at most n / 2^56 for n
/// records held (a match of the bytes inside another record does not count: the script walks the records' lengths
/// to see where records start). A heavy player (10,000 events a year, all within the 400-day
/// retention) holds n ≈ 11,000: 11,000 / 2^56 ≈ 1.5 × 10^-13 per event, below the 10^-12 asked. It stays below
/// 10^-12 up to n = 72,000 records, about 65,000 events a year.
/// </remarks>
public static class LedgerRecords
{
    public const int FingerprintBytes = 7;

    /// <summary>The identity of a wallet transaction (bets, wins, payments; a rollback names the one it cancels).</summary>
    public static byte[] Transaction(string transactionId) => Fingerprint("x:", transactionId);

    /// <summary>The identity of any other event: its source and id, as CloudEvents define it.</summary>
    public static byte[] Event(string source, string id) => Fingerprint("e:", source, "|", id);

    /// <summary>The identity of a granted bonus.</summary>
    public static byte[] Bonus(string bonusId) => Fingerprint("B:", bonusId);

    /// <summary>
    /// The fingerprint of an identity given in parts (joined without separators): the first 7 bytes of XxHash3-64
    /// of its UTF-8, big-endian. The identities are those the ledger of the version before this one used as field
    /// names, so <see cref="LedgerUpgrade"/> can carry its records over.
    /// </summary>
    public static byte[] Fingerprint(string a, string b, string c = "", string d = "")
    {
        var length = Encoding.UTF8.GetMaxByteCount(a.Length + b.Length + c.Length + d.Length);
        Span<byte> utf8 = length <= 1024 ? stackalloc byte[length] : new byte[length];
        var n = Encoding.UTF8.GetBytes(a, utf8);
        n += Encoding.UTF8.GetBytes(b, utf8[n..]);
        n += Encoding.UTF8.GetBytes(c, utf8[n..]);
        n += Encoding.UTF8.GetBytes(d, utf8[n..]);
        Span<byte> hash = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(hash, XxHash3.HashToUInt64(utf8[..n]));
        return hash[..FingerprintBytes].ToArray();
    }

    /// <summary>A payment status's bit in a payment record's set of statuses seen (fold.lua's BIT), or null for an unknown one.</summary>
    public static byte? StatusBit(string status) => status switch
    {
        "pending" => 1,
        "rejected" => 2,
        "cancelled" => 4,
        "approved" => 8,
        "chargeback" => 16,
        "reversed" => 32,
        "refunded" => 64,
        _ => null,
    };

    /// <summary>Amounts are mostly whole cents: a whole number of cents takes one bit and two fewer decimal digits.</summary>
    public static long AmountCode(long units) => units % 100 == 0 ? units / 100 * 2 : units * 2 + 1;

    /// <summary>The units an amount code stands for.</summary>
    public static long Units(long code) => code % 2 == 0 ? code / 2 * 100 : code / 2;

    /// <summary>A bet's payload before its game index: its amount (flagged when a bonus part follows) and the bonus part.</summary>
    public static byte[] Bet(long units, long bonusUnits)
    {
        Span<byte> buffer = stackalloc byte[20];
        var n = Varint(AmountCode(units) * 2 + (bonusUnits > 0 ? 1 : 0), buffer);
        if (bonusUnits > 0) n += Varint(AmountCode(bonusUnits), buffer[n..]);
        return buffer[..n].ToArray();
    }

    /// <summary>A win's or a payment's amount.</summary>
    public static byte[] Amount(long units)
    {
        Span<byte> buffer = stackalloc byte[10];
        return buffer[..Varint(AmountCode(units), buffer)].ToArray();
    }

    /// <summary>Seven bits a byte, least significant first, the high bit set on all but the last (as fold.lua's vdec reads).</summary>
    public static int Varint(long value, Span<byte> into)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        var i = 0;
        while (value >= 0x80)
        {
            into[i++] = (byte)(value & 0x7F | 0x80);
            value >>= 7;
        }
        into[i++] = (byte)value;
        return i;
    }
}
