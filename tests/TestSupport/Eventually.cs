using System.Diagnostics;

namespace TestSupport;

/// <summary>Waiting for something a background loop does: the condition is polled until it holds, or the wait fails naming what did not happen.</summary>
public static class Eventually
{
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan within, string what, TimeSpan? poll = null)
    {
        var waited = Stopwatch.StartNew();
        while (!await condition())
        {
            if (waited.Elapsed >= within) throw new TimeoutException($"{what} within {within}");
            await Task.Delay(poll ?? TimeSpan.FromMilliseconds(200));
        }
    }
}
