using Shared.Store;
using StackExchange.Redis;

namespace Simulator.Demo;

/// <summary>
/// The demo's marks, kept in the store itself (<see cref="StoreKeys.Demo"/>) rather than beside it: a store that was
/// emptied, or another one given with <c>--redis</c>, gets its history and examples loaded again; the same store never twice.
/// </summary>
public static class DemoMarks
{
    /// <summary>"players seed days" of the history loaded.</summary>
    public const string History = "history";

    /// <summary>When the examples were seeded (ISO 8601).</summary>
    public const string Examples = "examples";

    public static readonly IReadOnlyList<string> Fields = [History, Examples];

    public static async Task<string?> GetAsync(string redis, string field, string prefix = "")
    {
        await using var connection = await ConnectAsync(redis);
        return await connection.GetDatabase().HashGetAsync(new StoreKeys(prefix).Demo, field);
    }

    public static async Task SetAsync(string redis, string field, string value, string prefix = "")
    {
        await using var connection = await ConnectAsync(redis);
        await connection.GetDatabase().HashSetAsync(new StoreKeys(prefix).Demo, field, value);
    }

    private static Task<ConnectionMultiplexer> ConnectAsync(string redis)
    {
        var options = ConfigurationOptions.Parse(redis);
        // A store still starting (the embedded one comes up with Ingestion) is waited for, not failed on.
        options.AbortOnConnectFail = false;
        options.ConnectTimeout = 15_000;
        return ConnectionMultiplexer.ConnectAsync(options);
    }
}
