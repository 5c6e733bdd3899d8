using System.Text.Json;
using System.Text.Json.Nodes;

namespace Intelligence.Webhooks;

/// <summary>
/// The event types a webhook can listen to. The player events are marketing triggers except <c>harm.band_changed</c>,
/// which is for the operator's safer-gambling team and reaches them whatever the player's marketing status, and
/// <c>affiliate.ftd</c>, a postback to an affiliate platform; the operations alerts (<see cref="OpsAlertFired"/>,
/// <see cref="OpsAlertResolved"/>) are about no player and go to operators' tools.
/// </summary>
public static class WebhookEventTypes
{
    public const string ChurnBandChanged = "churn.band.changed";
    public const string VipBandChanged = "vip.band.changed";
    public const string SegmentEntered = "segment.entered";
    public const string SegmentExited = "segment.exited";
    public const string OpsAlertFired = Shared.Contracts.OpsAlertEventTypes.Fired;
    public const string OpsAlertResolved = Shared.Contracts.OpsAlertEventTypes.Resolved;
    public const string HarmBandChanged = "harm.band_changed";
    public const string AffiliateFtd = "affiliate.ftd";

    public static readonly IReadOnlyList<string> All =
        [ChurnBandChanged, VipBandChanged, SegmentEntered, SegmentExited, HarmBandChanged, AffiliateFtd, OpsAlertFired, OpsAlertResolved];

    /// <summary>Whether the event is about the player's care rather than marketing: delivered even when marketing is not allowed.</summary>
    public static bool IsCare(string type) => type == HarmBandChanged;

    /// <summary>Whether the event markets to the player, so a player who may not be marketed to never reaches a receiver.</summary>
    public static bool IsMarketing(string type) => type is ChurnBandChanged or VipBandChanged or SegmentEntered or SegmentExited;

    public static bool IsKnown(string? type) => type is not null && All.Contains(type, StringComparer.Ordinal);

    /// <summary>An operations event: about no player, so no marketing rule applies to it.</summary>
    public static bool IsOperational(string? type) => type is OpsAlertFired or OpsAlertResolved;
}

/// <summary>
/// Something that happened to a player that a CRM may act on. Delivered as
/// <c>{"id", "type", "playerId", "occurredAt", "data"}</c>, where <c>id</c> is given at publication and stays the same
/// across retries and replays (receivers de-duplicate on it).
/// </summary>
/// <param name="Type">One of <see cref="WebhookEventTypes"/>.</param>
/// <param name="Data">Details of the type, sent as the delivery's <c>data</c> object; the factories below fix their shape.</param>
/// <param name="Id">The event's id when the publisher can name the event itself (so publishing it again is the same
/// event); null: a new one is made at publication.</param>
public sealed record WebhookEvent(string Type, string PlayerId, DateTimeOffset OccurredAt, JsonObject Data, string? Id = null)
{
    /// <summary><c>data</c>: <c>{"from": "low"|null, "to": "high", "probability": 0.81, "source": "model"|"rule", "version": "churn-…", "rule": null|"…"}</c>.</summary>
    public static WebhookEvent ChurnBandChanged(string playerId, DateTimeOffset occurredAt, string? from, Shared.Contracts.ProbabilityScore to) =>
        new(WebhookEventTypes.ChurnBandChanged, playerId, occurredAt, Band(from, to));

    /// <summary><c>data</c>: <c>{"from": "medium"|null, "to": "high", "probability": 0.64, "source": "model"|"rule", "version": "vip-…", "rule": null|"…"}</c>.</summary>
    public static WebhookEvent VipBandChanged(string playerId, DateTimeOffset occurredAt, string? from, Shared.Contracts.ProbabilityScore to) =>
        new(WebhookEventTypes.VipBandChanged, playerId, occurredAt, Band(from, to));

    /// <summary><c>data</c>: <c>{"from": "low"|null, "to": "high", "probability": 0.71, "source": "rule"|"model", "version": "harm-rule-v1", "rule": "…"}</c>.</summary>
    public static WebhookEvent HarmBandChanged(string playerId, DateTimeOffset occurredAt, string? from, Shared.Contracts.ProbabilityScore to) =>
        new(WebhookEventTypes.HarmBandChanged, playerId, occurredAt, Band(from, to));

    /// <summary>
    /// <c>data</c>: <c>{"segmentId": "seg-1", "segmentName": "Lapsing slots VIPs"}</c>, and for a marketing segment
    /// <c>"experimentId": "segment-seg-1", "group": "treatment"|"control"</c>: a CRM holds the control group out of the campaign.
    /// </summary>
    public static WebhookEvent SegmentEntered(string playerId, DateTimeOffset occurredAt, string segmentId, string segmentName, string? experimentId = null, string? group = null) =>
        new(WebhookEventTypes.SegmentEntered, playerId, occurredAt, Segment(segmentId, segmentName, experimentId, group));

    /// <summary><c>data</c>: as <see cref="SegmentEntered"/>.</summary>
    public static WebhookEvent SegmentExited(string playerId, DateTimeOffset occurredAt, string segmentId, string segmentName, string? experimentId = null, string? group = null) =>
        new(WebhookEventTypes.SegmentExited, playerId, occurredAt, Segment(segmentId, segmentName, experimentId, group));

    /// <summary><c>data</c>: the alert, <c>{"id", "alert", "severity", "source", "summary", "firedAt"}</c>; <c>playerId</c> is empty.</summary>
    public static WebhookEvent OpsAlert(Shared.Contracts.OpsAlertEvent evt) =>
        new(evt.Type, "", evt.At, (JsonObject)JsonSerializer.SerializeToNode(evt.Alert, Shared.Contracts.ContractsJsonContext.Default.OpsAlert)!, evt.EventId);

    /// <summary>
    /// <c>data</c>: <c>{"affiliateId": "aff-1", "btag": "a1_b2"|null, "ftdDate": "2026-11-23", "ftdAmount": 25.0, "currency": "EUR"}</c>.
    /// The id is the affiliate's and player's, so the postback is one event however often it is published.
    /// </summary>
    public static WebhookEvent AffiliateFtdEvent(string playerId, DateTimeOffset occurredAt, string affiliateId, string? btag, DateOnly ftdDate, decimal ftdAmount,
        string currency) =>
        new(WebhookEventTypes.AffiliateFtd, playerId, occurredAt, new JsonObject
        {
            ["affiliateId"] = affiliateId, ["btag"] = btag, ["ftdDate"] = ftdDate.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            ["ftdAmount"] = ftdAmount, ["currency"] = currency,
        }, "ftd_" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(affiliateId + "\n" + playerId)))[..32]);

    private static JsonObject Band(string? from, Shared.Contracts.ProbabilityScore to) =>
        new() { ["from"] = from, ["to"] = to.Band, ["probability"] = to.Probability, ["source"] = to.Source, ["version"] = to.Version, ["rule"] = to.Rule };

    private static JsonObject Segment(string segmentId, string segmentName, string? experimentId, string? group)
    {
        var data = new JsonObject { ["segmentId"] = segmentId, ["segmentName"] = segmentName };
        if (experimentId is null || group is null) return data;
        data["experimentId"] = experimentId;
        data["group"] = group;
        return data;
    }
}
