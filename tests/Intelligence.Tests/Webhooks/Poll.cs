using System.Diagnostics;

namespace Intelligence.Tests.Webhooks;

public static class Poll
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <summary>Checks the condition every 10 ms until it holds; fails the test after <see cref="Timeout"/>.</summary>
    public static Task UntilAsync(Func<Task<bool>> condition, string what) => UntilAsync(condition, () => what);

    public static async Task UntilAsync(Func<Task<bool>> condition, Func<string> what)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > Timeout) Assert.Fail($"Timed out after {Timeout.TotalSeconds:0} s waiting for {what()}");
            await Task.Delay(10);
        }
    }
}
