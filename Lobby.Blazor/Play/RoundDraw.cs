using System.Security.Cryptography;

namespace Lobby.Play;

/// <summary>Uniform doubles in [0, 1) for drawing round outcomes.</summary>
public interface IRoundRandom
{
    double NextDouble();
}

/// <summary>The operating system's cryptographic generator: outcomes nobody can predict or replay.</summary>
public sealed class CryptoRoundRandom : IRoundRandom
{
    public double NextDouble()
    {
        Span<byte> bytes = stackalloc byte[8];
        RandomNumberGenerator.Fill(bytes);
        // The top 53 bits: every double in [0, 1) that a double's mantissa can hold evenly.
        return (BitConverter.ToUInt64(bytes) >> 11) * (1.0 / (1UL << 53));
    }
}

/// <summary>
/// A round's outcome from the game's RTP and volatility. A round wins with a probability set by the volatility (often
/// and small for low, rarely and big for very high); a win pays the stake times a multiplier drawn from an exponential
/// distribution whose mean makes the expected payout exactly RTP × stake. Wins are rounded down to the cent.
/// </summary>
public static class RoundDraw
{
    /// <summary>How often a round wins, by volatility.</summary>
    public static double HitRate(string volatility) => volatility switch
    {
        "low" => 0.40,
        "medium" => 0.28,
        "high" => 0.18,
        "very_high" => 0.10,
        _ => 0.28,
    };

    /// <param name="rtpPercent">The catalogue's RTP, in percent (96.1).</param>
    public static decimal Win(decimal stake, decimal rtpPercent, string volatility, IRoundRandom random)
    {
        if (stake <= 0) throw new ArgumentOutOfRangeException(nameof(stake), stake, "The stake must be positive.");
        var rtp = (double)Math.Clamp(rtpPercent, 0m, 100m) / 100;
        var hit = HitRate(volatility);
        if (random.NextDouble() >= hit) return 0m;
        var meanMultiplier = rtp / hit;
        // 1 - u is in (0, 1], so the logarithm is finite.
        var multiplier = -Math.Log(1 - random.NextDouble()) * meanMultiplier;
        var win = (decimal)Math.Min(multiplier, 1_000_000) * stake;
        return Math.Floor(win * 100) / 100;
    }
}
