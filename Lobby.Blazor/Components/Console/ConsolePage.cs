using Lobby.Console;
using Microsoft.AspNetCore.Components;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Lobby.Components.Console;

/// <summary>
/// What every console page shares: the Intelligence client, the clock, and one way of turning a failed call into a
/// sentence on the page. Data is read once the page is interactive (a prerender would only read it twice).
/// </summary>
public abstract class ConsolePage : ComponentBase
{
    [Inject] protected IConsoleClient Api { get; set; } = default!;

    [Inject] protected TimeProvider Time { get; set; } = default!;

    [Inject] protected NavigationManager Navigation { get; set; } = default!;

    [Inject] private ILoggerFactory Loggers { get; set; } = default!;

    /// <summary>The service the page's calls go to, as its errors name it.</summary>
    protected virtual string Service => "Intelligence";

    /// <summary>Why the last call failed, in words; null when it did not.</summary>
    protected string? Error { get; set; }

    /// <summary>Runs a call; on failure sets <see cref="Error"/> and returns false (validation errors are the caller's to catch first).</summary>
    protected async Task<bool> TryAsync(Func<Task> call)
    {
        try
        {
            await call();
            Error = null;
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Error = Describe(e, Service);
            Loggers.CreateLogger(GetType()).LogWarning(e, "Console call failed: {Message}", Error);
            return false;
        }
    }

    internal static string Describe(Exception e, string service = "Intelligence") => e switch
    {
        ConsoleClientException or ConsoleAccessDeniedException => e.Message,
        HttpRequestException or BrokenCircuitException => $"{service} is not reachable just now; try again in a moment.",
        TimeoutRejectedException => $"{service} took too long to answer; try again in a moment.",
        _ => $"Something went wrong: {e.Message}",
    };
}
