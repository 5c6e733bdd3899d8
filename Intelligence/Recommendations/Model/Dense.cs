namespace Intelligence.Recommendations.Model;

/// <summary>The little dense linear algebra ALS needs: k×k symmetric positive definite systems, row-major.</summary>
public static class Dense
{
    /// <summary>
    /// Solves <c>A x = b</c> for a symmetric positive definite <paramref name="a"/> (k×k, row-major) by Cholesky
    /// decomposition. Both spans are overwritten: <paramref name="a"/> with the factor, <paramref name="b"/> with x.
    /// </summary>
    public static void CholeskySolve(Span<double> a, Span<double> b, int k)
    {
        for (var j = 0; j < k; j++)
        {
            var d = a[j * k + j];
            for (var p = 0; p < j; p++) d -= a[j * k + p] * a[j * k + p];
            // A tiny pivot means a (numerically) singular system; regularisation makes this rare, a floor keeps it finite.
            d = Math.Sqrt(Math.Max(d, 1e-12));
            a[j * k + j] = d;
            for (var i = j + 1; i < k; i++)
            {
                var s = a[i * k + j];
                for (var p = 0; p < j; p++) s -= a[i * k + p] * a[j * k + p];
                a[i * k + j] = s / d;
            }
        }
        for (var i = 0; i < k; i++)
        {
            var s = b[i];
            for (var p = 0; p < i; p++) s -= a[i * k + p] * b[p];
            b[i] = s / a[i * k + i];
        }
        for (var i = k - 1; i >= 0; i--)
        {
            var s = b[i];
            for (var p = i + 1; p < k; p++) s -= a[p * k + i] * b[p];
            b[i] = s / a[i * k + i];
        }
    }

    /// <summary><c>MᵀM</c> of the rows of <paramref name="m"/> (n×k, row-major), into <paramref name="gram"/> (k×k).</summary>
    public static void Gram(ReadOnlySpan<float> m, int k, Span<double> gram)
    {
        gram.Clear();
        var n = m.Length / k;
        for (var r = 0; r < n; r++)
        {
            var row = m.Slice(r * k, k);
            for (var i = 0; i < k; i++)
            {
                var ri = row[i];
                if (ri == 0) continue;
                for (var j = i; j < k; j++) gram[i * k + j] += ri * row[j];
            }
        }
        for (var i = 0; i < k; i++)
        {
            for (var j = 0; j < i; j++) gram[i * k + j] = gram[j * k + i];
        }
    }

    public static float Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        var s = 0f;
        for (var i = 0; i < x.Length; i++) s += x[i] * y[i];
        return s;
    }

    public static float Norm(ReadOnlySpan<float> x) => MathF.Sqrt(Dot(x, x));
}
