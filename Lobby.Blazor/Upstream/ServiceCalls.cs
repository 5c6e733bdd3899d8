using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Lobby.Upstream;

/// <summary>How the lobby's calls to the services behind it (through their resilience handlers) fail.</summary>
public static class ServiceCalls
{
    /// <summary>The named HttpClient for Intelligence: its address, API key and resilience (Rows/RowsExtensions).</summary>
    public const string Intelligence = "intelligence";

    /// <summary>The named HttpClient for Ingestion's events endpoint (Play/PlayExtensions).</summary>
    public const string Ingestion = "ingestion";

    /// <summary>
    /// Whether an exception from a call to Intelligence or Ingestion means it cannot answer now: refused or failed
    /// (<see cref="HttpRequestException"/>), out of time (<see cref="TimeoutRejectedException"/>, or a cancellation the
    /// caller did not ask for), or cut off by the circuit breaker after repeated failures
    /// (<see cref="BrokenCircuitException"/>). The resilience handler throws the last two, which are not
    /// <see cref="HttpRequestException"/>s: a fallback that catches only those never runs when the service is slow.
    /// </summary>
    public static bool Unavailable(Exception e, CancellationToken cancellationToken) => e switch
    {
        HttpRequestException or TimeoutRejectedException or BrokenCircuitException => true,
        OperationCanceledException => !cancellationToken.IsCancellationRequested,
        _ => false,
    };
}
