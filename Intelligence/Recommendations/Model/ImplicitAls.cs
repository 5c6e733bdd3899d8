namespace Intelligence.Recommendations.Model;

public sealed record AlsOptions(int Factors = 32, int Iterations = 12, double Regularization = 20, int Seed = 17);

/// <summary>Player and game factors (row-major, <see cref="Factors"/> floats a row).</summary>
public sealed record AlsFactors(int Factors, float[] Players, float[] Games)
{
    public ReadOnlySpan<float> Player(int p) => Players.AsSpan(p * Factors, Factors);

    public ReadOnlySpan<float> Game(int g) => Games.AsSpan(g * Factors, Factors);
}

/// <summary>
/// Implicit-feedback alternating least squares (Hu, Koren and Volinsky, "Collaborative Filtering for Implicit Feedback
/// Datasets", 2008). Every cell of players × games has preference 1 if played, else 0, with confidence
/// <c>1 + w</c> (w from <see cref="Confidence"/>); ALS alternately solves each player's and each game's row exactly,
/// using the YᵀY trick so a row costs O(n_row·k² + k³) rather than touching every cell.
/// </summary>
public static class ImplicitAls
{
    public static AlsFactors Fit(InteractionMatrix m, AlsOptions options, IProgress<int>? iterationDone = null, CancellationToken ct = default)
    {
        var k = options.Factors;
        var rng = new Random(options.Seed);
        var x = new float[m.Players * k];
        var y = new float[m.Games * k];
        // Small random games and zero players: the first half-step solves players from the random games.
        for (var i = 0; i < y.Length; i++) y[i] = (float)(0.1 * Normal(rng));
        for (var it = 0; it < options.Iterations; it++)
        {
            ct.ThrowIfCancellationRequested();
            SolveSide(x, y, m.Players, m.RowStart, m.RowGames, m.RowWeights, k, options.Regularization, ct);
            SolveSide(y, x, m.Games, m.ColStart, m.ColPlayers, m.ColWeights, k, options.Regularization, ct);
            iterationDone?.Report(it + 1);
        }
        return new AlsFactors(k, x, y);
    }

    /// <summary>
    /// Fold-in: the player's row that ALS would compute against fixed game factors, from the player's current plays.
    /// Exactly the player half-step of training, so a player folded in now and a player trained agree.
    /// </summary>
    /// <param name="gram">YᵀY of <paramref name="games"/> (k×k), precomputed once per model.</param>
    public static void FoldIn(ReadOnlySpan<int> played, ReadOnlySpan<float> weights, ReadOnlySpan<float> games, ReadOnlySpan<double> gram,
        int k, double regularization, Span<float> result)
    {
        Span<double> a = k <= 64 ? stackalloc double[k * k] : new double[k * k];
        Span<double> b = k <= 64 ? stackalloc double[k] : new double[k];
        SolveRow(played, weights, games, gram, k, regularization, a, b);
        for (var i = 0; i < k; i++) result[i] = (float)b[i];
    }

    private static void SolveSide(float[] target, float[] fixedSide, int rows, int[] start, int[] index, float[] weight, int k, double lambda, CancellationToken ct)
    {
        var gram = new double[k * k];
        Dense.Gram(fixedSide, k, gram);
        Parallel.For(0, rows, new ParallelOptions { CancellationToken = ct },
            () => (A: new double[k * k], B: new double[k]),
            (r, _, buffers) =>
            {
                var from = start[r];
                var count = start[r + 1] - from;
                var row = target.AsSpan(r * k, k);
                if (count == 0)
                {
                    // No plays: the exact solution is the zero vector (b = 0).
                    row.Clear();
                    return buffers;
                }
                SolveRow(index.AsSpan(from, count), weight.AsSpan(from, count), fixedSide, gram, k, lambda, buffers.A, buffers.B);
                for (var i = 0; i < k; i++) row[i] = (float)buffers.B[i];
                return buffers;
            },
            _ => { });
    }

    /// <summary>A = YᵀY + Σ w·y yᵀ + λI, b = Σ (1 + w)·y; solves into <paramref name="b"/>.</summary>
    private static void SolveRow(ReadOnlySpan<int> index, ReadOnlySpan<float> weight, ReadOnlySpan<float> fixedSide, ReadOnlySpan<double> gram,
        int k, double lambda, Span<double> a, Span<double> b)
    {
        gram[..(k * k)].CopyTo(a);
        for (var i = 0; i < k; i++) a[i * k + i] += lambda;
        b[..k].Clear();
        for (var n = 0; n < index.Length; n++)
        {
            var f = fixedSide.Slice(index[n] * k, k);
            double w = weight[n];
            for (var i = 0; i < k; i++)
            {
                b[i] += (1 + w) * f[i];
                var wi = w * f[i];
                for (var j = i; j < k; j++) a[i * k + j] += wi * f[j];
            }
        }
        for (var i = 0; i < k; i++)
        {
            for (var j = 0; j < i; j++) a[i * k + j] = a[j * k + i];
        }
        Dense.CholeskySolve(a, b, k);
    }

    private static double Normal(Random rng) =>
        Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
}
