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
    /// <summary>Read the affiliate report and export (contract section 2).</summary>
    public const string AffiliatesRead = "affiliates:read";

    public static readonly IReadOnlyList<string> All = [EventsWrite, CatalogWrite, PlayersErase, ScoresRead, SegmentsWrite, ModelsAdmin, WebhooksWrite, AffiliatesRead];
}
