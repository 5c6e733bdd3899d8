namespace Simulator;

/// <summary>Seeds derived from the run's seed: one independent stream per player (and per purpose), so players can be simulated in parallel.</summary>
public static class Seeds
{
    /// <summary>SplitMix64 of (seed, index, stream), folded to an int seed for <see cref="Random"/>.</summary>
    public static int Mix(int seed, int index, int stream = 0)
    {
        var z = unchecked((ulong)seed * 0x9E3779B97F4A7C15UL + (ulong)(uint)index * 0xBF58476D1CE4E5B9UL + (ulong)(uint)stream * 0x94D049BB133111EBUL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return unchecked((int)z ^ (int)(z >> 32));
    }
}

public static class Sampling
{
    public static string Pick(Random rng, IReadOnlyDictionary<string, double> weights)
    {
        var total = 0.0;
        foreach (var w in weights.Values) total += w;
        var x = rng.NextDouble() * total;
        string last = "";
        foreach (var (key, w) in weights.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            last = key;
            if ((x -= w) < 0) return key;
        }
        return last;
    }

    public static int Pick(Random rng, ReadOnlySpan<double> weights)
    {
        var total = 0.0;
        foreach (var w in weights) total += w;
        var x = rng.NextDouble() * total;
        for (var i = 0; i < weights.Length; i++)
        {
            if ((x -= weights[i]) < 0) return i;
        }
        return weights.Length - 1;
    }

    /// <summary>Knuth's method; the means here are small (sessions a day).</summary>
    public static int Poisson(Random rng, double mean)
    {
        var limit = Math.Exp(-mean);
        var k = 0;
        var p = rng.NextDouble();
        while (p > limit && k < 100)
        {
            k++;
            p *= rng.NextDouble();
        }
        return k;
    }

    public static double LogNormal(Random rng, double sigma) => Math.Exp(sigma * Normal(rng));

    public static double Normal(Random rng) =>
        Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    public static double Exponential(Random rng) => -Math.Log(1 - rng.NextDouble());
}
