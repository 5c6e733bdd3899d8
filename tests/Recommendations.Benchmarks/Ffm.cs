using Intelligence.Recommendations.Evaluation;

namespace Recommendations.Benchmarks;

internal static class Ffm
{
    public static Ranker Train(EvaluationSet set, int seed) => throw new NotImplementedException();
}
