using Intelligence.Features;
using Shared.Contracts;

namespace Intelligence.SaferGambling;

/// <summary>
/// A player's harm-risk score as served now (the scoring implements it with the served harm model or the rule). The case
/// queue asks through this, so safer gambling does not depend on the scoring that is built on its rule.
/// </summary>
public interface IHarmScorer
{
    ProbabilityScore? Harm(PlayerSnapshot snapshot);
}
