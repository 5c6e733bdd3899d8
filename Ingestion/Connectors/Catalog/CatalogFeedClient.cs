using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Options;

namespace Ingestion.Connectors.Catalog;

/// <summary>A 304 (nothing changed since <c>If-None-Match</c>), or a new list with its ETag.</summary>
public sealed record CatalogFeedResponse(bool NotModified, byte[] Body, string? ETag);

/// <summary>Typed client of the aggregator's game list; retries, timeouts and the circuit breaker are the standard resilience handler's.</summary>
public sealed class CatalogFeedClient(HttpClient http, IOptions<CatalogFeedOptions> options)
{
    public async Task<CatalogFeedResponse> FetchAsync(string? etag, CancellationToken cancellationToken)
    {
        var o = options.Value;
        using var request = new HttpRequestMessage(HttpMethod.Get, o.Url);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (!string.IsNullOrEmpty(etag)) request.Headers.TryAddWithoutValidation("If-None-Match", etag);
        if (!string.IsNullOrEmpty(o.ApiKey)) request.Headers.TryAddWithoutValidation(o.ApiKeyHeader, o.ApiKey);

        using var response = await http.SendAsync(request, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotModified) return new CatalogFeedResponse(true, [], etag);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"the aggregator answered {(int)response.StatusCode} {response.ReasonPhrase} for {o.Url}",
                null, response.StatusCode);
        }
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        return new CatalogFeedResponse(false, body, response.Headers.ETag?.ToString());
    }
}
