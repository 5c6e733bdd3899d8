using Shared.Contracts;

namespace Simulator.Population;

/// <summary>
/// A planted effect for experiments to find: players in the treatment group of <paramref name="ExperimentId"/> (by the
/// product's own keyed hash under <paramref name="Key"/> and <paramref name="ControlShare"/>) respond to being shown it
/// from <paramref name="From"/> on by depositing 1 + <paramref name="Lift"/> times what they would have. Only the
/// amounts change, never when a player comes or what they play, so the true relative uplift in deposits is exactly
/// <paramref name="Lift"/> over any window after <paramref name="From"/>.
/// </summary>
public sealed record ResponseLift(string ExperimentId, byte[] Key, double ControlShare, DateTimeOffset From, double Lift)
{
    public bool Treated(string playerId) => ExperimentAssignment.Group(Key, ExperimentId, playerId, ControlShare) == ExperimentGroups.Treatment;

    /// <summary>The player's activities with the lift applied to their approved deposits from <see cref="From"/> on, if they are treated.</summary>
    public void Apply(string playerId, List<Activity> activities)
    {
        if (!Treated(playerId)) return;
        for (var i = 0; i < activities.Count; i++)
        {
            if (activities[i] is { Kind: ActivityKind.Deposit, Status: "approved" } d && d.Time >= From)
            {
                activities[i] = d with { Amount = Math.Round(d.Amount * (decimal)(1 + Lift), 2) };
            }
        }
    }
}
