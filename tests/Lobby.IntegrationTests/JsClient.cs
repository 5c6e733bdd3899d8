using System.Reflection;
using System.Text.Json;
using TestSupport;

namespace Lobby.IntegrationTests;

/// <summary>
/// Runs <c>tests/Lobby.JsClient/hub-client.mjs</c> with Node: the official <c>@microsoft/signalr</c> client, restored
/// from package-lock.json with <c>npm ci</c> the first time (a restore, like NuGet's), never a browser download.
/// </summary>
public static class JsClient
{
    private static readonly NodePackages Packages = new(typeof(JsClient).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "JsClientDirectory").Value!);

    public static string Directory => Packages.Directory;

    /// <summary>Runs the script with this configuration (serialised as its one argument) and returns the JSON lines it printed.</summary>
    public static async Task<IReadOnlyList<JsonElement>> RunAsync(object config, TimeSpan timeout, CancellationToken cancellationToken)
    {
        await Packages.EnsureRestoredAsync(Path.Combine("@microsoft", "signalr"), cancellationToken);
        var (exitCode, output, errors) = await Packages.ExecAsync("node", ["hub-client.mjs", JsonSerializer.Serialize(config)], timeout, cancellationToken);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => l.StartsWith('{'))
            .Select(l => JsonDocument.Parse(l).RootElement.Clone())
            .ToList();
        if (exitCode != 0)
        {
            // The script's own error first: a long stdout may be cut where the failure is shown.
            var error = lines.LastOrDefault(l => l.TryGetProperty("event", out var e) && e.GetString() == "error");
            var why = error.ValueKind == JsonValueKind.Object ? error.GetProperty("error").GetString() : errors.Trim();
            throw new InvalidOperationException($"hub-client.mjs exited with {exitCode}: {why}\nstdout:\n{output}\nstderr:\n{errors}");
        }
        return lines;
    }
}
