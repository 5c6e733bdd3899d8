using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace TestSupport;

/// <summary>
/// A real <c>redis-server</c> child process on a free loopback port, for tests that must see what a
/// production Redis does. Memory-only by default; <see cref="StartAsync(bool, CancellationToken)"/> with
/// <c>persistent: true</c> turns the append-only file on (fsync always) in a temp directory so
/// <see cref="RestartAsync"/> keeps data; <see cref="RedisPersistence"/> also offers fsync every second.
/// </summary>
public sealed class RedisServer : IAsyncDisposable, IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);
    private static readonly ConcurrentDictionary<Process, byte> Running = new();
    private const int OutputLines = 200;

    private readonly string _executable;
    private readonly RedisPersistence _persistence;
    private readonly TempDirectory? _dataDirectory;
    private readonly IReadOnlyList<string> _extraArguments;
    private readonly ConcurrentQueue<string> _output = new();
    private Process? _process;

    static RedisServer()
    {
        // A safety net for a test host that exits without disposing its fixtures: no redis-server outlives it.
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var process in Running.Keys)
            {
                Kill(process);
            }
        };
    }

    private RedisServer(string executable, int port, RedisPersistence persistence, TempDirectory? dataDirectory, IReadOnlyList<string> extraArguments)
    {
        _executable = executable;
        _persistence = persistence;
        Port = port;
        _dataDirectory = dataDirectory;
        _extraArguments = extraArguments;
    }

    public int Port { get; private set; }

    /// <summary><c>127.0.0.1:port</c>, usable as a StackExchange.Redis connection string.</summary>
    public string ConnectionString => $"127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The AOF directory when persistent, otherwise null.</summary>
    public string? DataDirectory => _dataDirectory?.Path;

    /// <summary>The last lines redis-server printed, for failure messages.</summary>
    public string Output => string.Join('\n', _output);

    /// <summary>Where the binary is: on PATH or at /usr/bin/redis-server; null when missing.</summary>
    public static string? FindExecutable()
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        return path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Append("/usr/bin")
            .Select(dir => Path.Combine(dir, "redis-server"))
            .FirstOrDefault(File.Exists);
    }

    public static Task<RedisServer> StartAsync(bool persistent = false, CancellationToken cancellationToken = default) =>
        StartAsync(persistent ? RedisPersistence.AofAlways : RedisPersistence.None, cancellationToken);

    public static Task<RedisServer> StartAsync(RedisPersistence persistence, CancellationToken cancellationToken = default) =>
        StartAsync(persistence, ownDirectory: false, _ => [], cancellationToken);

    /// <summary>
    /// A server with more arguments, made for its port (a cluster node's bus port and config file). With
    /// <paramref name="ownDirectory"/> it runs in a temp directory of its own (<c>--dir</c>) even without persistence.
    /// </summary>
    internal static async Task<RedisServer> StartAsync(RedisPersistence persistence, bool ownDirectory, Func<int, IReadOnlyList<string>> extraArguments,
        CancellationToken cancellationToken)
    {
        var executable = FindExecutable() ?? throw new InvalidOperationException(
            "redis-server was not found on PATH nor at /usr/bin/redis-server. Run ./test.sh from the repository root, " +
            "which installs it (apt-get install redis-server), or install it yourself.");

        var dataDirectory = persistence == RedisPersistence.None && !ownDirectory ? null : new TempDirectory("redis");
        // A free port can be taken by someone else between the probe and the bind: try a few.
        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort.Get();
            var server = new RedisServer(executable, port, persistence, dataDirectory, extraArguments(port));
            try
            {
                await server.LaunchAsync(cancellationToken);
                return server;
            }
            catch (RedisServerStartException) when (attempt < 3 && server.Output.Contains("Address already in use", StringComparison.Ordinal))
            {
                server.StopProcess();
            }
            catch
            {
                server.StopProcess();
                dataDirectory?.Dispose();
                throw;
            }
        }
    }

    /// <summary>Stops the server (SHUTDOWN, which flushes the AOF, or a kill) and starts it again on the same port and directory.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        await StopAsync(cancellationToken);
        await LaunchAsync(cancellationToken);
    }

    /// <summary>Kills the server without warning (as a crash or power cut would) and starts it again on the same port and directory.</summary>
    public async Task KillAndRestartAsync(CancellationToken cancellationToken = default)
    {
        StopProcess();
        await LaunchAsync(cancellationToken);
    }

    /// <summary>Kills the server without warning, as a crash would; <see cref="RestartAsync"/> starts it again on the same port and directory.</summary>
    public void Kill() => StopProcess();

    /// <summary>
    /// Stops the process in its tracks (SIGSTOP) without it knowing: it answers nothing and replicates nothing until
    /// <see cref="Thaw"/>, as a machine that hangs would.
    /// </summary>
    public void Freeze() => Signal("STOP");

    /// <summary>Lets a frozen process run on (SIGCONT).</summary>
    public void Thaw() => Signal("CONT");

    private void Signal(string signal)
    {
        if (_process is not { HasExited: false } process) throw new InvalidOperationException($"redis-server on port {Port} is not running");
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-" + signal, process.Id.ToString(CultureInfo.InvariantCulture) }, UseShellExecute = false })
            ?? throw new InvalidOperationException("could not run kill");
        kill.WaitForExit();
        if (kill.ExitCode != 0) throw new InvalidOperationException($"kill -{signal} {process.Id} exited with code {kill.ExitCode}");
    }

    /// <summary>Whether the process is running.</summary>
    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Asks the server to shut down and waits for it; kills it if it has not gone within five seconds.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (_process is not { HasExited: false } process)
        {
            return;
        }
        try
        {
            await SendAsync("*1\r\n$8\r\nSHUTDOWN\r\n", cancellationToken);
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            // The connection closes as the server goes away; the wait below tells whether it did.
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            Kill(process);
        }
        StopProcess();
    }

    public async ValueTask DisposeAsync()
    {
        StopProcess();
        _dataDirectory?.Dispose();
        await Task.CompletedTask;
    }

    public void Dispose()
    {
        StopProcess();
        _dataDirectory?.Dispose();
    }

    private string[] Arguments()
    {
        List<string> args =
        [
            "--bind", "127.0.0.1", "--port", Port.ToString(CultureInfo.InvariantCulture),
            "--save", "", "--protected-mode", "no", "--daemonize", "no", "--logfile", "",
        ];
        args.AddRange(_persistence == RedisPersistence.None
            ? ["--appendonly", "no"]
            : ["--appendonly", "yes", "--appendfsync", _persistence == RedisPersistence.AofAlways ? "always" : "everysec"]);
        if (_dataDirectory is not null) args.AddRange(["--dir", _dataDirectory.Path]);
        args.AddRange(_extraArguments);
        return [.. args];
    }

    private async Task LaunchAsync(CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(_executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in Arguments())
        {
            info.ArgumentList.Add(arg);
        }
        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => Remember(e.Data);
        process.ErrorDataReceived += (_, e) => Remember(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        Running[process] = 0;

        var deadline = Stopwatch.StartNew();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (process.HasExited)
            {
                await process.WaitForExitAsync(cancellationToken); // drains the output readers
                throw new RedisServerStartException(
                    $"redis-server on port {Port} exited with code {process.ExitCode} before answering PING. Its output:\n{Output}");
            }
            // LOADING while the AOF is replayed; +PONG once it serves.
            if (await TryPingAsync(cancellationToken))
            {
                return;
            }
            if (deadline.Elapsed > StartTimeout)
            {
                throw new RedisServerStartException(
                    $"redis-server on port {Port} did not answer PING within {StartTimeout.TotalSeconds:0} s. Its output:\n{Output}");
            }
            await Task.Delay(25, cancellationToken);
        }
    }

    private async Task<bool> TryPingAsync(CancellationToken cancellationToken)
    {
        try
        {
            return (await SendAsync("*1\r\n$4\r\nPING\r\n", cancellationToken)).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            return false;
        }
    }

    // Raw RESP over a socket: start-up and shutdown must not depend on the client library under test.
    private async Task<string> SendAsync(string command, CancellationToken cancellationToken)
    {
        using var client = new TcpClient();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(2));
        try
        {
            await client.ConnectAsync("127.0.0.1", Port, timeout.Token);
            var stream = client.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes(command), timeout.Token);
            var buffer = new byte[256];
            var read = await stream.ReadAsync(buffer, timeout.Token);
            return Encoding.ASCII.GetString(buffer, 0, read);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new IOException($"redis-server on port {Port} did not reply in time");
        }
    }

    private void Remember(string? line)
    {
        if (line is null)
        {
            return;
        }
        _output.Enqueue(line);
        while (_output.Count > OutputLines && _output.TryDequeue(out _))
        {
        }
    }

    private void StopProcess()
    {
        if (_process is not { } process)
        {
            return;
        }
        Kill(process);
        Running.TryRemove(process, out _);
        process.Dispose();
        _process = null;
    }

    /// <summary>Kills a server process and its children, if it is still running (also used for other servers' processes).</summary>
    internal static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // Never started or already gone.
        }
    }
}

/// <summary>How a <see cref="RedisServer"/> keeps data: not at all, or in an append-only file fsynced every second or on every write.</summary>
public enum RedisPersistence
{
    None,
    AofEverySecond,
    AofAlways,
}

/// <summary>redis-server did not come up; the message carries its output.</summary>
public sealed class RedisServerStartException(string message) : Exception(message);
