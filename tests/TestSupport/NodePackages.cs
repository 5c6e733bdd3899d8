using System.Diagnostics;
using System.Text;

namespace TestSupport;

/// <summary>
/// Node.js tools a test drives (the official SignalR client, Redocly's OpenAPI linter), restored from a folder's
/// package-lock.json with <c>npm ci</c> the first time (a restore, like NuGet's), then run with Node.
/// </summary>
public sealed class NodePackages(string directory)
{
    private static readonly SemaphoreSlim Restore = new(1, 1);

    public string Directory { get; } = Path.GetFullPath(directory);

    /// <summary>Runs <c>npm ci</c> unless <paramref name="installed"/> (a path under node_modules) is already there.</summary>
    public async Task EnsureRestoredAsync(string installed, CancellationToken cancellationToken)
    {
        await Restore.WaitAsync(cancellationToken);
        try
        {
            if (Path.Exists(Path.Combine(Directory, "node_modules", installed))) return;
            var (exitCode, output, errors) = await ExecAsync("npm", ["ci", "--no-audit", "--no-fund"], TimeSpan.FromMinutes(5), cancellationToken);
            if (exitCode != 0) throw new InvalidOperationException($"npm ci in {Directory} failed ({exitCode}):\n{output}\n{errors}");
        }
        finally
        {
            Restore.Release();
        }
    }

    /// <summary>Runs a program in <see cref="Directory"/> and returns its exit code and what it printed; kills it past <paramref name="timeout"/>.</summary>
    public async Task<(int ExitCode, string Output, string Errors)> ExecAsync(
        string file, IReadOnlyList<string> arguments, TimeSpan timeout, CancellationToken cancellationToken, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(file)
        {
            WorkingDirectory = Directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) info.Environment[name] = value;
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
