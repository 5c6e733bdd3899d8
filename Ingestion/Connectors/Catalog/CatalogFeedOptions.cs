using Microsoft.Extensions.Options;

namespace Ingestion.Connectors.Catalog;

/// <summary>
/// Section <c>CatalogFeed</c>: an aggregator's game-list endpoint polled on a schedule. The retry, timeout and circuit
/// breaker of the HTTP client are the standard resilience handler's, tunable under <c>CatalogFeed:Resilience</c>
/// (<c>HttpStandardResilienceOptions</c>, e.g. <c>CatalogFeed:Resilience:Retry:MaxRetryAttempts</c>).
/// </summary>
public sealed class CatalogFeedOptions
{
    public const string Section = "CatalogFeed";

    public bool Enabled { get; set; }

    /// <summary>Absolute http(s) URL of the game list.</summary>
    public string? Url { get; set; }

    /// <summary>Header that carries <see cref="ApiKey"/>, when the aggregator wants one.</summary>
    public string ApiKeyHeader { get; set; } = "X-Api-Key";

    public string? ApiKey { get; set; }

    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Largest list accepted, in bytes.</summary>
    public long MaxBodyBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Where the game array is: empty when the body is the array itself, else a property (<c>games</c>, <c>data.items</c>).</summary>
    public string ItemsPath { get; set; } = "";

    /// <summary>
    /// The aggregator's name for a catalogue field, when it differs: <c>CatalogFeed:Fields:id=game_code</c>,
    /// <c>CatalogFeed:Fields:title=name</c>, <c>CatalogFeed:Fields:rtp=meta.rtp</c> (dots reach into objects).
    /// Unlisted fields keep the catalogue's names (<c>id, title, provider, category, tags, rtp, volatility, minBet,
    /// maxBet, jackpot, markets, releasedAt, enabled</c>).
    /// </summary>
    public Dictionary<string, string> Fields { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}

public sealed class CatalogFeedOptionsValidator : IValidateOptions<CatalogFeedOptions>
{
    public ValidateOptionsResult Validate(string? name, CatalogFeedOptions o)
    {
        if (!o.Enabled) return ValidateOptionsResult.Success;
        var errors = new List<string>();
        if (!Uri.TryCreate(o.Url, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
        {
            errors.Add("CatalogFeed:Url must be an absolute http(s) URL of the aggregator's game list when CatalogFeed:Enabled is true");
        }
        if (o.Interval < TimeSpan.FromSeconds(1) || o.Interval > TimeSpan.FromDays(1))
        {
            errors.Add("CatalogFeed:Interval must be from 00:00:01 to 1.00:00:00");
        }
        if (!string.IsNullOrEmpty(o.ApiKey) && string.IsNullOrWhiteSpace(o.ApiKeyHeader))
        {
            errors.Add("CatalogFeed:ApiKeyHeader must name the header that carries CatalogFeed:ApiKey");
        }
        if (o.MaxBodyBytes is < 1024 or > int.MaxValue) errors.Add("CatalogFeed:MaxBodyBytes must be from 1024 to 2147483647");
        foreach (var field in o.Fields.Keys.Where(f => !CatalogFeedReader.FieldNames.Contains(f, StringComparer.OrdinalIgnoreCase)))
        {
            errors.Add($"CatalogFeed:Fields:{field} is not a catalogue field (one of {string.Join(", ", CatalogFeedReader.FieldNames)})");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
