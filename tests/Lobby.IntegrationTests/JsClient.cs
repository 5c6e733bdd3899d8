using System.Diagnostics;
using System.Reflection;
using System.Text;
using System.Text.Json;

namespace Lobby.IntegrationTests;

/// <summary>
/// Runs <c>tests/Lobby.JsClient/hub-client.mjs</c> with Node: the official <c>@microsoft/signalr</c> client, restored
/// from package-lock.json with <c>npm ci</c> the first time (a restore, like NuGet's), never a browser download.
/// </summary>
public static class JsClient
{
    private static readonly SemaphoreSlim Restore = new(1, 1);

    public static string Directory => Path.GetFullPath(typeof(JsClient).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "JsClientDirectory").Value!);

    /// <summary>Runs the script with this configuration (serialised as its one argument) and returns the JSON lines it printed.</summary>
    public static async Task<IReadOnlyList<JsonElement>> RunAsync(object config, TimeSpan timeout, CancellationToken cancellationToken)
    {
        await EnsureRestoredAsync(cancellationToken);
        var (exitCode, output, errors) = await ExecAsync("node", ["hub-client.mjs", JsonSerializer.Serialize(config)], timeout, cancellationToken);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => l.StartsWith('{'))
            .Select(l => JsonDocument.Parse(l).RootElement.Clone())
            .ToList();
        if (exitCode != 0) throw new InvalidOperationException($"hub-client.mjs exited with {exitCode}.\nstdout:\n{output}\nstderr:\n{errors}");
        return lines;
    }

    private static async Task EnsureRestoredAsync(CancellationToken cancellationToken)
    {
        await Restore.WaitAsync(cancellationToken);
        try
        {
            if (System.IO.Directory.Exists(Path.Combine(Directory, "node_modules", "@microsoft", "signalr"))) return;
            var (exitCode, output, errors) = await ExecAsync("npm", ["ci", "--no-audit", "--no-fund"], TimeSpan.FromMinutes(5), cancellationToken);
            if (exitCode != 0) throw new InvalidOperationException($"npm ci in {Directory} failed ({exitCode}):\n{output}\n{errors}");
        }
        finally
        {
            Restore.Release();
        }
    }

    private static async Task<(int ExitCode, string Output, string Errors)> ExecAsync(
        string file, IReadOnlyList<string> arguments, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(file)
        {
            WorkingDirectory = Directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {file}");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"could not start {file}: this test needs Node.js and npm on PATH (apt-get install -y nodejs npm)", e);
        }
        using var _ = process;
        var output = new StringBuilder();
        var errors = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (errors) errors.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', arguments.Take(1))} did not finish within {timeout}.\nstdout:\n{output}\nstderr:\n{errors}");
        }
        process.WaitForExit();
        return (process.ExitCode, output.ToString(), errors.ToString());
    }
}
