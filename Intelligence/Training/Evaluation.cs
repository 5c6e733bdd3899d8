using Shared.Contracts;

namespace Intelligence.Training;

public static class Evaluation
{
    public static Metrics Evaluate(IReadOnlyList<bool> labels, IReadOnlyList<double> probabilities)
    {
        if (labels.Count != probabilities.Count) throw new ArgumentException("labels and probabilities differ in length", nameof(probabilities));
        var n = labels.Count;
        var positives = labels.Count(l => l);
        if (n == 0) return new Metrics(double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, 0, double.NaN);
        return new Metrics(Auc(labels, probabilities), AveragePrecision(labels, probabilities), LogLoss(labels, probabilities),
            CalibrationError(labels, probabilities), Lift(labels, probabilities, 0.1), n, (double)positives / n);
    }

    /// <summary>ROC AUC by the rank-sum formula, ties counted half.</summary>
    public static double Auc(IReadOnlyList<bool> labels, IReadOnlyList<double> scores)
    {
        var order = Enumerable.Range(0, labels.Count).OrderBy(i => scores[i]).ToArray();
        double rankSumPositives = 0;
        long positives = 0;
        for (var i = 0; i < order.Length;)
        {
            var j = i;
            while (j + 1 < order.Length && scores[order[j + 1]] == scores[order[i]]) j++;
            var rank = (i + j) / 2.0 + 1;
            for (var k = i; k <= j; k++)
            {
                if (labels[order[k]]) { rankSumPositives += rank; positives++; }
            }
            i = j + 1;
        }
        var negatives = labels.Count - positives;
        if (positives == 0 || negatives == 0) return double.NaN;
        return (rankSumPositives - positives * (positives + 1) / 2.0) / (positives * (double)negatives);
    }

    /// <summary>Average precision: the mean of the precision at each positive, by descending score (ties grouped).</summary>
    public static double AveragePrecision(IReadOnlyList<bool> labels, IReadOnlyList<double> scores)
    {
        var order = Enumerable.Range(0, labels.Count).OrderByDescending(i => scores[i]).ToArray();
        var total = labels.Count(l => l);
        if (total == 0) return double.NaN;
        double ap = 0;
        var tp = 0;
        for (var i = 0; i < order.Length;)
        {
            var j = i;
            var groupTp = 0;
            while (j < order.Length && scores[order[j]] == scores[order[i]]) { if (labels[order[j]]) groupTp++; j++; }
            tp += groupTp;
            ap += groupTp / (double)total * (tp / (double)j);
            i = j;
        }
        return ap;
    }

    public static double LogLoss(IReadOnlyList<bool> labels, IReadOnlyList<double> p)
    {
        const double eps = 1e-15;
        double sum = 0;
        for (var i = 0; i < labels.Count; i++)
        {
            var q = Math.Clamp(p[i], eps, 1 - eps);
            sum -= labels[i] ? Math.Log(q) : Math.Log(1 - q);
        }
        return sum / labels.Count;
    }

    public static double CalibrationError(IReadOnlyList<bool> labels, IReadOnlyList<double> p, int bins = 10)
    {
        var count = new int[bins];
        var predicted = new double[bins];
        var observed = new double[bins];
        for (var i = 0; i < labels.Count; i++)
        {
            var b = Math.Min(bins - 1, (int)(Math.Clamp(p[i], 0, 1) * bins));
            count[b]++;
            predicted[b] += p[i];
            observed[b] += labels[i] ? 1 : 0;
        }
        double ece = 0;
        for (var b = 0; b < bins; b++)
        {
            if (count[b] > 0) ece += Math.Abs(predicted[b] - observed[b]) / labels.Count;
        }
        return ece;
    }

    /// <summary>Positive rate among the top <paramref name="share"/> by score over the overall positive rate.</summary>
    public static double Lift(IReadOnlyList<bool> labels, IReadOnlyList<double> scores, double share)
    {
        var overall = labels.Count(l => l) / (double)labels.Count;
        if (overall == 0) return double.NaN;
        var top = Math.Max(1, (int)Math.Ceiling(labels.Count * share));
        var hits = Enumerable.Range(0, labels.Count).OrderByDescending(i => scores[i]).ThenBy(i => i).Take(top).Count(i => labels[i]);
        return hits / (double)top / overall;
    }
}
