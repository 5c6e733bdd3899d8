using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Lobby.Upstream;
using Shared.Contracts;

namespace Lobby.Play;

/// <summary>Sends canonical events to Ingestion, as a game provider's feed does.</summary>
public interface IIngestionEvents
{
    /// <summary>Posts one event; throws <see cref="EventNotAcceptedException"/> saying why when Ingestion does not apply it.</summary>
    Task SendAsync(CloudEvent cloudEvent, CancellationToken cancellationToken = default);
}

/// <summary>Ingestion did not apply an event: the message says why, in words a player can be shown.</summary>
public sealed class EventNotAcceptedException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary><c>POST /v1/events</c> with <c>application/cloudevents+json</c>, the key of <see cref="PlayOptions.IngestionApiKey"/>.</summary>
internal sealed class IngestionEventsClient(IHttpClientFactory factory, ILogger<IngestionEventsClient> logger) : IIngestionEvents
{
    public const string MediaType = "application/cloudevents+json";

    public async Task SendAsync(CloudEvent cloudEvent, CancellationToken cancellationToken = default)
    {
        var http = factory.CreateClient(ServiceCalls.Ingestion);
        var body = JsonSerializer.Serialize(cloudEvent, ContractsJsonContext.Default.CloudEvent);
        using var content = new StringContent(body, Encoding.UTF8, MediaType);
        content.Headers.ContentType!.CharSet = null;
        HttpResponseMessage response;
        try
        {
            response = await http.PostAsync("v1/events", content, cancellationToken);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning(e, "Ingestion could not be reached for event {EventId}", cloudEvent.Id);
            throw new EventNotAcceptedException("The game server could not be reached. Please try again in a moment.", e);
        }
        using (response)
        {
            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            {
                logger.LogError("Ingestion refused the lobby's key (Lobby:Play:IngestionApiKey) with {Status}", (int)response.StatusCode);
                throw new EventNotAcceptedException("The game server refused the round: the lobby is not allowed to send rounds (check Lobby:Play:IngestionApiKey).");
            }
            if (!response.IsSuccessStatusCode)
            {
                var detail = await response.Content.ReadAsStringAsync(cancellationToken);
                logger.LogWarning("Ingestion answered {Status} to event {EventId}: {Detail}", (int)response.StatusCode, cloudEvent.Id, detail);
                throw new EventNotAcceptedException($"The game server answered {(int)response.StatusCode} {response.ReasonPhrase}.");
            }
            var result = await response.Content.ReadFromJsonAsync(ContractsJsonContext.Default.IngestResult, cancellationToken);
            if (result is { Rejected.Count: > 0 })
            {
                throw new EventNotAcceptedException($"The game server rejected the round: {result.Rejected[0].Error}");
            }
        }
    }
}
