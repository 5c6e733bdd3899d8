using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Ingestion.Adapters.FastTrack;

/// <summary>
/// The operator's PAM endpoints in Fast Track's operator-API shapes. A typed <see cref="HttpClient"/> behind the standard
/// resilience pipeline (timeouts, retries, circuit breaker; see <see cref="PamConnectorExtensions.AddPamConnector"/>). Every failure,
/// whatever its kind, surfaces as <see cref="PamUnavailableException"/> with a message an operator can act on.
/// </summary>
public sealed class PamClient(HttpClient http)
{
    public Task<FastTrackUserDetails> GetUserDetailsAsync(string playerId, CancellationToken ct) =>
        GetAsync("userdetails/" + Uri.EscapeDataString(playerId), FastTrackJsonContext.Default.FastTrackUserDetails, ct);

    public Task<FastTrackUserConsents> GetUserConsentsAsync(string playerId, CancellationToken ct) =>
        GetAsync("userconsents/" + Uri.EscapeDataString(playerId), FastTrackJsonContext.Default.FastTrackUserConsents, ct);

    public Task<FastTrackUserBlocks> GetUserBlocksAsync(string playerId, CancellationToken ct) =>
        GetAsync("userblocks/" + Uri.EscapeDataString(playerId), FastTrackJsonContext.Default.FastTrackUserBlocks, ct);

    private async Task<T> GetAsync<T>(string path, JsonTypeInfo<T> type, CancellationToken ct)
    {
        var what = $"GET /{path}";
        try
        {
            using var response = await http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead, ct);
            if (!response.IsSuccessStatusCode)
            {
                throw new PamUnavailableException($"{what} answered {(int)response.StatusCode} {response.ReasonPhrase}");
            }
            return await response.Content.ReadFromJsonAsync(type, ct)
                ?? throw new PamUnavailableException($"{what} answered null instead of Fast Track's object");
        }
        catch (BrokenCircuitException e)
        {
            throw new PamUnavailableException($"{what} not sent: the PAM circuit is open after repeated failures ({e.Message})", e);
        }
        catch (TimeoutRejectedException e)
        {
            throw new PamUnavailableException($"{what} timed out ({e.Message})", e);
        }
        catch (HttpRequestException e)
        {
            throw new PamUnavailableException($"{what} failed: {e.Message}", e);
        }
        catch (JsonException e)
        {
            var (field, problem) = FastTrackJsonErrors.Describe(e, type);
            throw new PamUnavailableException($"{what} answered JSON that is not Fast Track's shape: field {field}: {problem}", e);
        }
        catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw new PamUnavailableException($"{what} timed out", e);
        }
    }
}

/// <summary>The PAM could not answer a look-up; the message says which request and why.</summary>
public sealed class PamUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
