namespace Shared.Contracts;

/// <summary>An open safer-gambling case in the queue (<c>GET /v1/harm/cases</c>).</summary>
/// <param name="Probability">The harm-risk probability that opened the case.</param>
public sealed record HarmCase(string PlayerId, double Probability, ProbabilityScore? Harm, string? Market);

public sealed record HarmCaseList(IReadOnlyList<HarmCase> Items, long Open);

/// <summary>A player's case: the score now, the markers day by day, and what the team wrote and decided.</summary>
public sealed record HarmCaseDetail(string PlayerId, bool Open, ProbabilityScore Harm, IReadOnlyList<HarmMarkerDay> History, IReadOnlyList<HarmCaseEntry> Log, string? Outcome);

/// <summary>The score and each marker's value as known at the end of <paramref name="Day"/>.</summary>
public sealed record HarmMarkerDay(DateOnly Day, double Probability, IReadOnlyDictionary<string, double> Markers);

/// <param name="Outcome">Set when the entry records the case's outcome: <c>contacted</c>, <c>limit_set</c> or <c>no_action</c>.</param>
public sealed record HarmCaseEntry(DateTimeOffset At, string Actor, string Text, string? Outcome);

/// <summary>A note on a case (<c>POST /v1/harm/cases/{playerId}/notes</c>); with an outcome it closes the case.</summary>
public sealed record HarmCaseNoteRequest(string? Text, string? Outcome);

public static class HarmOutcomes
{
    public const string Contacted = "contacted", LimitSet = "limit_set", NoAction = "no_action";
    public static readonly IReadOnlyList<string> All = [Contacted, LimitSet, NoAction];
}
