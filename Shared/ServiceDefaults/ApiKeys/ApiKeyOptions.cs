using System.ComponentModel.DataAnnotations;

namespace Shared.ServiceDefaults.ApiKeys;

/// <summary>
/// One API key from configuration (<c>ApiKeys__0__Name</c>, <c>__Key</c> or <c>__KeySha256</c>, <c>__Scopes</c>).
/// Only the SHA-256 of a key is kept in memory.
/// </summary>
public sealed class ApiKeyEntry
{
    [Required] public string Name { get; set; } = "";
    public string? Key { get; set; }
    public string? KeySha256 { get; set; }
    /// <summary>Space-separated scopes, e.g. <c>events:write catalog:write</c>.</summary>
    public string Scopes { get; set; } = "";
    /// <summary>Optional secret for HMAC body signatures (<c>X-Signature: sha256=…</c>) from this source.</summary>
    public string? SigningSecret { get; set; }
    /// <summary>
    /// Space-separated CloudEvents <c>source</c> values this key may send (e.g. <c>wallet</c>); empty: any. A key is bound
    /// to the system that holds it, so a leaked lobby key cannot speak for the wallet.
    /// </summary>
    public string Sources { get; set; } = "";
    /// <summary>Space-separated event types this key may send, exact or a prefix ending in <c>.*</c> (e.g. <c>lobby.*</c>); empty: any.</summary>
    public string EventTypes { get; set; } = "";
}

public static class Scopes
{
    public const string EventsWrite = "events:write";
    public const string CatalogWrite = "catalog:write";
    public const string PlayersErase = "players:erase";
    public const string ScoresRead = "scores:read";
    public const string SegmentsWrite = "segments:write";
    public const string ModelsAdmin = "models:admin";
    /// <summary>Register and remove CRM webhooks (an addition to the contract's scopes).</summary>
    public const string WebhooksWrite = "webhooks:write";
    /// <summary>
    /// Send the events that restrict or free a player: responsible gambling, consent and verification
    /// (<c>player.rg</c> and the others in <see cref="ComplianceEventTypes"/>), on top of <c>events:write</c>.
    /// </summary>
    public const string EventsRg = "events:rg";
    /// <summary>Read the audit log of segment and placement changes.</summary>
    public const string AuditRead = "audit:read";
    /// <summary>Export a segment's members as CSV (personal data leaving the product).</summary>
    public const string SegmentsExport = "segments:export";
    /// <summary>Read reconciliation and feed status (contract section 4).</summary>
    public const string OpsRead = "ops:read";
    /// <summary>Read and work the safer-gambling case queue (players' harm markers, notes, outcomes): for the safer-gambling team only.</summary>
    public const string HarmCases = "harm:cases";
    /// <summary>Read the affiliate report and export (contract section 2).</summary>
    public const string AffiliatesRead = "affiliates:read";

    /// <summary>
    /// The authorization policy of reading the marketers' work (segments, placements, experiments, insights): a key with
    /// <see cref="ScoresRead"/> or <see cref="SegmentsWrite"/>. Intelligence's segments registration defines it.
    /// </summary>
    public const string SegmentsReadPolicy = "segments-read";

    public static readonly IReadOnlyList<string> All =
        [EventsWrite, CatalogWrite, PlayersErase, ScoresRead, SegmentsWrite, ModelsAdmin, WebhooksWrite, EventsRg, AuditRead, SegmentsExport, OpsRead, HarmCases, AffiliatesRead];

    /// <summary>The event types that need <see cref="EventsRg"/>: each can lift or impose a restriction on marketing a player.</summary>
    public static readonly IReadOnlySet<string> ComplianceEventTypes = new HashSet<string>(StringComparer.Ordinal)
    {
        // Spelled out: ServiceDefaults does not reference Shared.Contracts (EventTypes there; a test holds them equal).
        "player.rg", "player.consent", "player.kyc", "player.aml", "player.geo",
    };
}
