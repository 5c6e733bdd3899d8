using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Shared.Contracts;

/// <summary>What an experiment tests: a lobby placement, a marketing segment's campaigns, or the lobby's personalisation.</summary>
public static class ExperimentKinds
{
    public const string Placement = "placement";
    public const string Segment = "segment";
    public const string Lobby = "lobby";
    public static readonly IReadOnlyList<string> All = [Placement, Segment, Lobby];
}

/// <summary>
/// A player's group in an experiment. <see cref="Excluded"/>: a responsible-gambling restriction was in force when the
/// player would have been assigned, so the player is in neither group and in no comparison.
/// </summary>
public static class ExperimentGroups
{
    public const string Treatment = "treatment";
    public const string Control = "control";
    public const string Excluded = "excluded";
    public static readonly IReadOnlyList<string> All = [Treatment, Control, Excluded];
}

/// <summary>Experiment ids: the lobby's own, and one per placement and per marketing segment, derived from their ids.</summary>
public static class ExperimentIds
{
    public const string Lobby = "lobby-personalisation";
    public const string PlacementPrefix = "placement-";
    public const string SegmentPrefix = "segment-";

    public static string OfPlacement(string placementId) => PlacementPrefix + placementId;

    public static string OfSegment(string segmentId) => SegmentPrefix + segmentId;
}

/// <summary>
/// Stable assignment: a keyed hash (HMAC-SHA256 under the deployment's assignment key) of the experiment id and the player
/// id, read as a number u in [0, 1). A player is in control when u &lt; the experiment's control share. The same key gives
/// the same answer on every instance and after restarts, and one experiment's split says nothing about another's.
/// </summary>
public static class ExperimentAssignment
{
    /// <summary>u in [0, 1) for this player in this experiment under <paramref name="key"/>.</summary>
    public static double Unit(ReadOnlySpan<byte> key, string experimentId, string playerId)
    {
        Span<byte> hash = stackalloc byte[32];
        HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"{experimentId}|{playerId}"), hash);
        // The top 53 bits: every double in [0, 1) of that resolution equally likely.
        return (BinaryPrimitives.ReadUInt64BigEndian(hash) >> 11) / (double)(1UL << 53);
    }

    /// <summary><see cref="ExperimentGroups.Control"/> or <see cref="ExperimentGroups.Treatment"/>.</summary>
    public static string Group(ReadOnlySpan<byte> key, string experimentId, string playerId, double controlShare) =>
        Unit(key, experimentId, playerId) < controlShare ? ExperimentGroups.Control : ExperimentGroups.Treatment;
}

/// <summary>One experiment of <c>GET /v1/experiments</c>.</summary>
/// <param name="Kind">One of <see cref="ExperimentKinds"/>.</param>
/// <param name="Target">The placement or segment id; null for the lobby.</param>
/// <param name="ControlShare">Share of eligible players held out as the control group (0 to 0.5), for assignments made from now on.</param>
/// <param name="StartedAt">When the experiment began: the placement's start, the segment's creation, the lobby's first assignment.</param>
/// <param name="EndedAt">When it stopped assigning: the placement's end, or when its placement or segment was deleted; null while running.</param>
/// <param name="Assigned">Players assigned so far, by group.</param>
public sealed record Experiment(
    string Id,
    string Kind,
    string? Target,
    double ControlShare,
    DateTimeOffset? StartedAt,
    string Name,
    DateTimeOffset? EndedAt,
    IReadOnlyDictionary<string, long> Assigned);

public sealed record ExperimentList(IReadOnlyList<Experiment> Items);

/// <summary><c>GET /v1/experiments/{id}/players/{playerId}</c>: the player's group and when it was recorded.</summary>
public sealed record ExperimentAssignmentResult(string ExperimentId, string PlayerId, string Group, DateTimeOffset AssignedAt);

/// <summary>Body of <c>PUT /v1/experiments/{id}</c>.</summary>
public sealed record ExperimentSettingsRequest(double? ControlShare);

/// <summary>Body of <c>POST /v1/experiments/{id}/assignments</c>: exposures that happened elsewhere, with their times.</summary>
public sealed record ExperimentAssignmentsImport(IReadOnlyList<ExperimentExposure>? Items);

public sealed record ExperimentExposure(string? PlayerId, DateTimeOffset? AssignedAt);

/// <summary>Answer of <c>POST /v1/experiments/{id}/assignments</c>: what each player's record is now, in the order sent.</summary>
public sealed record ExperimentAssignmentsImported(IReadOnlyList<ExperimentAssignmentResult> Items, IReadOnlyList<RejectedEvent> Rejected);

/// <summary>
/// <c>GET /v1/experiments/{id}/report?horizonDays=</c>. <see cref="Groups"/> counts the players in the comparison (those
/// whose whole horizon has passed); <see cref="Assigned"/> everyone assigned so far, excluded players included.
/// </summary>
public sealed record ExperimentReport(
    string Id,
    string Kind,
    string Name,
    int HorizonDays,
    ExperimentGroupSizes Groups,
    IReadOnlyDictionary<string, long> Assigned,
    IReadOnlyList<ExperimentMetric> Metrics,
    string Method,
    ExperimentDesign Design,
    string Summary,
    IReadOnlyList<ExperimentSeries> Series,
    LobbyEngagement? Engagement,
    DateTimeOffset AsOf);

public sealed record ExperimentGroupSizes(long Treatment, long Control);

/// <summary>
/// One outcome: each group's mean (per player over the horizon, or per impression for the lobby's rates), the treatment's
/// uplift over control, absolute (<see cref="Uplift"/>, with <see cref="Ci95Low"/>..<see cref="Ci95High"/>) and relative
/// (<see cref="UpliftRelative"/>, with <see cref="Ci95LowRelative"/>..<see cref="Ci95HighRelative"/>), and whether the
/// interval excludes zero. Money is in the base currency. Null figures: not computable yet (an empty group).
/// </summary>
/// <param name="Unit"><c>money</c>, <c>days</c>, <c>share</c> or <c>rate</c>.</param>
/// <param name="VarianceReduction">How much narrower the CUPED-adjusted interval is than the plain one (0.3 = 30% narrower); null without a covariate.</param>
public sealed record ExperimentMetric(
    string Name,
    string Label,
    string Unit,
    double? TreatmentMean,
    double? ControlMean,
    double? Uplift,
    double? UpliftRelative,
    double? Ci95Low,
    double? Ci95High,
    double? Ci95LowRelative,
    double? Ci95HighRelative,
    bool Significant,
    double? VarianceReduction);

/// <summary>
/// How the report decides, stated so nobody reads more into it than it holds: a fixed horizon per player, a pre-set
/// minimum group size before the result is final, Welch's interval on CUPED-adjusted outcomes.
/// </summary>
/// <param name="Kind"><c>fixed-horizon</c>.</param>
/// <param name="MinimumPlayersPerGroup">The result is final once both groups have this many players whose horizon has passed.</param>
/// <param name="Final">True when both groups reached <see cref="MinimumPlayersPerGroup"/>; before then the figures are interim.</param>
public sealed record ExperimentDesign(
    string Kind,
    int HorizonDays,
    double ConfidenceLevel,
    string Interval,
    string Covariate,
    int MinimumPlayersPerGroup,
    bool Final);

/// <summary>A metric over time: each group's mean over the players whose horizon had passed by each day.</summary>
public sealed record ExperimentSeries(string Metric, IReadOnlyList<ExperimentPoint> Points);

public sealed record ExperimentPoint(DateOnly Day, long Treatment, long Control, double? TreatmentMean, double? ControlMean);

/// <summary>
/// The lobby's rows as shown and launched from (<c>lobby.impression</c>, <c>lobby.launch</c>), counted exactly per
/// group, row (list) and position in the row, over the experiment so far.
/// </summary>
public sealed record LobbyEngagement(
    IReadOnlyList<LobbyRowEngagement> Rows,
    IReadOnlyList<LobbyPageEngagement> ByRowPosition,
    IReadOnlyList<LobbyModelEngagement> ByModelVersion,
    IReadOnlyList<LobbyDayEngagement> Days);

/// <summary>Rows shown at a place on the page (0 = top) and launches from them.</summary>
public sealed record LobbyPageEngagement(string Group, int RowPosition, long RowsShown, long Launches, double? LaunchesPerImpression);

/// <summary>Rows of a list shown as chosen by one model version, and launches from them.</summary>
public sealed record LobbyModelEngagement(string Group, string List, string ModelVersion, long RowsShown, long Launches, double? LaunchesPerImpression);

/// <param name="Position">Position of the tile in the row (0 = first); null for the whole row.</param>
/// <param name="Impressions">Tiles shown (for the whole row: rows shown).</param>
/// <param name="Ctr">Launches per tile shown.</param>
public sealed record LobbyRowEngagement(string Group, string List, int? Position, long Impressions, long TilesShown, long Launches, double? Ctr, double? LaunchesPerImpression);

public sealed record LobbyDayEngagement(DateOnly Day, string Group, long RowImpressions, long TilesShown, long Launches);
